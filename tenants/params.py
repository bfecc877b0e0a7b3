"""Query parameters that several APIs share."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request


def from_to_params(request: Request, query: type[serializers.Serializer]) -> dict[str, Any]:
    """`?from=&to=` validated by `query`, a serializer with the fields `from_` and `to`
    (`from` is a Python keyword); errors name the parameters as the client sent them."""
    params = {k: request.query_params[k] for k in ("from", "to") if k in request.query_params}
    if "from" in params:
        params["from_"] = params.pop("from")
    data = query(data=params)
    if not data.is_valid():
        raise ValidationError({("from" if k == "from_" else k): v for k, v in data.errors.items()})
    return dict(data.validated_data)
