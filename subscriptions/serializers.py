"""The subscription and the discount as the API renders them, shared by the API and
the `subscription.*` and `discount.*` webhook events (whose `data` is the same object)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from plans.serializers import CouponOutput, PriceOutput
from subscriptions.models import Discount, Subscription
from subscriptions.payloads import pending_change_body


class PendingChangeOutput(serializers.Serializer):
    plan_id = serializers.UUIDField(help_text="The plan from effective_at on")
    effective_at = serializers.DateTimeField(help_text="The end of the current period")


class SubscriptionOutput(serializers.ModelSerializer):
    customer_id = serializers.UUIDField(read_only=True)
    plan_id = serializers.UUIDField(read_only=True)
    pending_change = serializers.SerializerMethodField(
        help_text="A plan change for the end of the current period (effective: period_end); null without one"
    )

    class Meta:
        model = Subscription
        fields = [
            "id",
            "customer_id",
            "plan_id",
            "status",
            "start_at",
            "trial_end",
            "current_period_start",
            "current_period_end",
            "cancel_at_period_end",
            "canceled_at",
            "pending_change",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(PendingChangeOutput(allow_null=True))
    def get_pending_change(self, sub: Subscription) -> dict[str, Any] | None:
        return pending_change_body(sub)


class DiscountOutput(serializers.ModelSerializer):
    coupon = CouponOutput(read_only=True)
    customer_id = serializers.UUIDField(read_only=True)
    subscription_id = serializers.UUIDField(
        read_only=True, allow_null=True, help_text="null: every subscription of the customer"
    )
    amount_remaining = PriceOutput(
        "amount_remaining",
        allow_null=True,
        help_text="A once amount_off coupon: what is left to use on later invoices; null for the others",
    )
    end_reason = serializers.SerializerMethodField(
        help_text="used: its duration or amount ran out; removed: ended by DELETE; null while active"
    )

    class Meta:
        model = Discount
        fields = [
            "id",
            "coupon",
            "customer_id",
            "subscription_id",
            "periods_used",
            "amount_remaining",
            "created_at",
            "ended_at",
            "end_reason",
        ]
        read_only_fields = fields

    @extend_schema_field({"type": "string", "enum": Discount.EndReason.values, "nullable": True})
    def get_end_reason(self, discount: Discount) -> str | None:
        return discount.end_reason or None
