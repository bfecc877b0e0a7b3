"""How a coupon looks in the API, in a customer's discounts and in `discount.*` webhook
events (one shape for all three)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from plans.models import Coupon
from plans.money import format_price, format_quantity


class CouponOutput(serializers.ModelSerializer):
    percent_off = serializers.SerializerMethodField()
    amount_off = serializers.SerializerMethodField()
    currency = serializers.SerializerMethodField()

    class Meta:
        model = Coupon
        fields = [
            "id",
            "code",
            "name",
            "percent_off",
            "amount_off",
            "currency",
            "duration",
            "duration_in_periods",
            "max_redemptions",
            "times_redeemed",
            "redeem_by",
            "plan_ids",
            "active",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field({"type": "string", "format": "decimal", "nullable": True, "example": "20"})
    def get_percent_off(self, coupon: Coupon) -> str | None:
        return None if coupon.percent_off is None else format_quantity(coupon.percent_off)

    @extend_schema_field({"type": "string", "format": "decimal", "nullable": True, "example": "10.00"})
    def get_amount_off(self, coupon: Coupon) -> str | None:
        return None if coupon.amount_off is None else format_price(coupon.amount_off, coupon.currency)

    @extend_schema_field({"type": "string", "nullable": True, "example": "USD"})
    def get_currency(self, coupon: Coupon) -> str | None:
        return coupon.currency or None
