"""Reads of the customer portal: what one customer's page shows, each through the
selector or service its own app has (subscriptions, usage totals, the upcoming
invoice, invoices, the balance). Every selector takes `*, tenant` first; call them
inside the tenant's scope.

Business data is at the tenant's business time (`clock.now(tenant, reading=True)`: a
sandbox's clock, which a page only reads, so it shows even while the clock advances).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet

from invoices.models import Invoice
from invoices.services import invoice_preview
from plans.models import Meter
from subscriptions.models import Subscription
from tenants.errors import DomainError
from tenants.models import TenantRef
from usage.selectors import UsageWindow, usage_totals_for_period

# The page lists this many invoices, newest first (a customer with more asks the tenant).
PORTAL_INVOICES_SHOWN = 100


@dataclass(frozen=True)
class SubscriptionUsage:
    """A subscription with its current period's usage so far, per meter of its plan,
    and its upcoming invoice (None when it has none: canceled, or not billable now)."""

    subscription: Subscription
    usage: tuple[tuple[Meter, Decimal], ...]
    upcoming: Invoice | None


def portal_subscriptions(*, tenant: TenantRef, customer_id: uuid.UUID) -> list[Subscription]:
    """The customer's subscriptions with their plans and charges' meters: live ones
    first, then by start, newest first."""
    subscriptions = (
        Subscription.objects.for_tenant(tenant)
        .filter(customer_id=customer_id)
        .select_related("plan", "pending_plan")
        .prefetch_related("plan__charges__meter")
        .order_by("-start_at", "-created_at")
    )
    return sorted(subscriptions, key=lambda sub: not sub.is_live)


def _plan_meters(sub: Subscription) -> list[Meter]:
    """The meters of the plan's charges, once each (a meter may price several charges), by code."""
    return sorted({charge.meter_id: charge.meter for charge in sub.plan.charges.all()}.values(), key=lambda m: m.code)


def _upcoming(tenant: TenantRef, sub: Subscription) -> Invoice | None:
    if not sub.is_live:
        return None
    try:
        return invoice_preview(tenant=tenant, subscription=sub).invoice
    except DomainError:  # no next invoice, not billable, or a sandbox clock advancing
        return None


def portal_usage(*, tenant: TenantRef, subscriptions: Sequence[Subscription]) -> list[SubscriptionUsage]:
    """Each subscription's usage so far in its current period (live ones; one query
    for all) and its upcoming invoice."""
    live = [sub for sub in subscriptions if sub.is_live]
    windows = {sub.pk: UsageWindow(sub.customer_id, sub.current_period_start, sub.current_period_end) for sub in live}
    meters = {meter.pk: meter for sub in live for meter in _plan_meters(sub)}
    totals = usage_totals_for_period(tenant=tenant, windows=list(windows.values()), meters=list(meters.values()))
    return [
        SubscriptionUsage(
            subscription=sub,
            usage=tuple((m, totals[(windows[sub.pk], m.pk)]) for m in _plan_meters(sub)) if sub.is_live else (),
            upcoming=_upcoming(tenant, sub),
        )
        for sub in subscriptions
    ]


def portal_invoices(*, tenant: TenantRef, customer_id: uuid.UUID) -> QuerySet[Invoice]:
    """The customer's latest PORTAL_INVOICES_SHOWN invoices, newest first."""
    invoices = Invoice.objects.for_tenant(tenant).filter(customer_id=customer_id)
    return invoices.order_by("-issued_at", "-number")[:PORTAL_INVOICES_SHOWN]


def portal_invoice(*, tenant: TenantRef, customer_id: uuid.UUID, invoice_id: uuid.UUID) -> Invoice | None:
    """The customer's invoice `invoice_id` with what its document reads; None when the
    customer has no such invoice (another customer's or another tenant's included)."""
    invoices = Invoice.objects.for_tenant(tenant).filter(customer_id=customer_id, pk=invoice_id)
    return invoices.select_related("tenant", "customer").prefetch_related("lines", "credit_notes").first()
