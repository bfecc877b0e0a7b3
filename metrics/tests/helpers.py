"""Building revenue for metrics tests: usage events, real invoice runs on a moved
clock, and the refresh of the view at a known time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import time_machine

from invoices.models import Invoice
from invoices.services import invoice_due_subscriptions
from metrics.services import revenue_metrics_refresh
from plans.models import Meter, Plan
from plans.pricing import ChargeSpec
from plans.tests.factories import PlanFactory, add_charge
from subscriptions.models import Subscription
from usage.models import UsageEvent


def at(year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def plan_with_usage(tenant, *, amount: str, currency: str = "USD", interval: str = "month", code: str) -> Plan:
    """A plan with a flat fee and a per-unit charge of 0.10 per `storage_gb` (summed)."""
    plan = PlanFactory(tenant=tenant, code=code, amount=Decimal(amount), currency=currency, interval=interval)
    add_charge(plan, ChargeSpec.per_unit(Decimal("0.10")), meter="storage_gb", aggregation=Meter.Aggregation.SUM)
    return plan


def use(sub: Subscription, value: str, when: datetime, stored_at: datetime | None = None) -> UsageEvent:
    """`value` GB of storage_gb at `when`, stored a second later (or at `stored_at`)."""
    meter = Meter.objects.get(tenant_id=sub.tenant_id, code="storage_gb")
    return UsageEvent.objects.create(
        tenant_id=sub.tenant_id, customer_id=sub.customer_id, meter=meter,
        idempotency_key=f"m{UsageEvent.unscoped().count()}", value=Decimal(value), timestamp=when,
        properties={}, fingerprint="f", created_at=stored_at or when + timedelta(seconds=1),
    )  # fmt: skip


def run(tenant, as_of: datetime) -> list[Invoice]:
    """An invoice run as of `as_of`, on a clock an hour past it (as the hourly beat job)."""
    with time_machine.travel(as_of + timedelta(hours=1), tick=False):
        return invoice_due_subscriptions(tenant=tenant.id, as_of=as_of).invoices


def refresh(when: datetime) -> datetime:
    with time_machine.travel(when, tick=False):
        return revenue_metrics_refresh()


def invoice_of(sub: Subscription, period_start: datetime) -> Invoice:
    return Invoice.objects.get(subscription=sub, period_start=period_start)
