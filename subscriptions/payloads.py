"""The subscription as webhook events carry it (`subscription.*` events' `data`): a plain
function of the model, the same object the API renders (`serializers.SubscriptionOutput`
documents it; a test keeps the two equal)."""

from __future__ import annotations

from typing import Any

from subscriptions.models import Subscription
from tenants.formats import format_time


def subscription_body(sub: Subscription) -> dict[str, Any]:
    return {
        "id": str(sub.pk),
        "customer_id": str(sub.customer_id),
        "plan_id": str(sub.plan_id),
        "status": sub.status,
        "start_at": format_time(sub.start_at),
        "trial_end": format_time(sub.trial_end),
        "current_period_start": format_time(sub.current_period_start),
        "current_period_end": format_time(sub.current_period_end),
        "cancel_at_period_end": sub.cancel_at_period_end,
        "canceled_at": format_time(sub.canceled_at),
        "pending_change": pending_change_body(sub),
        "created_at": format_time(sub.created_at),
    }


def pending_change_body(sub: Subscription) -> dict[str, Any] | None:
    """`{plan_id, effective_at}` of a change at the end of the current period, or None."""
    if sub.pending_plan_id is None:
        return None
    return {"plan_id": str(sub.pending_plan_id), "effective_at": format_time(sub.current_period_end)}
