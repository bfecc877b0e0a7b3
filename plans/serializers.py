"""Output fields of catalog amounts, and how a coupon looks in the API, in a customer's
discounts and in `discount.*` webhook events (one shape for all three)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from plans.models import Coupon
from plans.money import format_price, format_quantity


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


class CouponOutput(serializers.ModelSerializer):
    percent_off = PercentageOutput(allow_null=True, help_text="Or amount_off")
    amount_off = PriceOutput("amount_off", allow_null=True, help_text="In currency; or percent_off")
    currency = serializers.CharField(allow_null=True, read_only=True, source="currency_or_none")

    class Meta:
        model = Coupon
        fields = ["id", *Coupon.TERMS[:1], "name", *Coupon.TERMS[1:], "times_redeemed", "active", "created_at"]
        read_only_fields = fields
