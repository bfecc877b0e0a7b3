"""Issue #11, money: the defects a finance team found, each with its family.

Usage counted once per event whatever the number of subscriptions; events billed by
the one subscription live at their timestamp; no empty or inverted window billed;
negative subtotals credited to the customer balance; failures isolated per
subscription; late usage of canceled subscriptions on adjustment invoices; late
pieces that never round above the whole; proration that never rounds the fraction.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine

from invoices.models import BalanceTransaction, Invoice, InvoiceRun
from invoices.services import (
    invoice_preview,
    invoice_run_execute,
    invoice_void,
    subscription_cancel,
)
from invoices.tests.factories import run
from invoices.tests.test_billing import lines_of
from metrics.selectors import mrr_for_tenant
from metrics.services import revenue_metrics_refresh
from plans.models import Meter
from plans.pricing import ChargeSpec, TierSpec
from plans.tests.factories import PlanFactory, add_charge
from subscriptions.models import Subscription
from subscriptions.services import SUBSCRIPTION_METER_TAKEN, subscription_create
from subscriptions.tests.factories import CustomerFactory, SubscriptionFactory
from tenants.errors import ConflictError
from tenants.tests.utils import at
from usage.models import UsageEvent
from usage.tests.factories import use

pytestmark = pytest.mark.django_db

AGGREGATIONS = [
    (Meter.Aggregation.COUNT, Decimal(10)),
    (Meter.Aggregation.SUM, Decimal(30)),  # 10 events of 3
    (Meter.Aggregation.MAX, Decimal(3)),
    (Meter.Aggregation.UNIQUE_COUNT, Decimal(5)),  # ids 0..4
]


def per_unit_plan(tenant, code, meter, aggregation, price="1.00", fee="0"):
    plan = PlanFactory(tenant=tenant, code=code, amount=Decimal(fee))
    extra = {"property": "id"} if aggregation == Meter.Aggregation.UNIQUE_COUNT else {}
    add_charge(plan, ChargeSpec.per_unit(Decimal(price)), meter=meter, aggregation=aggregation, **extra)
    return plan


def usage_lines(invoice):
    return {line[1]: line[2:] for line in lines_of(invoice) if line[0] == "usage"}


# 1. Usage counted N times -------------------------------------------------------------


@pytest.mark.parametrize("subscriptions", [2, 3])
@pytest.mark.parametrize(("aggregation", "quantity"), AGGREGATIONS)
def test_usage_is_counted_once_whatever_the_number_of_subscriptions(tenant, subscriptions, aggregation, quantity):
    customer = CustomerFactory(tenant=tenant)
    subs = []
    for n in range(subscriptions):
        plan = per_unit_plan(tenant, f"p{n}", f"m{n}", aggregation)
        subs.append(SubscriptionFactory(tenant=tenant, customer=customer, plan=plan, start_at=at(2026, 1, 1)))
    for sub, n in ((s, n) for n, s in enumerate(subs)):
        for i in range(10):
            use(sub, f"m{n}", "3", at(2026, 1, 2, i), id=str(i % 5))
    with time_machine.travel(at(2026, 1, 31), tick=False):
        previews = [invoice_preview(tenant=tenant, subscription=s) for s in subs]
    run(tenant, at(2026, 2, 1))
    for n, (sub, preview) in enumerate(zip(subs, previews, strict=True)):
        invoice = Invoice.objects.get(subscription=sub)
        assert usage_lines(invoice) == {f"m{n}": (quantity, quantity.quantize(Decimal("0.01")))}
        assert [line.amount for line in preview.lines] == [line.amount for line in invoice.lines.all()]


def test_usage_mrr_counts_each_event_once_with_an_add_on(tenant):
    customer = CustomerFactory(tenant=tenant)
    base = per_unit_plan(tenant, "base", "calls", Meter.Aggregation.COUNT, price="2.00", fee="10.00")
    addon = per_unit_plan(tenant, "addon", "gb", Meter.Aggregation.SUM, price="1.00", fee="5.00")
    first = SubscriptionFactory(tenant=tenant, customer=customer, plan=base, start_at=at(2026, 1, 1))
    second = SubscriptionFactory(tenant=tenant, customer=customer, plan=addon, start_at=at(2026, 1, 1))
    for _ in range(10):
        use(first, "calls", "1", at(2026, 1, 5))
        use(second, "gb", "2", at(2026, 1, 6))
    run(tenant, at(2026, 2, 1))
    revenue_metrics_refresh()
    usd = mrr_for_tenant(tenant=tenant.id).currencies[0]
    assert (usd.committed_mrr, usd.usage_mrr) == (Decimal("15.00"), Decimal("40.00"))


# 2. Events billed twice across subscriptions -------------------------------------------


@pytest.fixture
def metered(tenant):
    return per_unit_plan(tenant, "metered", "calls", Meter.Aggregation.COUNT, price="1.00")


def test_a_subscription_backdated_over_a_canceled_ones_life_is_refused(tenant, metered):
    customer = CustomerFactory(tenant=tenant)
    first = SubscriptionFactory(tenant=tenant, customer=customer, plan=metered, start_at=at(2026, 1, 1))
    for day in (5, 6, 7):
        use(first, "calls", "1", at(2026, 1, day))
    run(tenant, at(2026, 2, 1))
    subscription_cancel(tenant=tenant, subscription_id=first.id, at_period_end=False, now=at(2026, 2, 10))
    for start in (at(2026, 1, 1), at(2026, 2, 9, 23, 59)):
        with pytest.raises(ConflictError) as refused:
            subscription_create(tenant=tenant, customer_id=customer.id, plan_id=metered.id, start_at=start)
        message = SUBSCRIPTION_METER_TAKEN.format(subscription_id=first.pk, meter="calls")
        assert refused.value.detail == {"plan_id": message}
        assert refused.value.get_codes() == {"plan_id": "meter_taken"}
    second = subscription_create(tenant=tenant, customer_id=customer.id, plan_id=metered.id, start_at=at(2026, 2, 10))
    run(tenant, at(2026, 3, 10))
    invoice = Invoice.objects.get(subscription=second)
    assert usage_lines(invoice) == {"calls": (Decimal(0), Decimal("0.00"))}
    billed = sum(usage_lines(i)["calls"][0] for i in Invoice.objects.filter(subscription=first))
    assert billed == 3


def test_the_meter_rule_follows_lives_not_statuses(tenant, metered):
    customer = CustomerFactory(tenant=tenant)
    create = subscription_create
    future = create(tenant=tenant, customer_id=customer.id, plan_id=metered.id, start_at=at(2030, 3, 1))
    with pytest.raises(ConflictError):  # a future-dated one holds the meter from its start on
        create(tenant=tenant, customer_id=customer.id, plan_id=metered.id, start_at=at(2029, 1, 1))
    subscription_cancel(tenant=tenant, subscription_id=future.id, at_period_end=False, now=at(2030, 2, 10))
    # canceled before it began: its life is empty and holds nothing
    early = create(tenant=tenant, customer_id=customer.id, plan_id=metered.id, start_at=at(2029, 1, 1))
    subscription_cancel(tenant=tenant, subscription_id=early.id, at_period_end=True, now=at(2029, 1, 15))
    # canceling at period end frees the meter from the end of the current period on
    with pytest.raises(ConflictError):
        create(tenant=tenant, customer_id=customer.id, plan_id=metered.id, start_at=at(2029, 1, 31))
    later = create(tenant=tenant, customer_id=customer.id, plan_id=metered.id, start_at=at(2029, 2, 1))
    assert later.status == Subscription.Status.ACTIVE


def test_an_event_belongs_to_the_subscription_live_at_its_timestamp(tenant, metered):
    customer = CustomerFactory(tenant=tenant)
    first = SubscriptionFactory(tenant=tenant, customer=customer, plan=metered, start_at=at(2026, 1, 1))
    use(first, "calls", "1", at(2026, 1, 5))
    subscription_cancel(tenant=tenant, subscription_id=first.id, at_period_end=False, now=at(2026, 1, 15))
    second = subscription_create(tenant=tenant, customer_id=customer.id, plan_id=metered.id, start_at=at(2026, 1, 20))
    use(second, "calls", "1", at(2026, 1, 16))  # between the two lives: nobody's
    use(second, "calls", "1", at(2026, 1, 25))
    run(tenant, at(2026, 2, 20))
    assert usage_lines(Invoice.objects.get(subscription=first))["calls"][0] == 1
    assert usage_lines(Invoice.objects.get(subscription=second))["calls"][0] == 1


# 3, 4. Cancel now: never an empty or inverted window ----------------------------------------


@pytest.fixture
def priced(tenant):
    plan = per_unit_plan(tenant, "priced", "calls", Meter.Aggregation.COUNT, fee="30.00")
    add_charge(plan, ChargeSpec.tiered([TierSpec(10, flat_amount=Decimal("5.00")), TierSpec(None)]), meter="seats")
    return plan


def test_cancel_now_before_a_future_start_bills_nothing_and_cancels(admin_user, client_for, turl, tenant, priced):
    sub = SubscriptionFactory(tenant=tenant, plan=priced, start_at=at(2026, 3, 1))
    with time_machine.travel(at(2026, 2, 10), tick=False):
        response = client_for(admin_user).post(
            turl(f"subscriptions/{sub.id}/cancel"), {"at_period_end": False}, format="json"
        )
    body = response.json()
    assert (response.status_code, body["status"], body["final_invoice_id"]) == (200, "canceled", None)
    assert not Invoice.objects.exists()
    run(tenant, at(2027, 1, 1))
    assert not Invoice.objects.exists()


@pytest.mark.parametrize("month", [2, 3])
def test_cancel_now_exactly_at_a_period_end_bills_only_the_ended_periods(tenant, priced, month):
    sub = SubscriptionFactory(tenant=tenant, plan=priced, start_at=at(2026, 1, 1))
    _, invoices = subscription_cancel(
        tenant=tenant, subscription_id=sub.id, at_period_end=False, now=at(2026, month, 1)
    )
    assert [(i.period_start, i.period_end, i.billing_reason) for i in invoices] == [
        (at(2026, m, 1), at(2026, m + 1, 1), "period") for m in range(1, month)
    ]
    assert all(i.period_start < i.period_end for i in Invoice.objects.all())


def test_cancel_now_at_the_start_or_at_a_trial_end_bills_nothing(tenant, priced):
    at_start = SubscriptionFactory(tenant=tenant, plan=priced, start_at=at(2026, 1, 1))
    subscription_cancel(tenant=tenant, subscription_id=at_start.id, at_period_end=False, now=at(2026, 1, 1))
    trial = SubscriptionFactory(tenant=tenant, plan=priced, start_at=at(2026, 1, 1), trial_days=14)
    subscription_cancel(tenant=tenant, subscription_id=trial.id, at_period_end=False, now=at(2026, 1, 15))
    assert not Invoice.objects.exists()
    assert {s.status for s in Subscription.objects.all()} == {"canceled"}


# 5. Negative invoices: total 0, the rest to the customer balance ----------------------------


@pytest.fixture
def falling(tenant):
    """Volume pricing whose total falls as the quantity rises: 10 units cost 100.00, 11 cost 11.00."""
    plan = PlanFactory(tenant=tenant, code="falling", amount=Decimal("49.00"))
    add_charge(
        plan,
        ChargeSpec.volume([TierSpec(10, Decimal("10.00")), TierSpec(None, Decimal("1.00"))]),
        meter="units",
        aggregation=Meter.Aggregation.SUM,
    )
    return plan


def balance_of(customer):
    return sum((t.amount for t in BalanceTransaction.objects.filter(customer=customer)), Decimal(0))


def test_a_negative_subtotal_is_a_total_of_0_and_a_credit_that_pays_the_next_invoices(tenant, falling):
    sub = SubscriptionFactory(tenant=tenant, plan=falling, start_at=at(2026, 1, 1))
    use(sub, "units", "10", at(2026, 1, 5))
    run(tenant, at(2026, 2, 1))
    use(sub, "units", "1", at(2026, 1, 6), created_at=at(2026, 2, 5))  # late: 100.00 → 11.00
    run(tenant, at(2026, 3, 1))
    february = Invoice.objects.get(period_start=at(2026, 2, 1))
    assert [line[3] for line in lines_of(february)] == [Decimal("49.00"), Decimal("0.00"), Decimal("-89.00")]
    assert (february.subtotal, february.total, february.amount_due, february.status) == (
        Decimal("-40.00"),
        Decimal(0),
        Decimal(0),
        "paid",
    )
    assert balance_of(sub.customer) == Decimal("40.00")
    run(tenant, at(2026, 4, 1))
    march = Invoice.objects.get(period_start=at(2026, 3, 1))
    assert (march.total, march.credits_applied, march.amount_due, march.status) == (
        Decimal("49.00"),
        Decimal("40.00"),
        Decimal("9.00"),
        "open",
    )
    kinds = list(BalanceTransaction.objects.order_by("seq").values_list("kind", "amount", "invoice_id"))
    assert kinds == [
        ("negative_invoice", Decimal("40.00"), february.id),
        ("applied_to_invoice", Decimal("-40.00"), march.id),
    ]
    assert balance_of(sub.customer) == 0
    invoice_void(tenant=tenant, invoice_id=march.id)
    assert balance_of(sub.customer) == Decimal("40.00")
    assert BalanceTransaction.objects.order_by("-seq").first().kind == "invoice_voided"


def test_the_balance_pays_an_invoice_in_full_and_then_nothing_is_due(tenant, falling):
    sub = SubscriptionFactory(tenant=tenant, plan=falling, start_at=at(2026, 1, 1))
    BalanceTransaction.objects.create(
        tenant=tenant, customer=sub.customer, currency="USD", amount=Decimal("100.00"), kind="adjustment"
    )
    BalanceTransaction.objects.create(
        tenant=tenant, customer=sub.customer, currency="EUR", amount=Decimal("500.00"), kind="adjustment"
    )
    run(tenant, at(2026, 3, 1))
    jan, feb = Invoice.objects.order_by("period_start")
    assert (jan.credits_applied, jan.amount_due, jan.status) == (Decimal("49.00"), 0, "paid")
    assert (feb.credits_applied, feb.amount_due, feb.status) == (Decimal("49.00"), 0, "paid")
    assert balance_of(sub.customer) == Decimal("502.00")  # 2.00 USD and the EUR untouched


def test_the_preview_applies_the_balance_like_the_invoice(tenant, falling):
    sub = SubscriptionFactory(tenant=tenant, plan=falling, start_at=at(2026, 1, 1))
    BalanceTransaction.objects.create(
        tenant=tenant, customer=sub.customer, currency="USD", amount=Decimal("20.00"), kind="adjustment"
    )
    with time_machine.travel(at(2026, 1, 20), tick=False):
        preview = invoice_preview(tenant=tenant, subscription=sub)
    run(tenant, at(2026, 2, 1))
    invoice = Invoice.objects.get()
    assert (preview.invoice.credits_applied, preview.invoice.amount_due) == (Decimal("20.00"), Decimal("29.00"))
    assert (invoice.credits_applied, invoice.amount_due) == (Decimal("20.00"), Decimal("29.00"))


# 6. One huge value never blocks a tenant ------------------------------------------------------


def test_a_value_of_1e12_is_billed_to_the_cent(tenant):
    plan = per_unit_plan(tenant, "big", "calls", Meter.Aggregation.SUM, price="0.10")
    sub = SubscriptionFactory(tenant=tenant, plan=plan, start_at=at(2026, 1, 1))
    use(sub, "calls", "1000000000000", at(2026, 1, 5))
    run(tenant, at(2026, 2, 1))
    assert usage_lines(Invoice.objects.get()) == {"calls": (Decimal("1000000000000"), Decimal("100000000000.00"))}


def test_a_subscription_that_cannot_be_billed_is_recorded_and_the_others_are_billed(tenant):
    huge = per_unit_plan(tenant, "huge", "huge_calls", Meter.Aggregation.SUM, price="999999999999")
    normal = per_unit_plan(tenant, "normal", "calls", Meter.Aggregation.COUNT, fee="10.00")
    broken = SubscriptionFactory(tenant=tenant, plan=huge, start_at=at(2026, 1, 1))
    fine = [SubscriptionFactory(tenant=tenant, plan=normal, start_at=at(2026, 1, 1)) for _ in range(3)]
    # The widest values the usage column holds (backfilled before ingestion was bounded),
    # 20,000 of them: 2·10^24 × 10^12 is beyond what an invoice amount can hold.
    meter = Meter.objects.get(tenant=tenant, code="huge_calls")
    events = [
        UsageEvent(
            tenant=tenant,
            customer_id=broken.customer_id,
            meter=meter,
            idempotency_key=f"h{i}",
            value=Decimal("99999999999999999999"),
            timestamp=at(2026, 1, 5),
            fingerprint="f",
        )
        for i in range(20_000)
    ]
    # Rows with a database default (seq) travel as parameters, at most 65,535 a statement.
    UsageEvent.objects.bulk_create(events, batch_size=5000)
    invoice_run = InvoiceRun.objects.create(tenant=tenant, as_of=at(2026, 3, 1))
    with time_machine.travel(at(2026, 3, 1, 1), tick=False):
        done = invoice_run_execute(tenant=tenant.id, run_id=invoice_run.id)
    assert (done.status, done.invoices_created) == ("succeeded", 6)
    assert done.errors == [{"subscription_id": str(broken.id), "error": "An amount of this invoice does not fit the invoice columns (|amount| < 10^36)."}]  # fmt: skip
    assert set(Invoice.objects.values_list("subscription_id", flat=True)) == {s.id for s in fine}
    broken.refresh_from_db()
    assert (broken.current_period_start, broken.status) == (at(2026, 1, 1), "active")  # left as it was


# 7. Late usage of a subscription with no next invoice: an adjustment invoice --------------------


@pytest.mark.parametrize("at_period_end", [False, True])
def test_late_usage_of_a_canceled_subscription_goes_on_an_adjustment_invoice(tenant, metered, at_period_end):
    sub = SubscriptionFactory(tenant=tenant, plan=metered, start_at=at(2026, 1, 1))
    use(sub, "calls", "1", at(2026, 1, 3))
    subscription_cancel(tenant=tenant, subscription_id=sub.id, at_period_end=at_period_end, now=at(2026, 1, 20))
    run(tenant, at(2026, 2, 1))
    final = Invoice.objects.get()
    use(sub, "calls", "1", at(2026, 1, 10), created_at=at(2026, 2, 5))
    use(sub, "calls", "1", at(2026, 1, 11), created_at=at(2026, 2, 5))
    totals = run(tenant, at(2026, 2, 6))
    adjustment = Invoice.objects.get(billing_reason="adjustment")
    assert totals.invoices == [adjustment]
    assert (adjustment.period_start, adjustment.period_end) == (final.period_start, final.period_end)
    assert lines_of(adjustment) == [("late_usage", "calls", Decimal(2), Decimal("2.00"))]
    assert adjustment.lines.get().source_invoice_id == final.id
    assert (adjustment.total, adjustment.status, adjustment.number) == (Decimal("2.00"), "open", "INV-000002")
    assert run(tenant, at(2026, 3, 1)).invoices == []  # counted once


def test_usage_after_a_cancellation_is_nobodys(tenant, metered):
    sub = SubscriptionFactory(tenant=tenant, plan=metered, start_at=at(2026, 1, 1))
    subscription_cancel(tenant=tenant, subscription_id=sub.id, at_period_end=False, now=at(2026, 1, 20))
    use(sub, "calls", "1", at(2026, 1, 25), created_at=at(2026, 2, 5))
    assert run(tenant, at(2026, 2, 6)).invoices == []


# 8. Late pieces never round to more than the whole ----------------------------------------------


def test_late_pieces_bill_what_the_whole_is_worth(tenant):
    plan = per_unit_plan(tenant, "tiny", "calls", Meter.Aggregation.SUM, price="0.005", fee="1.00")
    sub = SubscriptionFactory(tenant=tenant, plan=plan, start_at=at(2026, 1, 1))
    run(tenant, at(2026, 2, 1))
    for month in (2, 3, 4, 5):
        use(sub, "calls", "1", at(2026, 1, 10), created_at=at(2026, month, 2))
        run(tenant, at(2026, month + 1, 1))
    late = [line.amount for inv in Invoice.objects.order_by("number") for line in inv.lines.filter(kind="late_usage")]
    assert late == [Decimal("0.01"), Decimal("0.00"), Decimal("0.01"), Decimal("0.00")]
    assert sum(late) == Decimal("0.02")  # round(4 × 0.005)


# 9. Proration: the fraction is never rounded ---------------------------------------------------


def test_proration_multiplies_by_the_exact_fraction(tenant):
    plan = PlanFactory(tenant=tenant, amount=Decimal("99999.00"))
    sub = SubscriptionFactory(tenant=tenant, plan=plan, start_at=at(2026, 1, 1))
    third = at(2026, 1, 1) + timedelta(days=31) / 3  # 10 days 8 hours: a third of January
    _, (invoice,) = subscription_cancel(tenant=tenant, subscription_id=sub.id, at_period_end=False, now=third)
    assert lines_of(invoice) == [("proration", "", Decimal("0.333333"), Decimal("33333.00"))]
    assert invoice.billing_reason == "cancellation"


def test_proration_counts_microseconds(tenant):
    plan = PlanFactory(tenant=tenant, amount=Decimal("2678400.00"))  # 1.00 per second of January
    sub = SubscriptionFactory(tenant=tenant, plan=plan, start_at=at(2026, 1, 1))
    now = at(2026, 1, 1) + timedelta(seconds=10, microseconds=500_000)
    _, (invoice,) = subscription_cancel(tenant=tenant, subscription_id=sub.id, at_period_end=False, now=now)
    assert invoice.lines.get().amount == Decimal("10.50")


def test_events_stay_where_they_were(tenant, metered):
    """The fixtures above store events directly; nothing in billing rewrites them."""
    sub = SubscriptionFactory(tenant=tenant, plan=metered, start_at=at(2026, 1, 1))
    event = use(sub, "calls", "1", at(2026, 1, 3))
    run(tenant, at(2026, 2, 1))
    assert UsageEvent.objects.get(pk=event.pk).value == 1
