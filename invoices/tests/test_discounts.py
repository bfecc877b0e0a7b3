"""Discounts on invoices, through the run (API.md Part 2, "Discounts (coupons)"): what
each coupon takes off, in which order, on which invoices, for how long; what it
counts and what is left of it; `discount.ended`; the preview equal to the invoice.

The Pro plan of API.md (invoices/tests/conftest.py): 49.00 a month and API calls
tiered (1,000 free, 0.002 up to 10,000, 0.001 above); cus_42 on it since 2026-01-01.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction

from invoices import billing
from invoices.calculation import LineDraft
from invoices.models import Invoice
from invoices.plan_changes import subscription_change, subscription_change_preview
from invoices.services import invoice_preview, invoice_void, subscription_cancel
from invoices.tests.factories import credit_note, run
from plans.models import Coupon, Meter
from plans.tests.factories import CouponFactory, PlanFactory, add_charge
from subscriptions.discount_services import discount_create, discount_end
from subscriptions.models import Discount
from subscriptions.tests.factories import SubscriptionFactory
from tenants.tests.utils import at
from usage.selectors import usage_stored_through
from usage.tests.factories import use
from webhooks.models import Event
from webhooks.tests.factories import WebhookEndpointFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def endpoint(tenant):
    """Events are stored only when an endpoint receives them."""
    return WebhookEndpointFactory(tenant=tenant)


def coupon(tenant, code, off, duration="forever", **fields):
    """A coupon of `off`: "20%" or "10.00" (USD unless `currency`)."""
    if off.endswith("%"):
        terms = {"percent_off": Decimal(off[:-1]), "amount_off": None, "currency": ""}
    else:
        terms = {"percent_off": None, "amount_off": Decimal(off), "currency": fields.pop("currency", "USD")}
    return CouponFactory(tenant=tenant, code=code, name=code.title(), duration=duration, **terms, **fields)


def attach(sub_or_customer, code, *, only_this_subscription=True):
    """Redeem `code` as the API does: for the subscription, or for its customer as a whole."""
    sub = sub_or_customer if hasattr(sub_or_customer, "plan_id") else None
    customer = sub.customer if sub is not None else sub_or_customer
    return discount_create(
        tenant=customer.tenant_id,
        customer_id=customer.id,
        coupon_code=code,
        subscription_id=sub.id if sub is not None and only_this_subscription else None,
    )


def invoice_of(sub, start):
    return Invoice.objects.get(subscription=sub, period_start=start, billing_reason__in=["period", "cancellation"])


def lines(invoice):
    return [(line.kind, line.description, line.amount) for line in invoice.lines.order_by("position")]


def amounts(invoice):
    return invoice.subtotal, invoice.discount, invoice.total


def state(discount):
    discount.refresh_from_db()
    return discount.periods_used, discount.amount_remaining, discount.end_reason


def ended_events():
    return [
        (e.data["id"], e.data["end_reason"]) for e in Event.objects.filter(type="discount.ended").order_by("created_at")
    ]


def test_a_percentage_is_taken_off_the_fee_and_usage(tenant, sub):
    coupon(tenant, "launch", "20%")
    discount = attach(sub, "launch")
    use(sub, "api_calls", "13250", at(2026, 1, 5))  # 21.25
    run(tenant, at(2026, 2, 1))
    january = invoice_of(sub, at(2026, 1, 1))
    assert lines(january) == [
        ("flat_fee", "Pro (month)", Decimal("49.00")),
        ("usage", "API calls (tiered)", Decimal("21.25")),
        ("discount", "Launch (launch): 20 % off", Decimal("-14.05")),  # 70.25 × 20 % = 14.05
    ]
    assert amounts(january) == (Decimal("70.25"), Decimal("14.05"), Decimal("56.20"))
    [line] = january.lines.filter(kind="discount")
    assert (line.discount_id, line.period_start, line.period_end) == (discount.id, at(2026, 1, 1), at(2026, 2, 1))
    assert state(discount) == (1, None, "")


def test_an_amount_is_taken_off_every_period_forever(tenant, sub):
    coupon(tenant, "ten", "10.00")
    discount = attach(sub, "ten")
    run(tenant, at(2026, 4, 1))
    for start in (at(2026, 1, 1), at(2026, 2, 1), at(2026, 3, 1)):
        assert amounts(invoice_of(sub, start)) == (Decimal("49.00"), Decimal("10.00"), Decimal("39.00"))
    assert state(discount) == (3, None, "")
    assert ended_events() == []


def test_a_once_amount_carries_what_it_did_not_use_to_the_next_invoices(tenant, sub):
    coupon(tenant, "welcome", "60.00", duration="once")
    discount = attach(sub, "welcome")
    run(tenant, at(2026, 2, 1))
    assert amounts(invoice_of(sub, at(2026, 1, 1))) == (Decimal("49.00"), Decimal("49.00"), Decimal("0.00"))
    assert state(discount) == (1, Decimal("11.00"), "")
    run(tenant, at(2026, 4, 1))
    assert amounts(invoice_of(sub, at(2026, 2, 1))) == (Decimal("49.00"), Decimal("11.00"), Decimal("38.00"))
    assert amounts(invoice_of(sub, at(2026, 3, 1))) == (Decimal("49.00"), Decimal("0.00"), Decimal("49.00"))
    assert state(discount) == (2, Decimal("0"), "used")
    assert ended_events() == [(str(discount.id), "used")]


def test_a_once_percentage_is_used_on_one_invoice(tenant, sub):
    coupon(tenant, "half", "50%", duration="once")
    discount = attach(sub, "half")
    run(tenant, at(2026, 3, 1))
    assert invoice_of(sub, at(2026, 1, 1)).discount == Decimal("24.50")
    assert invoice_of(sub, at(2026, 2, 1)).discount == Decimal("0")
    assert state(discount) == (1, None, "used")


def test_a_repeating_coupon_ends_after_its_periods(tenant, sub):
    coupon(tenant, "two-months", "50%", duration="repeating", duration_in_periods=2)
    discount = attach(sub, "two-months")
    run(tenant, at(2026, 2, 1))
    assert state(discount) == (1, None, "")
    run(tenant, at(2026, 4, 1))
    assert [invoice_of(sub, at(2026, m, 1)).discount for m in (1, 2, 3)] == [
        Decimal("24.50"),
        Decimal("24.50"),
        Decimal("0"),
    ]
    assert state(discount) == (2, None, "used")
    discount.refresh_from_db()
    assert discount.ended_at == at(2026, 4, 1, 1)  # the run that used its second period (an hour past as_of)
    assert ended_events() == [(str(discount.id), "used")]


def test_a_period_with_nothing_to_discount_uses_nothing(tenant):
    free = PlanFactory(tenant=tenant, code="free", amount=Decimal("0"))
    add_charge(free, meter="calls", aggregation=Meter.Aggregation.SUM)  # 0.10 a call
    sub = SubscriptionFactory(tenant=tenant, plan=free, start_at=at(2026, 1, 1))
    coupon(tenant, "first-month", "100%", duration="repeating", duration_in_periods=1)
    discount = attach(sub, "first-month")
    run(tenant, at(2026, 2, 1))
    january = invoice_of(sub, at(2026, 1, 1))
    assert [kind for kind, _, _ in lines(january)] == ["usage"]
    assert (amounts(january), state(discount)) == ((Decimal("0"), Decimal("0"), Decimal("0")), (0, None, ""))
    use(sub, "calls", "20", at(2026, 2, 3))
    run(tenant, at(2026, 3, 1))
    assert amounts(invoice_of(sub, at(2026, 2, 1))) == (Decimal("2.00"), Decimal("2.00"), Decimal("0.00"))
    assert state(discount) == (1, None, "used")


def test_discounts_apply_in_the_order_attached_each_on_what_is_left(tenant, pro):
    coupon(tenant, "ten", "10.00")
    coupon(tenant, "half", "50%")
    amount_first = SubscriptionFactory(tenant=tenant, plan=pro, start_at=at(2026, 1, 1))
    percent_first = SubscriptionFactory(tenant=tenant, plan=pro, start_at=at(2026, 1, 1))
    attach(amount_first, "ten")
    attach(amount_first, "half")
    attach(percent_first, "half")
    attach(percent_first, "ten")
    run(tenant, at(2026, 2, 1))
    assert lines(invoice_of(amount_first, at(2026, 1, 1)))[2:] == [
        ("discount", "Ten (ten): 10.00 USD off", Decimal("-10.00")),
        ("discount", "Half (half): 50 % off", Decimal("-19.50")),  # 50 % of 39.00
    ]
    assert lines(invoice_of(percent_first, at(2026, 1, 1)))[2:] == [
        ("discount", "Half (half): 50 % off", Decimal("-24.50")),
        ("discount", "Ten (ten): 10.00 USD off", Decimal("-10.00")),
    ]
    assert invoice_of(amount_first, at(2026, 1, 1)).total == Decimal("19.50")
    assert invoice_of(percent_first, at(2026, 1, 1)).total == Decimal("14.50")


def test_a_discount_never_takes_more_than_the_invoice(tenant, sub):
    coupon(tenant, "big", "100.00")
    coupon(tenant, "half", "50%")
    big, half = attach(sub, "big"), attach(sub, "half")
    run(tenant, at(2026, 2, 1))
    january = invoice_of(sub, at(2026, 1, 1))
    assert (amounts(january), january.status) == ((Decimal("49.00"), Decimal("49.00"), Decimal("0.00")), "paid")
    assert [kind for kind, _, _ in lines(january)] == ["flat_fee", "usage", "discount"]
    assert (state(big), state(half)) == ((1, None, ""), (0, None, ""))  # nothing was left for the percentage


def test_a_subscriptions_discount_stays_on_it_and_a_customers_goes_on_all(tenant, sub):
    other = SubscriptionFactory(tenant=tenant, customer=sub.customer, start_at=at(2026, 1, 1))  # 49.00, no charges
    coupon(tenant, "sub-only", "10.00")
    coupon(tenant, "everyone", "20%")
    attach(sub, "sub-only")
    attach(sub.customer, "everyone")
    run(tenant, at(2026, 2, 1))
    assert invoice_of(sub, at(2026, 1, 1)).discount == Decimal("17.80")  # 10.00, then 20 % of 39.00
    assert invoice_of(other, at(2026, 1, 1)).discount == Decimal("9.80")  # 20 % of 49.00


def test_plan_ids_limit_the_invoices_a_customers_discount_applies_to(tenant, sub, pro):
    basic = PlanFactory(tenant=tenant, code="basic", amount=Decimal("19.00"))
    other = SubscriptionFactory(tenant=tenant, customer=sub.customer, plan=basic, start_at=at(2026, 1, 1))
    coupon(tenant, "pro-only", "20%", plan_ids=[pro.id])
    discount = attach(sub.customer, "pro-only")
    run(tenant, at(2026, 2, 1))
    assert invoice_of(sub, at(2026, 1, 1)).discount == Decimal("9.80")
    assert invoice_of(other, at(2026, 1, 1)).discount == Decimal("0")
    assert state(discount) == (1, None, "")


def test_an_amount_applies_only_to_invoices_in_its_currency(tenant, sub):
    eur = SubscriptionFactory(
        tenant=tenant, customer=sub.customer, plan=PlanFactory(tenant=tenant, currency="EUR"), start_at=at(2026, 1, 1)
    )
    coupon(tenant, "ten-usd", "10.00")
    coupon(tenant, "pct", "10%")
    attach(sub.customer, "ten-usd")
    attach(sub.customer, "pct")
    run(tenant, at(2026, 2, 1))
    assert invoice_of(sub, at(2026, 1, 1)).discount == Decimal("13.90")  # 10.00, then 10 % of 39.00
    assert invoice_of(eur, at(2026, 1, 1)).discount == Decimal("4.90")  # the percentage only


def test_a_cancellations_final_invoice_is_discounted(tenant, sub):
    coupon(tenant, "half", "50%")
    attach(sub, "half")
    use(sub, "api_calls", "1500", at(2026, 1, 10))
    subscription_cancel(tenant=tenant, subscription_id=sub.id, at_period_end=False, now=at(2026, 1, 16, 12))
    final = Invoice.objects.get(subscription=sub, billing_reason="cancellation")
    assert [(kind, amount) for kind, _, amount in lines(final)] == [
        ("proration", Decimal("24.50")),
        ("usage", Decimal("1.00")),
        ("discount", Decimal("-12.75")),
    ]


def threshold_invoice(tenant, sub, until, usage):
    """A `threshold` invoice of [period start, until) with one usage line (what
    progressive billing issues), written by the run's own writer."""
    period = (sub.current_period_start, sub.current_period_end)
    bill = billing.Bill(sub, period[0], until, sub.plan, reason=Invoice.BillingReason.THRESHOLD, period=period)
    bill.lines = [LineDraft("usage", "API calls (tiered)", Decimal(1), Decimal(usage))]
    with transaction.atomic():
        seq = usage_stored_through(tenant=tenant.id)
        [invoice] = billing.write_invoices(tenant=tenant.id, bills=[bill], now=until, usage_seq=seq)
    return invoice


def test_an_amount_is_capped_per_billing_period_across_its_invoices(tenant, sub):
    coupon(tenant, "forty", "40.00")
    discount = attach(sub, "forty")
    threshold = threshold_invoice(tenant, sub, at(2026, 1, 10), "30.00")
    assert amounts(threshold) == (Decimal("30.00"), Decimal("30.00"), Decimal("0.00"))
    subscription_cancel(tenant=tenant, subscription_id=sub.id, at_period_end=False, now=at(2026, 1, 16, 12))
    final = Invoice.objects.get(subscription=sub, billing_reason="cancellation")
    assert final.subtotal == Decimal("24.50")
    assert final.discount == Decimal("10.00")  # 40.00 a period, 30.00 of it taken in January already
    assert state(discount) == (1, None, "")  # one billing period


def test_a_plan_change_now_shares_the_periods_cap_and_its_count(tenant, sub):
    """The old plan's `plan_change` invoice and the new plan's period invoice are two
    invoices of January: 40.00 off in all, one period used."""
    coupon(tenant, "forty", "40.00")
    discount = attach(sub, "forty")
    bigger = PlanFactory(tenant=tenant, code="bigger", amount=Decimal("99.00"))
    subscription_change(
        tenant=tenant.id, subscription_id=sub.id, plan_id=bigger.id, effective="now", now=at(2026, 1, 16, 12)
    )
    change = Invoice.objects.get(subscription=sub, billing_reason="plan_change")
    assert (change.subtotal, change.discount) == (Decimal("24.50"), Decimal("24.50"))  # half of 49.00
    run(tenant, at(2026, 2, 1))
    january = Invoice.objects.get(subscription=sub, billing_reason="period", period_end=at(2026, 2, 1))
    assert (january.subtotal, january.discount) == (Decimal("49.50"), Decimal("15.50"))  # half of 99.00
    assert state(discount) == (1, None, "")


def test_plan_ids_follow_the_plan_of_the_billed_segment(tenant, sub, pro):
    coupon(tenant, "pro-only", "50%", plan_ids=[pro.id])
    attach(sub.customer, "pro-only")
    other = PlanFactory(tenant=tenant, code="other", amount=Decimal("20.00"))
    subscription_change(
        tenant=tenant.id, subscription_id=sub.id, plan_id=other.id, effective="now", now=at(2026, 1, 16, 12)
    )
    run(tenant, at(2026, 2, 1))
    assert Invoice.objects.get(subscription=sub, billing_reason="plan_change").discount == Decimal("12.25")
    assert Invoice.objects.get(subscription=sub, billing_reason="period").discount == Decimal("0")


def test_the_preview_of_a_plan_change_shows_the_discounts_it_would_get(tenant, sub):
    coupon(tenant, "forty", "40.00")
    attach(sub, "forty")
    bigger = PlanFactory(tenant=tenant, code="bigger", amount=Decimal("99.00"))
    preview = subscription_change_preview(
        tenant=tenant.id, subscription_id=sub.id, plan_id=bigger.id, effective="now", now=at(2026, 1, 16, 12)
    )
    assert preview.invoice_now is not None
    assert (preview.invoice_now.invoice.discount, preview.upcoming_invoice.invoice.discount) == (
        Decimal("24.50"),
        Decimal("15.50"),
    )
    assert Discount.objects.get().periods_used == 0


def test_a_repeating_coupon_used_up_still_discounts_the_periods_it_counted(tenant, sub):
    coupon(tenant, "first-month", "50%", duration="repeating", duration_in_periods=1)
    discount = attach(sub, "first-month")
    threshold_invoice(tenant, sub, at(2026, 1, 10), "30.00")
    assert state(discount) == (1, None, "used")
    run(tenant, at(2026, 3, 1))
    assert invoice_of(sub, at(2026, 1, 1)).discount == Decimal("24.50")  # still January
    assert invoice_of(sub, at(2026, 2, 1)).discount == Decimal("0")
    assert state(discount) == (1, None, "used")


def test_a_once_percentage_is_one_invoice_even_in_a_period_of_several(tenant, sub):
    coupon(tenant, "half", "50%", duration="once")
    discount = attach(sub, "half")
    threshold = threshold_invoice(tenant, sub, at(2026, 1, 10), "30.00")
    assert threshold.discount == Decimal("15.00")
    run(tenant, at(2026, 2, 1))
    assert invoice_of(sub, at(2026, 1, 1)).discount == Decimal("0")
    assert state(discount) == (1, None, "used")


def test_a_removed_discount_applies_no_more(tenant, sub):
    coupon(tenant, "half", "50%")
    discount = attach(sub, "half")
    run(tenant, at(2026, 2, 1))
    discount_end(tenant=tenant.id, customer_id=sub.customer_id, discount_id=discount.id)
    run(tenant, at(2026, 3, 1))
    assert invoice_of(sub, at(2026, 1, 1)).discount == Decimal("24.50")
    assert invoice_of(sub, at(2026, 2, 1)).discount == Decimal("0")
    assert state(discount) == (1, None, "removed")
    assert ended_events() == [(str(discount.id), "removed")]


def test_a_void_never_gives_a_use_back(tenant, sub):
    coupon(tenant, "welcome", "60.00", duration="once")
    discount = attach(sub, "welcome")
    run(tenant, at(2026, 2, 1))
    coupon(tenant, "half-once", "50%", duration="once")
    half = attach(sub, "half-once")
    use(sub, "api_calls", "3000", at(2026, 2, 2))  # 4.00
    run(tenant, at(2026, 3, 1))
    february = invoice_of(sub, at(2026, 2, 1))
    assert february.discount == Decimal("11.00") + Decimal("21.00")  # the rest of 60.00, then 50 % of 42.00
    invoice_void(tenant=tenant.id, invoice_id=february.id)
    run(tenant, at(2026, 4, 1))
    assert invoice_of(sub, at(2026, 3, 1)).discount == Decimal("0")
    assert (state(discount), state(half)) == ((2, Decimal("0"), "used"), (1, None, "used"))


def test_a_credit_note_never_gives_a_use_back(tenant, sub):
    coupon(tenant, "welcome", "60.00", duration="once")
    discount = attach(sub, "welcome")
    use(sub, "api_calls", "21000", at(2026, 1, 5))  # 18.00 + 11.00 = 29.00
    run(tenant, at(2026, 2, 1))
    january = invoice_of(sub, at(2026, 1, 1))
    assert amounts(january) == (Decimal("78.00"), Decimal("60.00"), Decimal("18.00"))
    credit_note(invoice=january, amount="18.00")  # all of what is due
    run(tenant, at(2026, 3, 1))
    assert invoice_of(sub, at(2026, 2, 1)).discount == Decimal("0")
    assert state(discount) == (1, Decimal("0"), "used")


def test_the_preview_equals_the_invoice_and_uses_nothing(tenant, sub, api, turl, admin_user, client_at):
    coupon(tenant, "five", "5.00", duration="once")
    coupon(tenant, "launch", "20%")
    five, launch = attach(sub, "five"), attach(sub.customer, "launch")
    use(sub, "api_calls", "13250", at(2026, 1, 5))
    with client_at(admin_user, at(2026, 1, 31, 23)) as viewer:
        preview = viewer.get(turl(f"subscriptions/{sub.id}/upcoming-invoice")).json()
    assert (state(five), state(launch)) == ((0, Decimal("5.00"), ""), (0, None, ""))
    run(tenant, at(2026, 2, 1))
    invoice = api.get(turl(f"invoices/{invoice_of(sub, at(2026, 1, 1)).id}")).json()
    # Stored lines have ids (their events route); a preview's are not stored.
    assert preview["lines"] == [{k: v for k, v in line.items() if k != "id"} for line in invoice["lines"]]
    assert [(line["kind"], line["amount"]) for line in invoice["lines"]][2:] == [
        ("discount", "-5.00"),
        ("discount", "-13.05"),  # 20 % of 65.25
    ]
    assert invoice["lines"][2]["discount_id"] == str(five.id)
    keys = ("subtotal", "discount", "tax", "total", "amount_due")
    assert {k: preview[k] for k in keys} == {k: invoice[k] for k in keys}
    assert (invoice["discount"], invoice["total"]) == ("18.05", "52.20")
    assert (state(five), state(launch)) == ((1, Decimal("0"), "used"), (1, None, ""))


def test_the_preview_of_a_period_with_a_threshold_invoice_counts_what_it_took(tenant, sub):
    coupon(tenant, "forty", "40.00")
    attach(sub, "forty")
    threshold_invoice(tenant, sub, at(2026, 1, 10), "30.00")
    preview = invoice_preview(tenant=tenant.id, subscription=sub)
    assert preview.invoice.discount == Decimal("10.00")


def test_an_adjustment_invoice_is_not_discounted(tenant, sub):
    coupon(tenant, "ten", "10.00")
    attach(sub, "ten")
    subscription_cancel(tenant=tenant, subscription_id=sub.id, at_period_end=True, now=at(2026, 1, 20))
    run(tenant, at(2026, 2, 1))
    use(sub, "api_calls", "2000", at(2026, 1, 25), created_at=at(2026, 2, 5))  # 2.00, late
    run(tenant, at(2026, 3, 1))
    adjustment = Invoice.objects.get(subscription=sub, billing_reason="adjustment")
    assert [kind for kind, _, _ in lines(adjustment)] == ["late_usage"]
    assert adjustment.discount == Decimal("0")


def test_a_coupon_deactivated_after_its_redemption_keeps_discounting(tenant, sub):
    coupon(tenant, "launch", "20%")
    attach(sub, "launch")
    Coupon.objects.filter(code="launch").update(active=False)
    run(tenant, at(2026, 2, 1))
    assert invoice_of(sub, at(2026, 1, 1)).discount == Decimal("9.80")
    assert Discount.objects.get().periods_used == 1
