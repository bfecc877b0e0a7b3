"""Admin pieces that several apps share."""

from typing import Any

from django.http import HttpRequest


class ReadOnlyAdminMixin:
    """Staff can look, not add, edit or delete: finalized or derived data (invoices,
    usage events, payment events) changes only through services."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
