"""Plan changes (API.md, "Plan changes"; issue #13 item 2): the segments, the
`plan_change` invoice and the new plan's prorated period, usage rated by segment, late
usage priced with its segment's plan, interval changes, trials, every 409, and
`subscription.updated`.

The worked example of docs/subscriptions.md ("Plan changes") is
`test_the_worked_example_of_the_docs`.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from invoices.models import Invoice
from invoices.plan_changes import subscription_change
from invoices.services import invoice_preview, subscription_cancel
from invoices.tests.factories import run
from invoices.tests.test_billing import lines_of
from plans.models import Meter, Plan
from plans.pricing import ChargeSpec
from plans.tests.factories import PlanFactory, add_charge
from subscriptions.models import Subscription, SubscriptionSegment
from subscriptions.tests.factories import SubscriptionFactory
from tenants.errors import Conflict, Invalid
from tenants.tests.utils import at
from usage.tests.factories import use
from webhooks.models import Event
from webhooks.tests.factories import WebhookEndpointFactory

pytestmark = pytest.mark.django_db

HALF_OF_JANUARY = at(2026, 1, 16, 12)  # 15.5 of January's 31 days


@pytest.fixture(autouse=True)
def endpoint(tenant):
    """Events are stored only when an endpoint receives them."""
    return WebhookEndpointFactory(tenant=tenant)


@pytest.fixture
def pro(pro):
    """Pro (conftest: 49.00, API calls tiered with 1,000 free) with seats at 8.00 each (max)."""
    add_charge(pro, ChargeSpec.per_unit(Decimal("8.00")), meter="seats", aggregation=Meter.Aggregation.MAX)
    return pro


def change(sub, plan, effective="now", now=HALF_OF_JANUARY):
    return subscription_change(
        tenant=sub.tenant_id, subscription_id=sub.id, plan_id=plan.id, effective=effective, now=now
    )


def segments(sub):
    return [(s.plan.code, s.start_at, s.end_at) for s in SubscriptionSegment.objects.filter(subscription=sub)]


def fresh(sub) -> Subscription:
    return Subscription.objects.select_related("plan").get(pk=sub.pk)


# Now, mid-period ------------------------------------------------------------------------


def test_the_worked_example_of_the_docs(tenant, on_basic, pro):
    use(on_basic, "api_calls", "400", at(2026, 1, 5))
    use(on_basic, "seats", "10", at(2026, 1, 6))
    use(on_basic, "api_calls", "2000", at(2026, 1, 20))
    use(on_basic, "seats", "4", at(2026, 1, 21))

    sub, segment_invoice = change(on_basic, pro)

    # The old plan's segment [Jan 1, Jan 16 12:00) is half of January: 9.50 of Basic's
    # fee, its own usage at Basic's prices, seats (a max) at half price.
    assert (segment_invoice.billing_reason, segment_invoice.period_start, segment_invoice.period_end) == (
        "plan_change",
        at(2026, 1, 1),
        HALF_OF_JANUARY,
    )
    assert lines_of(segment_invoice) == [
        ("proration", "", Decimal("0.5"), Decimal("9.50")),
        ("usage", "api_calls", Decimal(400), Decimal("4.00")),
        ("usage", "seats", Decimal(10), Decimal("25.00")),
    ]
    assert segment_invoice.total == Decimal("38.50")
    assert (sub.plan_id, sub.current_period_start, sub.current_period_end) == (pro.id, at(2026, 1, 1), at(2026, 2, 1))
    # At the period's end, Pro's half: 24.50, 2,000 calls (1,000 free, 1,000 × 0.002), 4 seats × 8.00 × 0.5.
    [january] = run(tenant, at(2026, 2, 1)).invoices
    assert (january.billing_reason, january.period_start, january.period_end) == (
        "period",
        HALF_OF_JANUARY,
        at(2026, 2, 1),
    )
    assert lines_of(january) == [
        ("proration", "", Decimal("0.5"), Decimal("24.50")),
        ("usage", "api_calls", Decimal(2000), Decimal("2.00")),
        ("usage", "seats", Decimal(4), Decimal("16.00")),
    ]
    assert january.total == Decimal("42.50")
    # February is a whole period of Pro.
    [february] = run(tenant, at(2026, 3, 1)).invoices
    assert (february.period_start, lines_of(february)[0]) == (at(2026, 2, 1), ("flat_fee", "", 1, Decimal("49.00")))
    assert segments(sub) == [("basic", at(2026, 1, 1), HALF_OF_JANUARY), ("pro", HALF_OF_JANUARY, None)]


def test_proration_is_exact_to_the_microsecond_and_shows_the_fraction_to_6_places(tenant, on_basic, pro):
    now = at(2026, 1, 11).replace(microsecond=1)  # 10 days and 1 µs of 31 days
    _, invoice = change(on_basic, pro, now=now)
    # 19.00 × (10 days + 1 µs) / 31 days = 6.1290322…; the quantity shows the fraction to 6 places.
    assert lines_of(invoice)[0] == ("proration", "", Decimal("0.322581"), Decimal("6.13"))
    [january] = run(tenant, at(2026, 2, 1)).invoices
    # 49.00 × (whole − part) / whole = 33.193548... → 33.19; fee shares round on their own.
    assert lines_of(january)[0] == ("proration", "", Decimal("0.677419"), Decimal("33.19"))


def test_a_change_at_the_very_start_of_a_period_bills_no_empty_window(tenant, on_basic, pro):
    run(tenant, at(2026, 2, 1))
    sub, invoice = change(on_basic, pro, now=at(2026, 2, 1))
    assert invoice is None
    assert segments(sub) == [("basic", at(2026, 1, 1), at(2026, 2, 1)), ("pro", at(2026, 2, 1), None)]
    [february] = run(tenant, at(2026, 3, 1)).invoices
    assert lines_of(february)[0] == ("flat_fee", "", 1, Decimal("49.00"))


def test_ended_periods_are_billed_first_then_the_segment_of_the_current_one(tenant, on_basic, pro):
    use(on_basic, "api_calls", "100", at(2026, 1, 20))
    use(on_basic, "api_calls", "300", at(2026, 2, 3))
    change(on_basic, pro, now=at(2026, 2, 15))  # no run came by on Feb 1
    january, segment = Invoice.objects.order_by("number")
    assert (january.billing_reason, january.period_start, january.period_end) == (
        "period",
        at(2026, 1, 1),
        at(2026, 2, 1),
    )
    assert lines_of(january)[:2] == [
        ("flat_fee", "", 1, Decimal("19.00")),
        ("usage", "api_calls", 100, Decimal("1.00")),
    ]
    assert (segment.billing_reason, segment.period_start, segment.period_end) == (
        "plan_change",
        at(2026, 2, 1),
        at(2026, 2, 15),
    )
    # Feb 1 → Feb 15 is 14 of February's 28 days.
    assert lines_of(segment)[:2] == [
        ("proration", "", Decimal("0.5"), Decimal("9.50")),
        ("usage", "api_calls", 300, Decimal("3.00")),
    ]


def test_two_changes_in_one_period_bill_each_segment_once(tenant, on_basic, pro, pro_yearly):
    premium = PlanFactory(tenant=tenant, code="premium", name="Premium", amount=Decimal("62.00"))
    use(on_basic, "api_calls", "2000", at(2026, 1, 12))
    change(on_basic, pro, now=at(2026, 1, 9, 12))  # Basic: 8.5 days
    _, second = change(on_basic, premium, now=at(2026, 1, 20))  # Pro: 10.5 days
    assert (second.period_start, second.period_end) == (at(2026, 1, 9, 12), at(2026, 1, 20))
    # 49.00 × 10.5 / 31 = 16.596… → 16.60; the 2,000 calls of the Pro segment at Pro's price.
    assert lines_of(second)[:2] == [
        ("proration", "", Decimal("0.338710"), Decimal("16.60")),
        ("usage", "api_calls", 2000, Decimal("2.00")),
    ]
    [january] = run(tenant, at(2026, 2, 1)).invoices
    assert (january.period_start, lines_of(january)) == (
        at(2026, 1, 20),
        [("proration", "", Decimal("0.387097"), Decimal("24.00"))],  # 62.00 × 12 / 31
    )
    assert [s[0] for s in segments(on_basic)] == ["basic", "pro", "premium"]


def test_a_change_back_and_forth_at_one_moment_bills_once_and_keeps_no_empty_segment(tenant, on_basic, pro):
    change(on_basic, pro)
    _, again = change(on_basic, PlanFactory(tenant=tenant, code="other"))
    assert again is None
    assert segments(on_basic) == [("basic", at(2026, 1, 1), HALF_OF_JANUARY), ("other", HALF_OF_JANUARY, None)]


def test_canceling_now_after_a_change_bills_the_new_segment_only(tenant, on_basic, pro):
    change(on_basic, pro)
    _, [final] = subscription_cancel(
        tenant=tenant, subscription_id=on_basic.id, at_period_end=False, now=at(2026, 1, 24)
    )
    # Jan 16 12:00 → Jan 24 is 7.5 days of 31: 49.00 × 7.5 / 31 = 11.854… → 11.85.
    assert (final.billing_reason, final.period_start, final.period_end) == (
        "cancellation",
        HALF_OF_JANUARY,
        at(2026, 1, 24),
    )
    assert lines_of(final)[0] == ("proration", "", Decimal("0.241935"), Decimal("11.85"))


def test_the_upcoming_invoice_after_a_change_shows_the_new_plans_proration(tenant, on_basic, pro):
    change(on_basic, pro)
    preview = invoice_preview(tenant=tenant, subscription=on_basic)
    assert (preview.invoice.period_start, preview.invoice.period_end) == (HALF_OF_JANUARY, at(2026, 2, 1))
    assert (preview.lines[0].kind, preview.lines[0].amount) == ("proration", Decimal("24.50"))


# Usage by segment, late usage -------------------------------------------------------------


def test_late_usage_of_the_old_segment_is_priced_with_the_old_plan(tenant, on_basic, pro):
    use(on_basic, "api_calls", "400", at(2026, 1, 5))
    _, segment_invoice = change(on_basic, pro)
    [january] = run(tenant, at(2026, 2, 1)).invoices
    # In February, 100 calls of Jan 10 (Basic's segment) and 100 of Jan 25 (Pro's) arrive.
    use(on_basic, "api_calls", "100", at(2026, 1, 10), created_at=at(2026, 2, 10))
    use(on_basic, "api_calls", "100", at(2026, 1, 25), created_at=at(2026, 2, 10))
    [february] = run(tenant, at(2026, 3, 1)).invoices
    late = {line.source_invoice_id: line for line in february.lines.filter(kind="late_usage")}
    # Basic's 0.01 a call (Pro's first 1,000 calls would be free).
    old = late[segment_invoice.id]
    assert (old.quantity, old.amount, old.period_start, old.period_end) == (
        Decimal(100),
        Decimal("1.00"),
        at(2026, 1, 1),
        HALF_OF_JANUARY,
    )
    new = late[january.id]
    assert (new.quantity, new.amount, new.period_start) == (Decimal(100), Decimal("0.00"), HALF_OF_JANUARY)


def test_late_usage_of_a_max_meter_keeps_its_segments_proration(tenant, on_basic, pro):
    use(on_basic, "seats", "10", at(2026, 1, 6))
    _, segment_invoice = change(on_basic, pro)
    run(tenant, at(2026, 2, 1))
    use(on_basic, "seats", "12", at(2026, 1, 7), created_at=at(2026, 2, 3))
    [february] = run(tenant, at(2026, 3, 1)).invoices
    late = february.lines.get(kind="late_usage")
    # 12 seats × 5.00 × 0.5 = 30.00, billed 25.00 → 5.00.
    assert (late.source_invoice_id, late.quantity, late.amount) == (segment_invoice.id, Decimal(2), Decimal("5.00"))


def test_a_meter_the_new_plan_does_not_charge_is_billed_no_more(tenant, on_basic):
    calls_only = PlanFactory(tenant=tenant, code="calls_only", amount=Decimal(0))
    add_charge(calls_only, ChargeSpec.per_unit(Decimal("0.01")), meter="api_calls")
    use(on_basic, "seats", "3", at(2026, 1, 20))
    change(on_basic, calls_only)
    [january] = run(tenant, at(2026, 2, 1)).invoices
    assert [line[1] for line in lines_of(january)] == ["api_calls"]


# Intervals and anchors -------------------------------------------------------------------


def test_another_interval_now_re_anchors_and_starts_a_full_period(tenant, on_basic, pro_yearly):
    sub, invoice = change(on_basic, pro_yearly)
    assert lines_of(invoice)[0] == ("proration", "", Decimal("0.5"), Decimal("9.50"))
    sub = fresh(sub)
    assert (sub.billing_anchor, sub.period_index) == (HALF_OF_JANUARY, 0)
    assert (sub.current_period_start, sub.current_period_end) == (HALF_OF_JANUARY, at(2027, 1, 16, 12))
    assert run(tenant, at(2026, 12, 1)).invoices == []
    [year] = run(tenant, at(2027, 1, 16, 12)).invoices
    assert (year.period_start, year.period_end) == (HALF_OF_JANUARY, at(2027, 1, 16, 12))
    assert lines_of(year)[0] == ("flat_fee", "", 1, Decimal("490.00"))
    assert fresh(sub).current_period_end == at(2028, 1, 16, 12)


def test_the_same_interval_keeps_a_month_end_anchor(tenant, basic, pro):
    sub = SubscriptionFactory(tenant=tenant, plan=basic, start_at=at(2026, 1, 31))
    change(sub, pro, now=at(2026, 2, 14))  # Jan 31 → Feb 14 is half of Jan 31 → Feb 28
    run(tenant, at(2026, 4, 1))
    assert list(Invoice.objects.order_by("period_start").values_list("period_start", "period_end")) == [
        (at(2026, 1, 31), at(2026, 2, 14)),
        (at(2026, 2, 14), at(2026, 2, 28)),
        (at(2026, 2, 28), at(2026, 3, 31)),  # Mar 31, not Mar 28 or Mar 14
    ]


# At period end ---------------------------------------------------------------------------


def test_period_end_waits_for_the_run_that_bills_the_period(tenant, on_basic, pro):
    use(on_basic, "api_calls", "100", at(2026, 1, 5))
    sub, invoice = change(on_basic, pro, "period_end", now=at(2026, 1, 10))
    assert invoice is None
    sub = fresh(sub)
    assert (sub.plan_id, sub.pending_plan_id) == (on_basic.plan_id, pro.id)
    assert not Invoice.objects.exists()
    [january] = run(tenant, at(2026, 2, 1)).invoices
    assert lines_of(january)[:2] == [
        ("flat_fee", "", 1, Decimal("19.00")),
        ("usage", "api_calls", 100, Decimal("1.00")),
    ]
    sub = fresh(sub)
    assert (sub.plan_id, sub.pending_plan_id, sub.billing_anchor) == (pro.id, None, at(2026, 1, 1))
    assert segments(sub) == [("basic", at(2026, 1, 1), at(2026, 2, 1)), ("pro", at(2026, 2, 1), None)]
    [february] = run(tenant, at(2026, 3, 1)).invoices
    assert lines_of(february)[0] == ("flat_fee", "", 1, Decimal("49.00"))


def test_period_end_with_another_interval_starts_a_full_period_at_the_end(tenant, on_basic, pro_yearly):
    change(on_basic, pro_yearly, "period_end", now=at(2026, 1, 10))
    run(tenant, at(2026, 6, 1))  # catches up: January on Basic, then the yearly period from Feb 1
    sub = fresh(on_basic)
    assert (sub.billing_anchor, sub.current_period_start, sub.current_period_end) == (
        at(2026, 2, 1),
        at(2026, 2, 1),
        at(2027, 2, 1),
    )
    assert Invoice.objects.count() == 1


def test_a_run_catching_up_applies_the_change_at_its_period_and_bills_the_rest_on_the_new_plan(tenant, on_basic, pro):
    change(on_basic, pro, "period_end", now=at(2026, 1, 10))
    run(tenant, at(2026, 4, 1))
    fees = list(Invoice.objects.order_by("period_start").values_list("period_start", "total"))
    assert fees == [
        (at(2026, 1, 1), Decimal("19.00")),
        (at(2026, 2, 1), Decimal("49.00")),
        (at(2026, 3, 1), Decimal("49.00")),
    ]


def test_a_period_end_change_after_an_unbilled_period_waits_for_the_current_period(tenant, on_basic, pro):
    sub, _ = change(on_basic, pro, "period_end", now=at(2026, 2, 10))
    [january] = Invoice.objects.all()  # billed first, on Basic
    assert (january.period_start, january.total) == (at(2026, 1, 1), Decimal("19.00"))
    assert (fresh(sub).plan_id, sub.current_period_end) == (on_basic.plan_id, at(2026, 3, 1))


# Trials -----------------------------------------------------------------------------------


def test_now_in_a_trial_changes_the_plan_not_the_trial_and_bills_nothing(tenant, basic, pro_yearly):
    sub = SubscriptionFactory(tenant=tenant, plan=basic, start_at=at(2026, 1, 1), trial_days=14)
    sub, invoice = change(sub, pro_yearly, now=at(2026, 1, 5))
    assert invoice is None
    sub = fresh(sub)
    assert (sub.status, sub.plan_id, sub.trial_end, sub.current_period_end) == (
        "trialing",
        pro_yearly.id,
        at(2026, 1, 15),
        at(2026, 1, 15),
    )
    run(tenant, at(2026, 1, 15))
    sub = fresh(sub)
    assert (sub.status, sub.current_period_start, sub.current_period_end) == (
        "active",
        at(2026, 1, 15),
        at(2027, 1, 15),
    )
    assert not Invoice.objects.exists()
    assert segments(sub) == [("basic", at(2026, 1, 1), at(2026, 1, 5)), ("pro_yearly", at(2026, 1, 5), None)]


def test_period_end_in_a_trial_switches_at_the_trial_end(tenant, basic, pro):
    sub = SubscriptionFactory(tenant=tenant, plan=basic, start_at=at(2026, 1, 1), trial_days=14)
    sub, _ = change(sub, pro, "period_end", now=at(2026, 1, 5))
    assert sub.pending_plan_id == pro.id
    run(tenant, at(2026, 2, 15))
    [first] = Invoice.objects.all()
    assert (first.period_start, lines_of(first)[0]) == (at(2026, 1, 15), ("flat_fee", "", 1, Decimal("49.00")))


# Events ------------------------------------------------------------------------------------


def test_subscription_updated_names_the_previous_plan(tenant, on_basic, pro):
    change(on_basic, pro)
    event = Event.objects.get(type="subscription.updated")
    assert (event.data["plan_id"], event.data["previous_plan_id"]) == (str(pro.id), str(on_basic.plan_id))
    assert event.data["pending_change"] is None


def test_a_change_at_period_end_publishes_on_scheduling_and_on_taking_effect(tenant, on_basic, pro):
    change(on_basic, pro, "period_end", now=at(2026, 1, 10))
    scheduled = Event.objects.get(type="subscription.updated")
    assert scheduled.data["plan_id"] == scheduled.data["previous_plan_id"] == str(on_basic.plan_id)
    assert scheduled.data["pending_change"] == {"plan_id": str(pro.id), "effective_at": "2026-02-01T00:00:00.000000Z"}
    run(tenant, at(2026, 2, 1))
    applied = Event.objects.filter(type="subscription.updated").exclude(pk=scheduled.pk).get()
    assert (applied.data["plan_id"], applied.data["previous_plan_id"]) == (str(pro.id), str(on_basic.plan_id))


# The rules ---------------------------------------------------------------------------------


def conflict(sub, plan, effective="now", now=HALF_OF_JANUARY) -> Conflict:
    with pytest.raises(Conflict) as info:
        change(sub, plan, effective, now)
    return info.value


def test_a_canceled_subscription_cannot_change(tenant, on_basic, pro):
    subscription_cancel(tenant=tenant, subscription_id=on_basic.id, at_period_end=False, now=at(2026, 1, 10))
    assert conflict(on_basic, pro).code == "subscription_canceled"


def test_the_same_plan_an_inactive_plan_or_another_currency_is_409_on_plan_id(tenant, on_basic, pro):
    inactive = PlanFactory(tenant=tenant, active=False, code="old")
    euro = PlanFactory(tenant=tenant, currency="EUR", code="euro")
    for plan, code in [(on_basic.plan, "same_plan"), (inactive, "plan_inactive"), (euro, "currency_mismatch")]:
        error = conflict(on_basic, plan)
        assert (error.code, list(error.detail)) == (code, ["plan_id"])
    assert not Invoice.objects.exists()
    assert fresh(on_basic).plan_id == on_basic.plan_id


def test_a_meter_of_the_new_plan_held_by_another_live_subscription_is_409(tenant, on_basic, pro):
    sms = PlanFactory(tenant=tenant, code="sms", amount=Decimal(0))
    add_charge(sms, ChargeSpec.per_unit(Decimal("0.05")), meter="sms")
    SubscriptionFactory(tenant=tenant, customer=on_basic.customer, plan=sms, start_at=at(2026, 1, 1))
    with_sms = PlanFactory(tenant=tenant, code="with_sms")
    add_charge(with_sms, ChargeSpec.per_unit(Decimal("0.05")), meter="sms")
    error = conflict(on_basic, with_sms)
    assert (error.code, list(error.detail)) == ("meter_taken", ["plan_id"])


def test_a_meter_held_by_another_subscriptions_pending_change_is_409(tenant, on_basic, pro):
    sms = PlanFactory(tenant=tenant, code="sms", amount=Decimal(0))
    add_charge(sms, ChargeSpec.per_unit(Decimal("0.05")), meter="sms")
    add_on = SubscriptionFactory(tenant=tenant, customer=on_basic.customer, plan=PlanFactory(tenant=tenant))
    change(add_on, sms, "period_end", now=at(2026, 1, 10))
    with_sms = PlanFactory(tenant=tenant, code="with_sms")
    add_charge(with_sms, ChargeSpec.per_unit(Decimal("0.05")), meter="sms")
    assert conflict(on_basic, with_sms, now=at(2026, 1, 11)).code == "meter_taken"


def test_a_change_pending_or_a_cancel_at_period_end_is_409(tenant, on_basic, pro, pro_yearly):
    change(on_basic, pro, "period_end", now=at(2026, 1, 10))
    assert conflict(on_basic, pro_yearly, now=at(2026, 1, 11)).code == "change_pending"
    other = SubscriptionFactory(tenant=tenant, plan=on_basic.plan, start_at=at(2026, 1, 1))
    subscription_cancel(tenant=tenant, subscription_id=other.id, at_period_end=True, now=at(2026, 1, 10))
    assert conflict(other, pro, now=at(2026, 1, 11)).code == "cancel_at_period_end"


def test_an_unknown_plan_is_400_on_plan_id(tenant, on_basic, other_tenant):
    theirs = PlanFactory(tenant=other_tenant)
    with pytest.raises(Invalid) as info:
        change(on_basic, theirs)
    assert (info.value.code, list(info.value.detail)) == ("does_not_exist", ["plan_id"])


def test_cancel_at_period_end_with_a_change_pending_is_409_and_cancel_now_drops_it(tenant, on_basic, pro):
    change(on_basic, pro, "period_end", now=at(2026, 1, 10))
    with pytest.raises(Conflict) as info:
        subscription_cancel(tenant=tenant, subscription_id=on_basic.id, at_period_end=True, now=at(2026, 1, 11))
    assert info.value.code == "change_pending"
    sub, [final] = subscription_cancel(
        tenant=tenant, subscription_id=on_basic.id, at_period_end=False, now=at(2026, 1, 11)
    )
    assert (sub.status, sub.pending_plan_id, fresh(sub).pending_plan_id) == ("canceled", None, None)
    assert lines_of(final)[0][3] == Decimal("6.13")  # Basic's 19.00 × 10 / 31


def test_a_pending_change_that_took_effect_unbilled_lets_a_new_change_follow(tenant, on_basic, pro, pro_yearly):
    change(on_basic, pro, "period_end", now=at(2026, 1, 10))
    # No run came by on Feb 1: the change walks January first, which applies the pending one.
    sub, invoice = change(on_basic, pro_yearly, now=at(2026, 2, 15))
    assert [s[0] for s in segments(sub)] == ["basic", "pro", "pro_yearly"]
    assert (invoice.period_start, lines_of(invoice)[0]) == (
        at(2026, 2, 1),
        ("proration", "", Decimal("0.5"), Decimal("24.50")),
    )


def test_every_change_that_is_refused_leaves_no_trace(tenant, on_basic, pro):
    use(on_basic, "api_calls", "100", at(2026, 1, 20))
    conflict(on_basic, on_basic.plan, now=at(2026, 2, 15))  # January had ended unbilled
    assert not Invoice.objects.exists()
    assert fresh(on_basic).current_period_start == at(2026, 1, 1)
    assert not Event.objects.filter(type__startswith="subscription.").exists()


def test_a_plan_on_a_yearly_plan_may_change_to_a_monthly_one(tenant, pro, pro_yearly):
    sub = SubscriptionFactory(tenant=tenant, plan=pro_yearly, start_at=at(2026, 1, 1))
    _, invoice = change(sub, pro, now=at(2026, 7, 2, 12))  # 182.5 of 365 days
    assert lines_of(invoice)[0] == ("proration", "", Decimal("0.5"), Decimal("245.00"))
    assert fresh(sub).current_period_end == at(2026, 8, 2, 12)
    assert Plan.objects.get(pk=pro.id).interval == "month"
