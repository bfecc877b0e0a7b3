"""Exactly once under concurrency and retries, with real commits and real threads.

Two tenants get the same customers, subscriptions and usage: one is invoiced by a single
sequential run (the reference), the other by six runs at once whose small batches
interleave. Every period must be invoiced once, numbers must have no gap, and every
invoice must equal its reference to the cent.
"""

from __future__ import annotations

import itertools
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from invoices import billing, tasks
from invoices.models import Invoice, InvoiceRun, NumberSequence
from invoices.services import RunTotals, invoice_due_subscriptions
from plans.models import Meter
from plans.pricing import ChargeSpec, TierSpec
from plans.tests.factories import PlanFactory, add_charge
from subscriptions.models import Subscription
from subscriptions.tests.factories import CustomerFactory, SubscriptionFactory
from tenants.tests.utils import at_once, failures
from usage.models import UsageEvent
from usage.tests.factories import UsageEventFactory

AS_OF = datetime(2026, 3, 1, tzinfo=UTC)
SUBSCRIPTIONS = 40
RUNS = 6
BATCH = 7
STARTS = [datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 15, tzinfo=UTC), datetime(2026, 1, 31, tzinfo=UTC)]


def populate(tenant, count: int = SUBSCRIPTIONS) -> list[Subscription]:
    """`count` subscriptions with usage in every period; some with a trial, some set to
    cancel at period end. The same data for any tenant (ids aside)."""
    plan = PlanFactory(tenant=tenant, code="pro", name="Pro", amount=Decimal("49.00"))
    tiers = [TierSpec(1000), TierSpec(10000, Decimal("0.002")), TierSpec(None, Decimal("0.001"))]
    add_charge(plan, ChargeSpec.tiered(tiers), meter="api_calls", aggregation=Meter.Aggregation.SUM)
    add_charge(plan, ChargeSpec.per_unit(Decimal("0.10")), meter="storage_gb", aggregation=Meter.Aggregation.SUM)
    meters = {m.code: m for m in Meter.objects.for_tenant(tenant)}
    subs, events = [], []
    for i in range(count):
        customer = CustomerFactory(tenant=tenant, external_id=f"cus_{i:02d}")
        start = STARTS[i % len(STARTS)]
        sub = SubscriptionFactory(
            tenant=tenant,
            customer=customer,
            plan=plan,
            start_at=start,
            trial_days=14 if i % 10 == 9 else 0,
            cancel_at_period_end=i % 8 == 5,
        )
        subs.append(sub)
        usage = [(2, "api_calls", 977 * i), (16, "api_calls", 313 * (i % 5)), (19, "storage_gb", Decimal(i) / 4)]
        usage += [(35, "api_calls", 1500 + 41 * i), (50, "storage_gb", Decimal(3))]
        for days, code, value in usage:
            when = start + timedelta(days=days, hours=i % 24)
            events.append(UsageEventFactory.build(customer=customer, meter=meters[code], value=value, timestamp=when))
    UsageEvent.objects.bulk_create(events)
    return subs


def invoiced(tenant) -> dict[tuple[str, datetime], tuple]:
    """Each invoice by (customer external id, period start): its end, total and lines."""
    invoices = Invoice.objects.for_tenant(tenant).select_related("customer").prefetch_related("lines")
    return {
        (i.customer.external_id, i.period_start): (
            i.period_end,
            i.status,
            i.total,
            [(line.kind, line.meter_code, line.quantity, line.amount) for line in i.lines.all()],
        )
        for i in invoices
    }


def numbers(tenant) -> list[str]:
    return sorted(Invoice.objects.for_tenant(tenant).values_list("number", flat=True))


def assert_once_per_period(tenant) -> None:
    pairs = Counter(Invoice.objects.for_tenant(tenant).values_list("subscription_id", "period_start"))
    assert pairs and set(pairs.values()) == {1}


def run_at_once(tenant_id: uuid.UUID, runs: int = RUNS) -> list[RunTotals]:
    """`runs` invoice runs of one tenant started together on threads of their own."""
    results = at_once(
        [lambda: invoice_due_subscriptions(tenant=tenant_id, as_of=AS_OF, batch_size=BATCH)] * runs, tenant=tenant_id
    )
    assert failures(results) == []
    return results


@pytest.mark.django_db(transaction=True)
def test_six_concurrent_runs_invoice_every_period_once_with_gapless_numbers(tenant, other_tenant):
    populate(other_tenant)
    reference = invoice_due_subscriptions(tenant=other_tenant.id, as_of=AS_OF)
    expected = invoiced(other_tenant)
    subs = populate(tenant)

    results = run_at_once(tenant.id)

    # Each subscription was locked and billed by exactly one of the runs.
    assert sum(r.subscriptions for r in results) == SUBSCRIPTIONS == reference.subscriptions
    created = [i.number for r in results for i in r.invoices]
    assert len(created) == len(set(created)) == len(expected) > SUBSCRIPTIONS
    assert sum(1 for r in results if r.invoices) > 1  # the runs really shared the work
    assert_once_per_period(tenant)
    assert numbers(tenant) == [f"INV-{n:06d}" for n in range(1, len(expected) + 1)]
    assert NumberSequence.objects.get(tenant=tenant).last_number == len(expected)
    assert invoiced(tenant) == expected
    # And the subscriptions ended where the sequential run left the reference ones.
    reference_state = {
        s.customer.external_id: (s.status, s.current_period_start, s.canceled_at)
        for s in Subscription.objects.for_tenant(other_tenant).select_related("customer")
    }
    assert {
        s.customer.external_id: (s.status, s.current_period_start, s.canceled_at)
        for s in Subscription.objects.for_tenant(tenant).filter(pk__in=[s.pk for s in subs]).select_related("customer")
    } == reference_state
    assert invoice_due_subscriptions(tenant=tenant.id, as_of=AS_OF).invoices == []


@pytest.mark.django_db(transaction=True)
def test_a_run_retried_after_failing_on_its_third_batch_creates_nothing_twice(
    tenant, other_tenant, monkeypatch, settings
):
    populate(other_tenant, 20)
    invoice_due_subscriptions(tenant=other_tenant.id, as_of=AS_OF)
    expected = invoiced(other_tenant)
    populate(tenant, 20)
    run = InvoiceRun.objects.create(tenant=tenant, as_of=AS_OF)
    settings.INVOICE_RUN_BATCH_SIZE = BATCH
    real = billing.write_invoices
    calls = itertools.count(1)
    seen_at_failure: list[int] = []

    def fails_on_the_third_batch(**kwargs):
        if next(calls) == 3:
            seen_at_failure.append(Invoice.objects.for_tenant(tenant).count())
            raise RuntimeError("worker lost")
        return real(**kwargs)

    monkeypatch.setattr(billing, "write_invoices", fails_on_the_third_batch)

    # Applied in-process without raising, the task's autoretry runs the retry at once
    # (as a worker would after the backoff): it bills what is left.
    result = tasks.invoice_run_tenant.apply(args=[str(tenant.id), str(run.id)], throw=False)

    assert seen_at_failure and seen_at_failure[0] > 0  # two batches had committed before the failure
    assert next(calls) > 4  # the retry went on with more batches
    run.refresh_from_db()
    assert (run.status, run.error) == (InvoiceRun.Status.SUCCEEDED, "")
    assert run.invoices_created == len(expected) == result.get()
    assert run.subscriptions_processed == 20
    assert_once_per_period(tenant)
    assert numbers(tenant) == [f"INV-{n:06d}" for n in range(1, len(expected) + 1)]
    assert invoiced(tenant) == expected
