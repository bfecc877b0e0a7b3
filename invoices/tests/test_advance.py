"""A sandbox's clock advance invoices as the hourly beat would have, moment by moment
(invoices.clock_step, tenants.sandbox): one advance to T and a series of advances ending
at T give the same invoices, numbers and ledgers; everything due happens in business
time order; late usage is found by the usage sequence whatever the clocks say."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction

from invoices.models import BalanceTransaction, Invoice, InvoiceLine
from invoices.plan_changes import subscription_change
from invoices.services import subscription_cancel
from plans.models import Meter, Plan
from plans.pricing import ChargeSpec, TierSpec
from plans.tests.factories import PlanFactory, add_charge
from subscriptions.models import Subscription
from subscriptions.services import customer_create, subscription_create
from tenants import sandbox
from tenants.models import Tenant
from tenants.tests.factories import make_sandbox
from tenants.tests.utils import at
from usage.tests.factories import use
from webhooks.models import Event
from webhooks.tests.factories import WebhookEndpointFactory

pytestmark = pytest.mark.django_db

CLOCK = at(2026, 1, 15, 9)
T = at(2026, 7, 1)


def advance(tenant: Tenant, to: datetime) -> None:
    """An advance as the API asks for it and the Celery task carries it out."""
    sandbox.clock_advance_request(tenant=tenant, to=to)
    assert sandbox.clock_advance_execute(tenant=tenant.pk) is True


def calls_plan(tenant: Tenant, code: str, **fields: Any) -> Plan:
    """A monthly plan (49.00 by default) with API calls tiered: 1,000 free, 0.002 to 10,000, 0.001 above."""
    plan = PlanFactory(tenant=tenant, code=code, **fields)
    tiers = [TierSpec(1000), TierSpec(10000, Decimal("0.002")), TierSpec(None, Decimal("0.001"))]
    add_charge(plan, ChargeSpec.tiered(tiers), meter="api_calls", aggregation=Meter.Aggregation.SUM)
    return plan


def subscribe(tenant: Tenant, external_id: str, plan: Plan, start_at: datetime) -> Subscription:
    customer = customer_create(tenant=tenant, external_id=external_id, name=external_id)
    return subscription_create(tenant=tenant, customer_id=customer.pk, plan_id=plan.pk, start_at=start_at)


@pytest.fixture
def story(tenant) -> dict[str, Subscription]:
    """A sandbox at CLOCK and what its customers do until T, stored up front:

    - acme on Pro since 2025-12-01 (its December is overdue at the clock), 20.00 of
      credit on its balance, calls in December, January, March and May;
    - initech on Pro with a 14-day trial from January 20 (calls in the trial are free);
    - hooli on Pro from January 31 (periods end on the 28th, then the 31st), canceling
      at its first period's end (calls after that belong to nothing);
    - globex on a yearly plan since 2025-06-15 (its year ends in June), changing to
      a dearer yearly plan at that period's end (a pending change).
    """
    make_sandbox(tenant, CLOCK)
    WebhookEndpointFactory(tenant=tenant)  # so that events are kept
    pro = calls_plan(tenant, "pro", amount=Decimal("49.00"))
    trial = calls_plan(tenant, "pro_trial", amount=Decimal("49.00"), trial_days=14)
    yearly = calls_plan(tenant, "yearly", amount=Decimal("480.00"), interval=Plan.Interval.YEAR)
    subs = {
        "acme": subscribe(tenant, "acme", pro, at(2025, 12, 1)),
        "initech": subscribe(tenant, "initech", trial, at(2026, 1, 20)),
        "hooli": subscribe(tenant, "hooli", pro, at(2026, 1, 31)),
        "globex": subscribe(tenant, "globex", yearly, at(2025, 6, 15)),
    }
    BalanceTransaction.objects.create(
        tenant=tenant, customer=subs["acme"].customer, currency="USD", amount=Decimal("20.00"), kind="adjustment"
    )
    subscription_cancel(tenant=tenant, subscription_id=subs["hooli"].pk, at_period_end=True)
    dearer = calls_plan(tenant, "yearly_plus", amount=Decimal("600.00"), interval=Plan.Interval.YEAR)
    subscription_change(tenant=tenant, subscription_id=subs["globex"].pk, plan_id=dearer.pk, effective="period_end")
    for name, value, when in [
        ("acme", 5000, at(2025, 12, 10)),
        ("acme", 12000, at(2026, 1, 20)),
        ("acme", 800, at(2026, 3, 5)),
        ("acme", 30000, at(2026, 5, 1)),
        ("initech", 9000, at(2026, 1, 25)),  # in the trial
        ("initech", 2000, at(2026, 2, 10)),
        ("hooli", 1500, at(2026, 2, 20)),
        ("hooli", 7000, at(2026, 3, 10)),  # after its cancellation
        ("globex", 25000, at(2025, 8, 1)),
        ("globex", 3000, at(2026, 3, 1)),
    ]:
        use(subs[name], "api_calls", value, when)
    return subs


INVOICE_FIELDS = (
    "number", "customer.external_id", "billing_reason", "period_start", "period_end", "status", "subtotal", "total",
    "credits_applied", "amount_due", "issued_at", "due_at", "paid_at",
)  # fmt: skip
LINE_FIELDS = (
    "invoice.number", "position", "kind", "meter_code", "quantity", "amount", "period_start", "period_end",
    "source_invoice.number",
)  # fmt: skip
LEDGER_FIELDS = ("customer.external_id", "kind", "amount", "invoice.number", "description")
SUBSCRIPTION_FIELDS = (
    "customer.external_id", "plan.code", "status", "period_index", "current_period_start", "current_period_end",
    "canceled_at",
)  # fmt: skip


def fields(obj: Any, names: tuple[str, ...]) -> tuple[Any, ...]:
    """`obj`'s values at the dotted `names` (None past a missing object)."""
    values = []
    for name in names:
        value = obj
        for part in name.split("."):
            value = None if value is None else getattr(value, part)
        values.append(value)
    return tuple(values)


def snapshot(tenant: Tenant) -> dict[str, Any]:
    """What the advance decided, in business terms (ids and real times aside)."""
    invoices = Invoice.objects.for_tenant(tenant).select_related("customer").order_by("number")
    lines = InvoiceLine.objects.for_tenant(tenant).select_related("invoice", "source_invoice")
    ledger = BalanceTransaction.objects.for_tenant(tenant).select_related("customer", "invoice")
    subscriptions = Subscription.objects.for_tenant(tenant).select_related("customer", "plan")
    tenant.refresh_from_db()
    return {
        "invoices": [fields(i, INVOICE_FIELDS) for i in invoices],
        "lines": sorted(fields(line, LINE_FIELDS) for line in lines),
        "ledger": sorted(fields(entry, LEDGER_FIELDS) for entry in ledger),
        "subscriptions": sorted(fields(s, SUBSCRIPTION_FIELDS) for s in subscriptions),
        "events": Counter(Event.objects.for_tenant(tenant).values_list("type", flat=True)),
        "clock": (tenant.clock_time, tenant.clock_advancing_to),
    }


def test_one_advance_gives_what_any_series_of_advances_ending_there_gives(tenant, story):
    outcomes = []
    for series in ([T], [at(2026, 2, 1), at(2026, 3, 1), at(2026, 4, 1), at(2026, 5, 1), at(2026, 6, 1), T],
                   [at(2026, 1, 15, 9, 0, 1), at(2026, 2, 14, 12), at(2026, 3, 31), at(2026, 6, 15), T]):  # fmt: skip
        with transaction.atomic():  # each series from the same story, and rolled back after
            for to in series:
                advance(tenant, to)
            outcomes.append(snapshot(tenant))
            transaction.set_rollback(True)

    assert outcomes[1] == outcomes[0]
    assert outcomes[2] == outcomes[0]
    assert outcomes[0]["clock"] == (T, None)


def test_the_advance_bills_everything_due_at_its_moment_in_business_time_order(tenant, story):
    advance(tenant, T)

    invoices = Invoice.objects.for_tenant(tenant).select_related("customer").order_by("number")
    assert [
        (i.number[-2:], i.customer.external_id, i.period_end, i.total, i.amount_due, i.issued_at) for i in invoices
    ] == [
        ("01", "acme", at(2026, 1, 1), Decimal("57.00"), Decimal("37.00"), CLOCK),  # overdue at the clock; 20.00 credit
        ("02", "acme", at(2026, 2, 1), Decimal("69.00"), Decimal("69.00"), at(2026, 2, 1)),
        ("03", "hooli", at(2026, 2, 28), Decimal("50.00"), Decimal("50.00"), at(2026, 2, 28)),  # then canceled
        ("04", "acme", at(2026, 3, 1), Decimal("49.00"), Decimal("49.00"), at(2026, 3, 1)),
        ("05", "initech", at(2026, 3, 3), Decimal("51.00"), Decimal("51.00"), at(2026, 3, 3)),  # the trial's calls free
        ("06", "acme", at(2026, 4, 1), Decimal("49.00"), Decimal("49.00"), at(2026, 4, 1)),
        ("07", "initech", at(2026, 4, 3), Decimal("49.00"), Decimal("49.00"), at(2026, 4, 3)),
        ("08", "acme", at(2026, 5, 1), Decimal("49.00"), Decimal("49.00"), at(2026, 5, 1)),
        ("09", "initech", at(2026, 5, 3), Decimal("49.00"), Decimal("49.00"), at(2026, 5, 3)),
        ("10", "acme", at(2026, 6, 1), Decimal("87.00"), Decimal("87.00"), at(2026, 6, 1)),
        ("11", "initech", at(2026, 6, 3), Decimal("49.00"), Decimal("49.00"), at(2026, 6, 3)),
        ("12", "globex", at(2026, 6, 15), Decimal("516.00"), Decimal("516.00"), at(2026, 6, 15)),
        ("13", "acme", at(2026, 7, 1), Decimal("49.00"), Decimal("49.00"), at(2026, 7, 1)),  # at `to` exactly
    ]
    assert all(i.due_at == i.issued_at + timedelta(days=30) for i in invoices)
    hooli = Subscription.objects.get(pk=story["hooli"].pk)
    assert (hooli.status, hooli.canceled_at) == ("canceled", at(2026, 2, 28))
    globex = Subscription.objects.select_related("plan").get(pk=story["globex"].pk)
    assert (globex.plan.code, globex.pending_plan_id) == ("yearly_plus", None)  # switched at June 15th
    events = Counter(Event.objects.for_tenant(tenant).values_list("type", flat=True))
    assert (events["invoice.finalized"], events["subscription.trial_ended"], events["subscription.canceled"]) == (
        13,
        1,
        1,
    )


def test_late_usage_is_found_by_the_sequence_when_the_clock_is_years_ahead_of_real_time(
    tenant, api, turl, django_capture_on_commit_callbacks
):
    make_sandbox(tenant, at(2031, 1, 1))
    sub = subscribe(tenant, "cus_42", calls_plan(tenant, "pro", amount=Decimal("49.00")), at(2031, 1, 1))
    use(sub, "api_calls", 900, at(2031, 1, 10))
    advance(tenant, at(2031, 2, 1))
    [january] = Invoice.objects.for_tenant(tenant)

    # Stored now (real time, years before January's invoice was issued), in January.
    late = {"external_customer_id": "cus_42", "meter": "api_calls", "value": "600", "timestamp": "2031-01-20T00:00:00Z"}
    response = api.post(turl("usage"), late, format="json", HTTP_IDEMPOTENCY_KEY="late-1")
    assert response.status_code == 201, response.content
    assert datetime.fromisoformat(response.json()["created_at"]) < january.issued_at
    advance(tenant, at(2031, 3, 1))

    february = Invoice.objects.for_tenant(tenant).exclude(pk=january.pk).get()
    [line] = february.lines.filter(kind="late_usage")
    assert (line.quantity, line.amount, line.source_invoice_id) == (Decimal(600), Decimal("1.00"), january.pk)
    assert (line.period_start, line.period_end) == (at(2031, 1, 1), at(2031, 2, 1))
    assert february.total == Decimal("50.00")  # 49.00 + price(1500) − price(900)
    advance(tenant, at(2031, 4, 1))
    assert not InvoiceLine.objects.for_tenant(tenant).filter(kind="late_usage").exclude(pk=line.pk).exists()
