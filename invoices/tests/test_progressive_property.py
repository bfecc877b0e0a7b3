"""Progressive billing's promise (API.md Part 2): for any usage and thresholds, the
invoices of a period (its threshold invoices and the closing one) add up to what one
invoice would have billed: a twin subscription on the same plan without thresholds,
with the same events, billed once at the period's end. With a minimum, either way."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from invoices.models import Invoice
from invoices.progressive import thresholds_check
from invoices.tests.factories import bill
from plans.models import Meter, Plan
from plans.pricing import ChargeSpec, TierSpec
from plans.tests.factories import PlanFactory, add_charge
from subscriptions.tests.factories import SubscriptionFactory
from tenants.tests.utils import at
from usage.tests.factories import use

JANUARY = at(2026, 1, 1)
CHARGES = {
    "per_unit": ChargeSpec.per_unit(Decimal("0.013")),
    "tiered": ChargeSpec.tiered([TierSpec(100, Decimal("0.05"), Decimal("1.00")), TierSpec(None, Decimal("0.007"))]),
    "package": ChargeSpec.package(10, Decimal("0.35")),
}


def _plan(tenant, code: str, model: str, thresholds: list[Decimal], minimum: Decimal) -> Plan:
    plan = PlanFactory(tenant=tenant, code=code, amount=Decimal("9.99"), usage_thresholds=thresholds,
                       minimum_amount=minimum)  # fmt: skip
    meter = Meter.objects.filter(tenant=tenant, code="api_calls").first() or "api_calls"
    add_charge(plan, CHARGES[model], meter=meter, aggregation=Meter.Aggregation.SUM)
    return plan


def _subtotals(sub) -> Decimal:
    """Σ subtotals of January's invoices (a first tier's flat amount costs something at
    0 calls, so February may have a threshold invoice already)."""
    january = Invoice.objects.filter(subscription=sub, period_start__lt=at(2026, 2, 1))
    return sum(january.values_list("subtotal", flat=True), Decimal(0))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    events=st.lists(
        st.tuples(st.integers(min_value=0, max_value=30 * 24 - 1), st.integers(min_value=1, max_value=900)),
        min_size=1,
        max_size=12,
    ),
    thresholds=st.sets(st.integers(min_value=1, max_value=4000), min_size=1, max_size=4),
    model=st.sampled_from(sorted(CHARGES)),
    minimum=st.sampled_from([Decimal(0), Decimal("25.00"), Decimal("60.00")]),
)
def test_a_periods_invoices_add_up_to_one_invoice(tenant, events, thresholds, model, minimum):
    with transaction.atomic():
        amounts = sorted(Decimal(t) / 100 for t in thresholds)
        progressive = SubscriptionFactory(tenant=tenant, plan=_plan(tenant, "p", model, amounts, minimum),
                                          start_at=JANUARY)  # fmt: skip
        once = SubscriptionFactory(tenant=tenant, plan=_plan(tenant, "o", model, [], minimum), start_at=JANUARY)
        for hour, calls in sorted(events):
            when = JANUARY + timedelta(hours=hour)
            use(progressive, "api_calls", calls, when)
            use(once, "api_calls", calls, when)
            thresholds_check(tenant=tenant.pk, now=when + timedelta(minutes=1))
        bill(tenant, at(2026, 2, 1))
        threshold_invoices = Invoice.objects.filter(
            subscription=progressive, billing_reason="threshold", period_start=JANUARY
        ).count()
        assert threshold_invoices <= len(amounts)
        assert _subtotals(progressive) == _subtotals(once)
        (closing,) = Invoice.objects.filter(subscription=progressive, billing_reason="period")
        credit = sum(
            closing.lines.filter(kind="progressive_billing_credit").values_list("amount", flat=True), Decimal(0)
        )
        assert -credit == _subtotals(progressive) - closing.subtotal
        transaction.set_rollback(True)  # the next example starts from the same data
