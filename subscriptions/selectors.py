"""Reads of the subscriptions app. Every selector takes `*, tenant` first."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.db.models import F, Q, QuerySet

from subscriptions.models import Customer, Subscription
from tenants.models import TenantRef


def customer_list(*, tenant: TenantRef) -> QuerySet[Customer]:
    return Customer.objects.for_tenant(tenant).order_by("-created_at")


def customer_get(*, tenant: TenantRef, customer_id: uuid.UUID | str) -> Customer | None:
    return Customer.objects.for_tenant(tenant).filter(pk=customer_id).first()


def subscription_list(*, tenant: TenantRef) -> QuerySet[Subscription]:
    return Subscription.objects.for_tenant(tenant).order_by("-created_at")


def subscription_get(*, tenant: TenantRef, subscription_id: uuid.UUID | str) -> Subscription | None:
    return Subscription.objects.for_tenant(tenant).select_related("plan").filter(pk=subscription_id).first()


def subscription_list_overlapping(*, tenant: TenantRef, customer: Customer, start: datetime) -> QuerySet[Subscription]:
    """The customer's subscriptions, whatever their status, whose life overlaps
    [start, ∞). A life is [start_at, end): `end` is `canceled_at` once canceled, the
    current period's end when it cancels at period end, else open. A subscription
    canceled before it began has an empty life and overlaps nothing."""
    ends_later = (
        Q(status=Subscription.Status.CANCELED, canceled_at__gt=start) & Q(canceled_at__gt=F("start_at"))
        | Q(status__in=Subscription.LIVE_STATUSES, cancel_at_period_end=False)
        | Q(status__in=Subscription.LIVE_STATUSES, cancel_at_period_end=True, current_period_end__gt=start)
    )
    return Subscription.objects.for_tenant(tenant).filter(ends_later, customer=customer)


def subscription_list_due(*, tenant: TenantRef, as_of: datetime) -> QuerySet[Subscription]:
    """Live subscriptions whose current period ended at or before `as_of`, the oldest
    period end first: what an invoice run must bill (or end the trial of). Lock them
    with `select_for_update(skip_locked=True)` inside the run's transaction."""
    return (
        Subscription.objects.for_tenant(tenant)
        .filter(status__in=Subscription.LIVE_STATUSES, current_period_end__lte=as_of)
        .order_by("current_period_end", "id")
    )
