"""The list envelope of API.md: `{"results", "next", "previous"}` with `?limit=`."""

import re
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request

_DIGITS = re.compile(r"[0-9]{1,4}")
INVALID_LIMIT = "limit must be a whole number from 1 to {max}."
INVALID_CURSOR = "cursor is not one this API returned in next or previous."


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
        # ASCII digits only: int() would also read " 10", "1_0" and "١٠".
        value = int(raw) if _DIGITS.fullmatch(raw) else 0
        if not 1 <= value <= self.max_page_size:
            raise ValidationError({"limit": [INVALID_LIMIT.format(max=self.max_page_size)]})
        return value

    def get_ordering(self, request: Request, queryset: Any, view: Any) -> tuple[str, ...]:
        ordering = getattr(view, "cursor_ordering", self.ordering)
        return (ordering,) if isinstance(ordering, str) else tuple(ordering)

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list[Any] | None:
        self._model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request: Request) -> Cursor | None:
        """DRF's cursor, refused with a 400 (an invalid query, API.md) when it does not
        decode or when its position is no value of the ordering field: DRF answers the
        first with a 404 and lets the second reach the database (a 500)."""
        try:
            cursor = super().decode_cursor(request)
        except NotFound as exc:
            raise ValidationError({"cursor": [INVALID_CURSOR]}) from exc
        if cursor is not None and cursor.position is not None and not self._is_position(str(cursor.position)):
            raise ValidationError({"cursor": [INVALID_CURSOR]})
        return cursor

    def _is_position(self, position: str) -> bool:
        field = self._model._meta.get_field(self.ordering[0].lstrip("-"))
        try:
            field.to_python(position)
        except (DjangoValidationError, ValueError, TypeError):
            return False
        return "\x00" not in position  # PostgreSQL refuses NUL in any text
