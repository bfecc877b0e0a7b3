"""Input serializers that take JSON types as the OpenAPI schema states them.

DRF coerces what it is sent: a CharField takes 42 as "42", an IntegerField "7", a
BooleanField "yes" or 1, a DecimalField the float 12.5 and a UUIDField an integer.
The schema says `string`, `integer`, `boolean`, and API.md says money is a decimal
string, never a float, so `JsonInput` refuses a value of another JSON type with the
field's own "invalid" message, before DRF converts anything. Nested inputs (a plan's
charges and their tiers) are `JsonInput`s too, so the rule holds at every depth.

Query parameters are text by nature and keep DRF's parsing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail

from tenants.validators import CURRENCY_CODES, validate_currency_code

# The column of every stored email (Django's EmailField); the validator alone lets 320 through.
EMAIL_MAX_LENGTH = 254

# Checked in this order: EmailField, SlugField and URLField are CharFields.
_JSON_TYPES: tuple[tuple[type[serializers.Field], tuple[type, ...]], ...] = (
    (serializers.BooleanField, (bool,)),
    (serializers.IntegerField, (int,)),
    (serializers.DecimalField, (str,)),
    (serializers.UUIDField, (str,)),
    (serializers.CharField, (str,)),
)  # DateTimeField already refuses what is not text; ChoiceFields have text choices only.


def _wrong_type(field: serializers.Field, value: Any) -> bool:
    if value is None:
        return False  # allow_null decides, with DRF's own message
    if isinstance(field, serializers.ListField) and isinstance(value, list):
        return any(_wrong_type(field.child, item) for item in value)  # a list of codes: no 42 for "42"
    for kind, allowed in _JSON_TYPES:
        if isinstance(field, kind):
            # bool is an int in Python, not in JSON.
            return not isinstance(value, allowed) or (isinstance(value, bool) and bool not in allowed)
    return False


def _invalid(field: serializers.Field) -> str:
    """The field's own "invalid" message; a list's is its items'."""
    if isinstance(field, serializers.ListField):
        return _invalid(field.child)
    return str(field.error_messages["invalid"])


class JsonInput(serializers.Serializer):
    # No docstring: drf-spectacular would show it as every input's description.

    @classmethod
    def valid(cls, data: Any, *, partial: bool = False) -> dict[str, Any]:
        """The validated data of `data`, or a 400 naming the fields (a view's one line)."""
        serializer = cls(data=data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            errors = {
                name: [ErrorDetail(str(_invalid(field)), code="invalid")]
                for name, field in self.fields.items()
                if not field.read_only and name in data and _wrong_type(field, data[name])
            }
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


class UniqueListField(serializers.ListField):
    """A list whose items the service takes once each (codes of tax rates): the schema
    says `uniqueItems` (tenants.openapi reads `openapi_constraints`)."""

    openapi_constraints: ClassVar[dict[str, Any]] = {"uniqueItems": True}


@extend_schema_field({"type": "string", "enum": list(CURRENCY_CODES)}, component_name="CurrencyCode")
class CurrencyField(serializers.CharField):
    """An upper-case ISO 4217 code with a minor unit (the schema lists them), taken as sent."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(trim_whitespace=False, validators=[validate_currency_code], **kwargs)
