"""Query parameters that several APIs share: the time range `?from=&to=`.

Every route that takes a range reads it here, so `from` and `to` accept the same
values (RFC 3339 times or dates: `2026-01-01` is midnight UTC, each before
TIME_PARAM_MAX), fail with the same errors naming the parameter as sent, and the
range is always half-open `[from, to)` with `from` before `to`:

    start, end = from_to_params(request)  # the event list: each bound optional
    start, end = from_to_range(request, now=clock.now(tenant, reading=True), default_from=month_start)  # totals: a whole range
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

# The calendar ends with year 9999: a range that reaches it cannot be stepped through
# by month (the revenue report's months) without overflowing Python's datetime.
TIME_PARAM_MAX = datetime(9999, 1, 1, tzinfo=UTC)
TIME_PARAM_TOO_LATE = "Times must be before 9999-01-01T00:00:00Z."
RANGE_REVERSED = "from must be before to."


def validate_time_param(value: datetime) -> None:
    """`from`/`to` of any list or report end before TIME_PARAM_MAX (a Django validator,
    so DRF reports it with the code `max_value`)."""
    if value >= TIME_PARAM_MAX:
        raise DjangoValidationError(TIME_PARAM_TOO_LATE, code="max_value")


class FromToQuery(serializers.Serializer):
    # "from" is a Python keyword: the parameter is read as `from_` (see from_to_params).
    from_ = serializers.DateTimeField(required=False, validators=[validate_time_param])
    to = serializers.DateTimeField(required=False, validators=[validate_time_param])


def from_to_params(request: Request) -> tuple[datetime | None, datetime | None]:
    """`?from=&to=`, each optional (None when absent) and before TIME_PARAM_MAX; when
    both are given, `from` must be before `to`."""
    raw = {
        ("from_" if k == "from" else k): request.query_params[k] for k in ("from", "to") if k in request.query_params
    }
    query = FromToQuery(data=raw)
    if not query.is_valid():
        raise ValidationError({("from" if k == "from_" else k): v for k, v in query.errors.items()})
    start, end = query.validated_data.get("from_"), query.validated_data.get("to")
    _check_order(start, end)
    return start, end


def from_to_range(
    request: Request, *, now: datetime, default_from: Callable[[datetime], datetime]
) -> tuple[datetime, datetime]:
    """`?from=&to=` as a whole range: `to` defaults to `now` (the tenant's, from
    `tenants.clock`), `from` to `default_from(to)`."""
    start, end = from_to_params(request)
    defaulted = start is None
    end = end or now
    start = start or default_from(end)
    if not (defaulted and start == end):  # both defaults at the very start of a month: an empty range
        _check_order(start, end)
    return start, end


def _check_order(start: datetime | None, end: datetime | None) -> None:
    if start is not None and end is not None and start >= end:
        raise ValidationError({"from": [RANGE_REVERSED]}, code="range_reversed")


def from_to_parameters(from_default: str, to_default: str) -> list[OpenApiParameter]:
    """The OpenAPI description of `?from=&to=`, with each one's default."""
    return [
        OpenApiParameter(
            "from", OpenApiTypes.DATETIME, description=f"RFC 3339 or a date, before 9999-01-01. {from_default}"
        ),
        OpenApiParameter(
            "to", OpenApiTypes.DATETIME, description=f"Exclusive, RFC 3339 or a date, before 9999-01-01. {to_default}"
        ),
    ]
