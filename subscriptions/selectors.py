"""Reads of the subscriptions app. Every selector takes `*, tenant` first."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from django.db import connection
from django.db.models import F, Min, Prefetch, Q, QuerySet

from billing_project.lookups import array_literal
from plans.taxes import TaxRateSpec
from subscriptions.models import Customer, CustomerTaxRate, Discount, Subscription, SubscriptionSegment
from tenants.models import TenantRef, tenant_pk
from tenants.updates import lock_rows


def tax_rate_links_prefetch() -> Prefetch:
    """A customer's own tax rates, in order, with the rates (one query for any number of customers)."""
    return Prefetch("tax_rate_links", queryset=CustomerTaxRate.objects.select_related("tax_rate").order_by("position"))


def customer_list(*, tenant: TenantRef) -> QuerySet[Customer]:
    return Customer.objects.for_tenant(tenant).prefetch_related(tax_rate_links_prefetch()).order_by("-created_at")


def customer_get(*, tenant: TenantRef, customer_id: uuid.UUID | str) -> Customer | None:
    return customer_list(tenant=tenant).filter(pk=customer_id).first()


# Per customer: nothing when exempt, else its own rates when it has any, else the
# tenant's defaults; each list in its order.
_TAX_RATES_SQL = """
SELECT c.id, r.code, r.name, r.percentage
FROM subscriptions_customer c
JOIN LATERAL (
    SELECT own.tax_rate_id, own.position FROM subscriptions_customertaxrate own WHERE own.customer_id = c.id
    UNION ALL
    SELECT d.tax_rate_id, d.position FROM plans_defaulttaxrate d
    WHERE d.tenant_id = c.tenant_id
      AND NOT EXISTS (SELECT 1 FROM subscriptions_customertaxrate x WHERE x.customer_id = c.id)
) chosen ON true
JOIN plans_taxrate r ON r.id = chosen.tax_rate_id
WHERE c.tenant_id = %(tenant)s AND c.id = ANY(%(customers)s::uuid[]) AND NOT c.tax_exempt
ORDER BY c.id, chosen.position
"""


def tax_rates_for_customers(
    *, tenant: TenantRef, customer_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, list[TaxRateSpec]]:
    """The tax rates that each customer's invoices pay, in one query for a whole batch:
    none when it is exempt, its own rates when it has any, else the tenant's default
    rates. Customers that pay none are absent."""
    with connection.cursor() as cursor:
        cursor.execute(_TAX_RATES_SQL, {"tenant": tenant_pk(tenant), "customers": array_literal(set(customer_ids))})
        rows = cursor.fetchall()
    found: dict[uuid.UUID, list[TaxRateSpec]] = {}
    for customer_id, code, name, percentage in rows:
        found.setdefault(customer_id, []).append(TaxRateSpec(code=code, name=name, percentage=percentage))
    return found


def subscription_list(*, tenant: TenantRef) -> QuerySet[Subscription]:
    return Subscription.objects.for_tenant(tenant).order_by("-created_at")


def subscription_get(*, tenant: TenantRef, subscription_id: uuid.UUID | str) -> Subscription | None:
    return (
        Subscription.objects.for_tenant(tenant)
        .select_related("plan", "pending_plan")
        .filter(pk=subscription_id)
        .first()
    )


def subscription_get_for_update(*, tenant: TenantRef, subscription_id: uuid.UUID | str) -> Subscription | None:
    """The subscription with its plan and pending plan, its row locked for the caller's
    transaction (changes, cancellations and the run take turns on it); locked alone,
    then read (`tenants.updates.lock_rows`)."""
    rows = Subscription.objects.for_tenant(tenant).filter(pk=subscription_id)
    lock_rows(rows)
    return rows.select_related("plan", "pending_plan").first()


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


def plans_held_from(
    *, tenant: TenantRef, customer: Customer, start: datetime, exclude: Subscription | None = None
) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """`(subscription id, plan id)` of every plan that a subscription of the customer
    (other than `exclude`) charges at some time from `start` on, the oldest
    subscription first: for each one whose life overlaps [start, ∞)
    (`subscription_list_overlapping`), its current plan, its segments that end after
    `start` and its pending change."""
    overlapping = subscription_list_overlapping(tenant=tenant, customer=customer, start=start)
    if exclude is not None:
        overlapping = overlapping.exclude(pk=exclude.pk)
    subs = list(overlapping.order_by("created_at", "id").values_list("id", "plan_id", "pending_plan_id"))
    segments = (
        SubscriptionSegment.objects.for_tenant(tenant)
        .filter(Q(end_at__isnull=True) | Q(end_at__gt=start), subscription_id__any=[s[0] for s in subs])
        .values_list("subscription_id", "plan_id")
    )
    earlier: dict[uuid.UUID, list[uuid.UUID]] = {}
    for sub_id, plan_id in segments:
        earlier.setdefault(sub_id, []).append(plan_id)
    held = []
    for sub_id, plan_id, pending_plan_id in subs:
        plans = [plan_id, *earlier.get(sub_id, []), *([pending_plan_id] if pending_plan_id else [])]
        held += [(sub_id, p) for p in dict.fromkeys(plans)]
    return held


def segment_starts(*, tenant: TenantRef, subscription_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, datetime]:
    """When each subscription's current segment began (its current plan's start)."""
    current = SubscriptionSegment.objects.for_tenant(tenant).filter(
        subscription_id__any=subscription_ids, end_at__isnull=True
    )
    return dict(current.values_list("subscription_id", "start_at"))


def subscription_list_due(*, tenant: TenantRef, as_of: datetime) -> QuerySet[Subscription]:
    """Live subscriptions whose current period ended at or before `as_of`, the oldest
    period end first: what an invoice run must bill (or end the trial of). Lock them
    with `select_for_update(skip_locked=True)` inside the run's transaction."""
    return (
        Subscription.objects.for_tenant(tenant)
        .filter(status__in=Subscription.LIVE_STATUSES, current_period_end__lte=as_of)
        .order_by("current_period_end", "id")
    )


def subscription_next_period_end(*, tenant: TenantRef, after: datetime) -> datetime | None:
    """The earliest end of a live subscription's current period (or trial) after
    `after`: the next moment an invoice run has work (a sandbox's advance stops there)."""
    live = Subscription.objects.for_tenant(tenant).filter(
        status__in=Subscription.LIVE_STATUSES, current_period_end__gt=after
    )
    return live.aggregate(first=Min("current_period_end"))["first"]


def discount_list(*, tenant: TenantRef, customer_id: uuid.UUID | str) -> QuerySet[Discount]:
    """A customer's discounts, active and ended, in the order they apply."""
    return (
        Discount.objects.for_tenant(tenant)
        .filter(customer_id=customer_id)
        .select_related("coupon")
        .order_by("position")
    )


def discounts_for_billing(
    *, tenant: TenantRef, customer_ids: Iterable[uuid.UUID], ended_since: datetime, lock: bool = False
) -> list[Discount]:
    """The discounts of these customers that may discount an invoice: the active ones,
    and those used up since `ended_since` (a used-up repeating discount still discounts
    the periods it counted), with their coupons, by customer in the order they apply.
    With `lock` the rows are locked for the caller's transaction, in id order (so that
    concurrent runs cannot deadlock), and read as they are once locked."""
    used_up = Q(end_reason=Discount.EndReason.USED, ended_at__gte=ended_since)
    query = (
        Discount.objects.for_tenant(tenant)
        .filter(Q(ended_at__isnull=True) | used_up, customer_id__any=set(customer_ids))
        .select_related("coupon")
        .order_by("pk")
    )
    if lock:
        query = query.select_for_update(of=("self",))
    return sorted(query, key=lambda d: (str(d.customer_id), d.position))
