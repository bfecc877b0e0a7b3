"""Building revenue for metrics tests: plans with a usage charge, the invoices of a
period, and the refresh of the view at a known time. Usage and runs come from
`usage.tests.factories.use` and `invoices.tests.factories.run`."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import time_machine

from invoices.models import Invoice
from metrics.services import revenue_metrics_refresh
from plans.models import Meter, Plan
from plans.pricing import ChargeSpec
from plans.tests.factories import PlanFactory, add_charge
from subscriptions.models import Subscription


def plan_with_usage(tenant, *, amount: str, currency: str = "USD", interval: str = "month", code: str) -> Plan:
    """A plan with a flat fee and a per-unit charge of 0.10 per `storage_gb` (summed)."""
    plan = PlanFactory(tenant=tenant, code=code, amount=Decimal(amount), currency=currency, interval=interval)
    add_charge(plan, ChargeSpec.per_unit(Decimal("0.10")), meter="storage_gb", aggregation=Meter.Aggregation.SUM)
    return plan


def refresh(when: datetime) -> datetime:
    with time_machine.travel(when, tick=False):
        return revenue_metrics_refresh()


def invoice_of(sub: Subscription, period_start: datetime) -> Invoice:
    return Invoice.objects.get(subscription=sub, period_start=period_start)
