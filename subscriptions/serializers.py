"""The subscription as the API renders it, shared by the API and the `subscription.*`
webhook events (whose `data` is the same object)."""

from __future__ import annotations

from rest_framework import serializers

from subscriptions.models import Subscription


class SubscriptionOutput(serializers.ModelSerializer):
    customer_id = serializers.UUIDField(read_only=True)
    plan_id = serializers.UUIDField(read_only=True)

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
            "created_at",
        ]
        read_only_fields = fields
