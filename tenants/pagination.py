"""The list envelope of API.md: `{"results", "next", "previous"}` with `?limit=`."""

from typing import Any

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request

INVALID_LIMIT = "limit must be a whole number from 1 to {max}."


class LimitPagination(CursorPagination):
    """Cursor pagination (stable under inserts) with `?limit=` (default 50, max 500).

    A view sets `cursor_ordering` to page by another field than `-created_at`.
    """

    page_size = 50
    max_page_size = 500
    page_size_query_param = "limit"
    ordering = ("-created_at",)

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            value = int(raw)
        except ValueError:
            value = 0
        if not 1 <= value <= self.max_page_size:
            raise ValidationError({"limit": [INVALID_LIMIT.format(max=self.max_page_size)]})
        return value

    def get_ordering(self, request: Request, queryset: Any, view: Any) -> tuple[str, ...]:
        ordering = getattr(view, "cursor_ordering", self.ordering)
        return (ordering,) if isinstance(ordering, str) else tuple(ordering)
