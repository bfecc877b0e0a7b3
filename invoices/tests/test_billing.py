"""The invoicing engine: the invoice a customer receives, to the cent."""

from __future__ import annotations

from decimal import Decimal

import pytest

from invoices.models import Invoice, InvoiceLine, NumberSequence
from invoices.services import invoice_due_subscriptions, invoice_preview, subscription_cancel
from invoices.tests.factories import run
from plans.models import Meter
from plans.pricing import ChargeSpec, TierSpec
from plans.tests.factories import PlanFactory, add_charge
from subscriptions.models import Subscription
from subscriptions.tests.factories import SubscriptionFactory
from tenants.tests.utils import at
from usage.tests.factories import use
from webhooks.models import Event
from webhooks.tests.factories import WebhookEndpointFactory

pytestmark = pytest.mark.django_db


def lines_of(invoice):
    return [(line.kind, line.meter_code, line.quantity, line.amount) for line in invoice.lines.order_by("position")]


@pytest.fixture
def pro(pro):
    """The Pro plan (invoices/tests/conftest.py) with seats, storage and SMS as well."""
    plan = pro
    add_charge(
        plan,
        ChargeSpec.volume([TierSpec(10, Decimal("8.00")), TierSpec(None, Decimal("6.00"), Decimal("20.00"))]),
        meter="seats",
        aggregation=Meter.Aggregation.MAX,
    )
    add_charge(plan, ChargeSpec.per_unit(Decimal("0.10")), meter="storage_gb", aggregation=Meter.Aggregation.SUM)
    add_charge(plan, ChargeSpec.package(100, Decimal("1.50")), meter="sms", aggregation=Meter.Aggregation.COUNT)
    return plan


@pytest.fixture(autouse=True)
def endpoint(tenant):
    """Events are stored only when an endpoint receives them (the outbox of deliveries)."""
    return WebhookEndpointFactory(tenant=tenant)


def test_a_period_is_invoiced_with_every_charge_model(tenant, sub):
    use(sub, "api_calls", "13250", at(2026, 1, 5))
    use(sub, "seats", "12", at(2026, 1, 6))
    use(sub, "seats", "7", at(2026, 1, 20))
    use(sub, "storage_gb", "12.5", at(2026, 1, 7))
    for day in range(1, 4):
        for _ in range(70):
            use(sub, "sms", "1", at(2026, 1, day))
    totals = run(tenant, at(2026, 2, 1))
    invoice = Invoice.objects.get()
    assert len(totals.invoices) == 1
    assert (invoice.number, invoice.status, invoice.currency) == ("INV-000001", "open", "USD")
    assert (invoice.period_start, invoice.period_end) == (at(2026, 1, 1), at(2026, 2, 1))
    # tiered: 1000 free, 9000 × 0.002 = 18, 3250 × 0.001 = 3.25 → 21.25
    # volume: max 12 seats in the open tier: 12 × 6 + 20 = 92
    # per unit: 12.5 × 0.10 = 1.25; package: 210 sms → 3 packages × 1.50 = 4.50
    assert lines_of(invoice) == [
        ("flat_fee", "", Decimal(1), Decimal("49.00")),
        ("usage", "api_calls", Decimal(13250), Decimal("21.25")),
        ("usage", "seats", Decimal(12), Decimal("92.00")),
        ("usage", "storage_gb", Decimal("12.5"), Decimal("1.25")),
        ("usage", "sms", Decimal(210), Decimal("4.50")),
    ]
    assert invoice.total == invoice.subtotal == Decimal("168.00")
    sub.refresh_from_db()
    assert (sub.current_period_start, sub.current_period_end, sub.period_index) == (at(2026, 2, 1), at(2026, 3, 1), 1)


def test_usage_at_the_period_end_belongs_to_the_next_period(tenant, sub):
    use(sub, "storage_gb", "10", at(2026, 1, 31, 23, 59, 59))
    use(sub, "storage_gb", "1000", at(2026, 2, 1))
    run(tenant, at(2026, 2, 1))
    assert lines_of(Invoice.objects.get())[3] == ("usage", "storage_gb", Decimal(10), Decimal("1.00"))


def test_a_subscription_whose_period_has_not_ended_is_not_invoiced(tenant, sub):
    assert run(tenant, at(2026, 1, 31, 23, 59, 59)).invoices == []
    assert not Invoice.objects.exists()


def test_several_ended_periods_are_caught_up_in_order_with_month_end_clamping(tenant, pro):
    sub = SubscriptionFactory(tenant=tenant, plan=pro, start_at=at(2026, 1, 31))
    use(sub, "storage_gb", "10", at(2026, 2, 27))
    use(sub, "storage_gb", "20", at(2026, 3, 30))
    run(tenant, at(2026, 4, 30))
    invoices = list(Invoice.objects.order_by("number"))
    assert [(i.number, i.period_start, i.period_end) for i in invoices] == [
        ("INV-000001", at(2026, 1, 31), at(2026, 2, 28)),
        ("INV-000002", at(2026, 2, 28), at(2026, 3, 31)),
        ("INV-000003", at(2026, 3, 31), at(2026, 4, 30)),
    ]
    assert [lines_of(i)[3][3] for i in invoices] == [Decimal("1.00"), Decimal("2.00"), Decimal("0.00")]
    sub.refresh_from_db()
    assert (sub.current_period_start, sub.current_period_end) == (at(2026, 4, 30), at(2026, 5, 31))


def test_a_second_run_creates_nothing(tenant, sub):
    run(tenant, at(2026, 2, 1))
    assert run(tenant, at(2026, 2, 1)).invoices == []
    assert Invoice.objects.count() == 1


def test_a_trial_is_free_and_the_first_billed_period_starts_at_its_end(tenant, pro):
    sub = SubscriptionFactory(tenant=tenant, plan=pro, start_at=at(2026, 1, 1), trial_days=14)
    use(sub, "storage_gb", "100", at(2026, 1, 10))  # during the trial: free
    use(sub, "storage_gb", "5", at(2026, 1, 20))
    run(tenant, at(2026, 1, 15))
    sub.refresh_from_db()
    assert sub.status == Subscription.Status.ACTIVE
    assert (sub.current_period_start, sub.current_period_end) == (at(2026, 1, 15), at(2026, 2, 15))
    assert not Invoice.objects.exists()
    assert Event.objects.filter(type="subscription.trial_ended").count() == 1
    run(tenant, at(2026, 2, 15))
    invoice = Invoice.objects.get()
    assert (invoice.period_start, invoice.period_end) == (at(2026, 1, 15), at(2026, 2, 15))
    assert lines_of(invoice)[3][2:] == (Decimal(5), Decimal("0.50"))


def test_an_invoice_of_zero_is_paid_at_once(tenant):
    free = PlanFactory(tenant=tenant, amount=Decimal(0))
    add_charge(free, ChargeSpec.per_unit(Decimal("0.10")), meter="calls")
    SubscriptionFactory(tenant=tenant, plan=free, start_at=at(2026, 1, 1))
    run(tenant, at(2026, 2, 1))
    invoice = Invoice.objects.get()
    assert (invoice.total, invoice.status) == (Decimal(0), "paid")
    assert invoice.paid_at is not None


def test_cancel_at_period_end_bills_the_period_then_cancels(tenant, sub):
    subscription_cancel(tenant=tenant, subscription_id=sub.id, at_period_end=True, now=at(2026, 1, 20))
    run(tenant, at(2026, 4, 1))
    sub.refresh_from_db()
    assert sub.status == Subscription.Status.CANCELED
    assert sub.canceled_at == at(2026, 2, 1)
    assert Invoice.objects.count() == 1
    assert Event.objects.filter(type="subscription.canceled").count() == 1


def test_cancel_now_prorates_the_fee_by_seconds_and_bills_usage_to_now(tenant, sub):
    use(sub, "storage_gb", "10", at(2026, 1, 10))
    # January has 31 days; 15.5 days elapsed is exactly half.
    now = at(2026, 1, 16, 12)
    _, invoices = subscription_cancel(tenant=tenant, subscription_id=sub.id, at_period_end=False, now=now)
    invoice = invoices[0]
    assert (invoice.period_start, invoice.period_end) == (at(2026, 1, 1), now)
    assert lines_of(invoice)[0] == ("proration", "", Decimal("0.5"), Decimal("24.50"))
    assert lines_of(invoice)[3] == ("usage", "storage_gb", Decimal(10), Decimal("1.00"))
    sub.refresh_from_db()
    assert (sub.status, sub.canceled_at) == ("canceled", now)
    assert run(tenant, at(2026, 3, 1)).invoices == []


def test_canceling_a_trial_now_bills_nothing(tenant, pro):
    sub = SubscriptionFactory(tenant=tenant, plan=pro, start_at=at(2026, 1, 1), trial_days=14)
    _, invoices = subscription_cancel(tenant=tenant, subscription_id=sub.id, at_period_end=False, now=at(2026, 1, 5))
    assert invoices == []
    sub.refresh_from_db()
    assert sub.status == "canceled"


def test_late_usage_is_billed_once_on_the_next_invoice_as_a_delta_across_tiers(tenant, sub):
    use(sub, "api_calls", "900", at(2026, 1, 10))
    run(tenant, at(2026, 2, 1))
    january = Invoice.objects.get()
    assert lines_of(january)[1] == ("usage", "api_calls", Decimal(900), Decimal("0.00"))
    # 600 more calls for January arrive in February: 1500 in all crosses the first tier.
    use(sub, "api_calls", "600", at(2026, 1, 20), created_at=at(2026, 2, 10))
    use(sub, "api_calls", "100", at(2026, 2, 5))
    run(tenant, at(2026, 3, 1))
    february = Invoice.objects.exclude(pk=january.pk).get()
    late = [line for line in february.lines.all() if line.kind == "late_usage"]
    assert len(late) == 1
    # price(1500) − price(900) = (500 × 0.002) − 0 = 1.00
    assert (late[0].meter_code, late[0].quantity, late[0].amount) == ("api_calls", Decimal(600), Decimal("1.00"))
    assert (late[0].period_start, late[0].period_end) == (at(2026, 1, 1), at(2026, 2, 1))
    assert lines_of(february)[1] == ("usage", "api_calls", Decimal(100), Decimal("0.00"))
    # January's invoice never changed, and the late usage is not billed again.
    assert lines_of(Invoice.objects.get(pk=january.pk))[1][3] == Decimal("0.00")
    run(tenant, at(2026, 4, 1))
    march = Invoice.objects.get(period_start=at(2026, 3, 1))
    assert [line.kind for line in march.lines.all()].count("late_usage") == 0
    assert late[0].source_invoice_id == january.id


def test_usage_stored_before_the_invoice_is_not_billed_again_as_late(tenant, sub):
    use(sub, "api_calls", "1500", at(2026, 1, 10), created_at=at(2026, 1, 31, 23, 59))
    run(tenant, at(2026, 2, 1))
    run(tenant, at(2026, 3, 1))
    assert not Invoice.objects.filter(lines__kind="late_usage").exists()
    assert Invoice.objects.get(period_start=at(2026, 1, 1)).total == Decimal("50.00")


def test_late_usage_of_a_max_meter_prices_the_new_maximum(tenant, sub):
    use(sub, "seats", "5", at(2026, 1, 10))
    run(tenant, at(2026, 2, 1))
    use(sub, "seats", "11", at(2026, 1, 25), created_at=at(2026, 2, 3))
    run(tenant, at(2026, 3, 1))
    late = Invoice.objects.get(period_start=at(2026, 2, 1)).lines.get(kind="late_usage")
    # volume: 11 seats = 11 × 6 + 20 = 86; 5 seats = 40 → 46
    assert (late.quantity, late.amount) == (Decimal(6), Decimal("46.00"))


def test_numbers_are_gapless_per_tenant(tenant, other_tenant, pro):
    for _ in range(3):
        SubscriptionFactory(tenant=tenant, plan=pro, start_at=at(2026, 1, 1))
    other_plan = PlanFactory(tenant=other_tenant)
    SubscriptionFactory(tenant=other_tenant, plan=other_plan, start_at=at(2026, 1, 1))
    run(tenant, at(2026, 3, 1))
    run(other_tenant, at(2026, 3, 1))
    numbers = sorted(Invoice.objects.for_tenant(tenant).values_list("number", flat=True))
    assert numbers == [f"INV-{n:06d}" for n in range(1, 7)]
    assert list(Invoice.objects.for_tenant(other_tenant).values_list("number", flat=True).order_by("number")) == [
        "INV-000001",
        "INV-000002",
    ]
    assert NumberSequence.objects.get(tenant=tenant).last_number == 6


def test_a_run_that_fails_mid_way_loses_nothing_and_the_rerun_finishes(tenant, pro, monkeypatch):
    from invoices import billing

    subs = [SubscriptionFactory(tenant=tenant, plan=pro, start_at=at(2026, 1, 1)) for _ in range(5)]
    real = billing.write_invoices
    calls = {"n": 0}

    def flaky(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker died")
        return real(**kwargs)

    monkeypatch.setattr(billing, "write_invoices", flaky)
    with pytest.raises(RuntimeError):
        invoice_due_subscriptions(tenant=tenant.id, as_of=at(2026, 2, 1), batch_size=2)
    assert Invoice.objects.count() == 2  # the first batch committed, the second rolled back
    monkeypatch.setattr(billing, "write_invoices", real)
    invoice_due_subscriptions(tenant=tenant.id, as_of=at(2026, 2, 1), batch_size=2)
    assert Invoice.objects.count() == 5
    assert sorted(Invoice.objects.values_list("number", flat=True)) == [f"INV-{n:06d}" for n in range(1, 6)]
    assert {i.subscription_id for i in Invoice.objects.all()} == {s.id for s in subs}


def test_invoice_finalized_events_carry_the_invoice(tenant, sub):
    run(tenant, at(2026, 2, 1))
    event = Event.objects.get(type="invoice.finalized")
    invoice = Invoice.objects.get()
    assert event.data["id"] == str(invoice.id)
    assert event.data["total"] == "49.00"
    assert event.data["lines"][0] == {
        "id": invoice.lines.get(position=0).pk,
        "kind": "flat_fee",
        "description": "Pro (month)",
        "quantity": "1",
        "amount": "49.00",
    }


def test_preview_shows_the_full_fee_and_usage_so_far_and_stores_nothing(tenant, sub):
    use(sub, "storage_gb", "30", at(2026, 1, 3))
    preview = invoice_preview(tenant=tenant, subscription=sub)
    assert [(line.kind, line.amount) for line in preview.lines][:4] == [
        ("flat_fee", Decimal("49.00")),
        ("usage", Decimal("0.00")),
        ("usage", Decimal("0.00")),
        ("usage", Decimal("3.00")),
    ]
    assert preview.invoice.total == Decimal("52.00")
    assert not Invoice.objects.exists()


def test_preview_includes_late_usage_without_moving_the_billed_quantity(tenant, sub):
    use(sub, "api_calls", "900", at(2026, 1, 10))
    run(tenant, at(2026, 2, 1))
    use(sub, "api_calls", "600", at(2026, 1, 20), created_at=at(2026, 2, 10))
    preview = invoice_preview(tenant=tenant, subscription=Subscription.objects.get(pk=sub.pk))
    assert [(line.kind, line.amount) for line in preview.lines if line.kind == "late_usage"] == [
        ("late_usage", Decimal("1.00"))
    ]
    assert not InvoiceLine.objects.filter(kind="late_usage").exists()


def test_rounding_is_per_line_half_up(tenant):
    plan = PlanFactory(tenant=tenant, amount=Decimal("0.005"))
    add_charge(plan, ChargeSpec.per_unit(Decimal("0.0125")), meter="calls", aggregation=Meter.Aggregation.SUM)
    sub = SubscriptionFactory(tenant=tenant, plan=plan, start_at=at(2026, 1, 1))
    use(sub, "calls", "10", at(2026, 1, 2))  # 0.125
    run(tenant, at(2026, 2, 1))
    assert [line[3] for line in lines_of(Invoice.objects.get())] == [Decimal("0.01"), Decimal("0.13")]
    assert Invoice.objects.get().total == Decimal("0.14")


def test_jpy_invoices_have_no_minor_unit(tenant):
    plan = PlanFactory(tenant=tenant, currency="JPY", amount=Decimal("1000"))
    add_charge(plan, ChargeSpec.per_unit(Decimal("2.5")), meter="calls", aggregation=Meter.Aggregation.SUM)
    sub = SubscriptionFactory(tenant=tenant, plan=plan, start_at=at(2026, 1, 1))
    use(sub, "calls", "3", at(2026, 1, 2))  # 7.5 → 8
    run(tenant, at(2026, 2, 1))
    invoice = Invoice.objects.get()
    assert (invoice.currency, invoice.total) == ("JPY", Decimal("1008"))
