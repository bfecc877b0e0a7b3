"""Field validators shared by the services, the API and the admin forms."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError

from tenants.validators import contains_nul

METADATA_MAX_KEYS = 50
METADATA_MAX_BYTES = 8192
METADATA_NOT_OBJECT = "metadata must be a JSON object."
METADATA_TOO_MANY_KEYS = "metadata may have at most 50 keys; it has {count}."
METADATA_TOO_LARGE = "metadata may take at most 8192 bytes as JSON; it takes {size}."
METADATA_NUL = "metadata may not contain NUL characters (\\u0000)."


def validate_metadata(value: Any) -> None:
    """A JSON object of at most 50 keys and 8 KB, measured as compact UTF-8 JSON, without NUL."""
    if not isinstance(value, dict):
        raise ValidationError(METADATA_NOT_OBJECT, code="metadata_not_object")
    if len(value) > METADATA_MAX_KEYS:
        raise ValidationError(METADATA_TOO_MANY_KEYS.format(count=len(value)), code="metadata_too_many_keys")
    size = len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())
    if size > METADATA_MAX_BYTES:
        raise ValidationError(METADATA_TOO_LARGE.format(size=size), code="metadata_too_large")
    if contains_nul(value):
        raise ValidationError(METADATA_NUL, code="contains_nul")
