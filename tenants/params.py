"""Query parameters that several APIs share."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.request import Request

# The calendar ends with year 9999: a range that reaches it cannot be stepped through
# by month (the revenue report's months) without overflowing Python's datetime.
TIME_PARAM_MAX = datetime(9999, 1, 1, tzinfo=UTC)
TIME_PARAM_TOO_LATE = "Times must be before 9999-01-01T00:00:00Z."


def validate_time_param(value: datetime) -> None:
    """`from`/`to` of any list or report end before TIME_PARAM_MAX (a Django validator,
    for filtersets too)."""
    if value >= TIME_PARAM_MAX:
        raise DjangoValidationError(TIME_PARAM_TOO_LATE, code="max_value")


def from_to_params(request: Request, query: type[serializers.Serializer]) -> dict[str, Any]:
    """`?from=&to=` validated by `query`, a serializer with the fields `from_` and `to`
    (`from` is a Python keyword), each before TIME_PARAM_MAX; errors name the
    parameters as the client sent them."""
    params = {k: request.query_params[k] for k in ("from", "to") if k in request.query_params}
    if "from" in params:
        params["from_"] = params.pop("from")
    data = query(data=params)
    if not data.is_valid():
        raise ValidationError({("from" if k == "from_" else k): v for k, v in data.errors.items()})
    late = [k for k in ("from_", "to") if k in data.validated_data and data.validated_data[k] >= TIME_PARAM_MAX]
    if late:
        too_late = [ErrorDetail(TIME_PARAM_TOO_LATE, code="max_value")]
        raise ValidationError({("from" if k == "from_" else k): too_late for k in late})
    return dict(data.validated_data)
