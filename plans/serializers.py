"""Fields of catalog amounts (percentages in, prices and percentages out), and how a
coupon looks in the API, in a customer's discounts and in `discount.*` webhook events
(one shape for all three)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from plans.models import Coupon
from plans.money import format_price, format_quantity
from plans.taxes import PERCENTAGE_DECIMAL_PLACES, PERCENTAGE_MAX
from tenants.fields import StrictDecimalField
from tenants.inputs import JsonInput

_DECIMAL_REFUSALS = ("invalid", "min_value", "max_value", "max_decimal_places", "max_whole_digits", "max_digits")


def percentage_input(invalid: str, **kwargs: Any) -> StrictDecimalField:
    """A percentage from 0 to 100 with at most 4 decimal places, as a decimal string (a
    tax rate's, a coupon's `percent_off`); every refusal says `invalid`."""
    return StrictDecimalField(
        integer_digits=3,
        decimal_places=PERCENTAGE_DECIMAL_PLACES,
        strings_only=True,
        min_value=Decimal(0),
        max_value=PERCENTAGE_MAX,
        error_messages=dict.fromkeys(_DECIMAL_REFUSALS, invalid),
        **kwargs,
    )


@extend_schema_field({"type": "string", "format": "decimal", "example": "0.10"})
class PriceOutput(serializers.Field):
    """A price of the object's currency as a decimal string ("49.00", "0.002")."""

    def __init__(self, attr: str, **kwargs: Any) -> None:
        self.attr = attr
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value: Any) -> str | None:
        amount = getattr(value, self.attr)
        return None if amount is None else format_price(amount, value.currency)


@extend_schema_field({"type": "string", "format": "decimal", "example": "8.875"})
class PercentageOutput(serializers.Field):
    """A percentage without trailing zeros: "6.25", "19", "0"."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value: Decimal) -> str:
        return format_quantity(value)


class CatalogEntryInput(JsonInput):
    # What every catalog entry is created with (its other fields follow); no docstring:
    # drf-spectacular would show it as each input's description.
    code = serializers.SlugField(max_length=100)
    name = serializers.CharField(max_length=200)


class CatalogEntryPatchInput(JsonInput):
    # What a PATCH of a tax rate or a coupon may change.
    name = serializers.CharField(max_length=200, required=False)
    active = serializers.BooleanField(required=False)


class CouponOutput(serializers.ModelSerializer):
    percent_off = PercentageOutput(allow_null=True, help_text="Or amount_off")
    amount_off = PriceOutput("amount_off", allow_null=True, help_text="In currency; or percent_off")
    currency = serializers.CharField(allow_null=True, read_only=True, source="currency_or_none")

    class Meta:
        model = Coupon
        fields = ["id", *Coupon.TERMS[:1], "name", *Coupon.TERMS[1:], "times_redeemed", "active", "created_at"]
        read_only_fields = fields
