from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tenants.admin_mixins import ReadOnlyAdminMixin
from usage.models import UsageEvent


@admin.register(UsageEvent)
class UsageEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: usage is evidence for invoices; corrections are new events, not edits."""

    list_display = ["id", "tenant", "customer", "meter", "value", "timestamp", "idempotency_key", "created_at"]
    list_filter = ["timestamp"]
    search_fields = ["idempotency_key", "customer__external_id", "meter__code"]
    list_select_related = ["tenant", "customer", "meter"]
    show_full_result_count = False
    date_hierarchy = "timestamp"

    def get_queryset(self, request: HttpRequest) -> Any:
        return UsageEvent.unscoped().all()
