"""Issue #15, item 2: a void or amend of an event in an invoiced period becomes a
`correction` line on the next invoice, computed like late usage (round(price(new)) −
Σ billed for the window and charge); on an adjustment invoice when the subscription
was canceled; in the upcoming invoice's preview too. Corrections go through the API."""

from __future__ import annotations

from decimal import Decimal

import pytest

from invoices.models import Invoice
from invoices.services import subscription_cancel
from invoices.tests.factories import bill, run
from invoices.tests.test_billing import lines_of
from invoices.tests.test_billing_correctness import per_unit_plan
from plans.models import Meter
from subscriptions.tests.factories import SubscriptionFactory
from tenants.tests.utils import at, ts
from usage.tests.factories import use

pytestmark = pytest.mark.django_db


def subscribed(tenant, aggregation, fee="10.00"):
    plan = per_unit_plan(tenant, "p", "m", aggregation, fee=fee)
    return SubscriptionFactory(tenant=tenant, plan=plan, start_at=at(2026, 1, 1))


def delta_lines(invoice):
    return [line for line in lines_of(invoice) if line[0] in ("late_usage", "correction")]


def test_sum_void_and_amend_make_one_correction_line_on_the_next_invoice(tenant, correct):
    sub = subscribed(tenant, Meter.Aggregation.SUM)
    three, four = use(sub, "m", "3", at(2026, 1, 5)), use(sub, "m", "4", at(2026, 1, 6))
    [january] = bill(tenant, at(2026, 2, 1))
    assert lines_of(january)[-1] == ("usage", "m", Decimal(7), Decimal("7.00"))
    correct(three, "void")
    correct(four, "amend", value="1")
    [february] = bill(tenant, at(2026, 3, 1))
    assert delta_lines(february) == [("correction", "m", Decimal(-6), Decimal("-6.00"))]
    line = february.lines.get(kind="correction")
    assert (line.source_invoice_id, line.period_start, line.period_end) == (january.id, at(2026, 1, 1), at(2026, 2, 1))
    assert february.total == Decimal("4.00")  # fee 10.00, no February usage, −6.00
    [march] = bill(tenant, at(2026, 4, 1))
    assert delta_lines(march) == []  # billed once


def test_max_void_of_the_maximum_falls_to_the_next_one(tenant, correct):
    sub = subscribed(tenant, Meter.Aggregation.MAX)
    use(sub, "m", "3", at(2026, 1, 5))
    five = use(sub, "m", "5", at(2026, 1, 6))
    use(sub, "m", "2", at(2026, 1, 7))
    bill(tenant, at(2026, 2, 1))
    correct(five, "void")
    [february] = bill(tenant, at(2026, 3, 1))
    assert delta_lines(february) == [("correction", "m", Decimal(-2), Decimal("-2.00"))]


def test_max_amend_above_the_maximum_bills_the_difference(tenant, correct):
    sub = subscribed(tenant, Meter.Aggregation.MAX)
    three = use(sub, "m", "3", at(2026, 1, 5))
    use(sub, "m", "5", at(2026, 1, 6))
    bill(tenant, at(2026, 2, 1))
    correct(three, "amend", value="4")  # below the maximum: nothing changes
    [february] = bill(tenant, at(2026, 3, 1))
    assert delta_lines(february) == []
    correct(three, "amend", value="8")
    [march] = bill(tenant, at(2026, 4, 1))
    assert delta_lines(march) == [("correction", "m", Decimal(3), Decimal("3.00"))]


def test_unique_count_void_of_the_only_event_with_a_value(tenant, correct):
    sub = subscribed(tenant, Meter.Aggregation.UNIQUE_COUNT)
    use(sub, "m", "1", at(2026, 1, 5), id="a")
    a_again = use(sub, "m", "1", at(2026, 1, 6), id="a")
    only_b = use(sub, "m", "1", at(2026, 1, 7), id="b")
    [january] = bill(tenant, at(2026, 2, 1))
    assert lines_of(january)[-1] == ("usage", "m", Decimal(2), Decimal("2.00"))
    correct(a_again, "void")  # "a" is still counted by its other event
    correct(only_b, "void")
    [february] = bill(tenant, at(2026, 3, 1))
    assert delta_lines(february) == [("correction", "m", Decimal(-1), Decimal("-1.00"))]


def test_unique_count_amend_of_the_property_counts_the_new_value(tenant, correct):
    sub = subscribed(tenant, Meter.Aggregation.UNIQUE_COUNT)
    use(sub, "m", "1", at(2026, 1, 5), id="a")
    second = use(sub, "m", "1", at(2026, 1, 6), id="a")
    bill(tenant, at(2026, 2, 1))
    correct(second, "amend", properties={"id": "c"})
    [february] = bill(tenant, at(2026, 3, 1))
    assert delta_lines(february) == [("correction", "m", Decimal(1), Decimal("1.00"))]


def test_late_usage_with_a_correction_in_the_window_is_one_correction_line(tenant, correct):
    sub = subscribed(tenant, Meter.Aggregation.SUM)
    three = use(sub, "m", "3", at(2026, 1, 5))
    bill(tenant, at(2026, 2, 1))
    use(sub, "m", "10", at(2026, 1, 20), created_at=at(2026, 2, 10))  # late
    correct(three, "amend", value="1")
    [february] = bill(tenant, at(2026, 3, 1))
    assert delta_lines(february) == [("correction", "m", Decimal(8), Decimal("8.00"))]


def test_late_usage_alone_stays_late_usage(tenant):
    sub = subscribed(tenant, Meter.Aggregation.SUM)
    use(sub, "m", "3", at(2026, 1, 5))
    bill(tenant, at(2026, 2, 1))
    use(sub, "m", "2", at(2026, 1, 20), created_at=at(2026, 2, 10))
    [february] = bill(tenant, at(2026, 3, 1))
    assert delta_lines(february) == [("late_usage", "m", Decimal(2), Decimal("2.00"))]


def test_a_correction_in_the_current_period_only_changes_its_usage_line(tenant, correct):
    sub = subscribed(tenant, Meter.Aggregation.SUM)
    five = use(sub, "m", "5", at(2026, 1, 5))
    use(sub, "m", "1", at(2026, 1, 6))
    correct(five, "void")
    [january] = bill(tenant, at(2026, 2, 1))
    assert lines_of(january)[-1] == ("usage", "m", Decimal(1), Decimal("1.00"))
    assert delta_lines(january) == []


def test_corrections_round_like_late_usage_never_more_than_the_whole(tenant, correct):
    plan = per_unit_plan(tenant, "tiny", "m", Meter.Aggregation.SUM, price="0.005", fee="1.00")
    sub = SubscriptionFactory(tenant=tenant, plan=plan, start_at=at(2026, 1, 1))
    events = [use(sub, "m", "1", at(2026, 1, 5 + n)) for n in range(4)]  # 4 × 0.005 = 0.02
    bill(tenant, at(2026, 2, 1))
    amounts = []
    for n, event in enumerate(events):
        correct(event, "void")
        [invoice] = bill(tenant, at(2026, 3 + n, 1))
        amounts += [line[3] for line in delta_lines(invoice)]
    assert sum(amounts) == Decimal("-0.02")  # back to price(0), whatever the steps


def test_a_canceled_subscriptions_correction_goes_on_an_adjustment_invoice(tenant, correct):
    sub = subscribed(tenant, Meter.Aggregation.SUM)
    four = use(sub, "m", "4", at(2026, 1, 3))
    use(sub, "m", "1", at(2026, 1, 4))
    subscription_cancel(tenant=tenant, subscription_id=sub.id, at_period_end=False, now=at(2026, 1, 20))
    final = Invoice.objects.get()
    correct(four, "amend", value="2")
    totals = run(tenant, at(2026, 2, 6))
    adjustment = Invoice.objects.get(billing_reason="adjustment")
    assert totals.invoices == [adjustment]
    assert lines_of(adjustment) == [("correction", "m", Decimal(-2), Decimal("-2.00"))]
    assert adjustment.lines.get().source_invoice_id == final.id
    assert run(tenant, at(2026, 3, 1)).invoices == []  # counted once


def test_the_upcoming_invoice_shows_the_correction_without_consuming_it(
    viewer_user, client_at, turl, tenant, correct, api
):
    sub = subscribed(tenant, Meter.Aggregation.SUM)
    seven = use(sub, "m", "7", at(2026, 1, 5))
    bill(tenant, at(2026, 2, 1))
    correct(seven, "amend", value="3")
    with client_at(viewer_user, at(2026, 2, 11)) as viewer:
        preview = viewer.get(turl(f"subscriptions/{sub.id}/upcoming-invoice")).json()
        again = viewer.get(turl(f"subscriptions/{sub.id}/upcoming-invoice")).json()
    [line] = [line for line in preview["lines"] if line["kind"] == "correction"]
    assert (line["meter"], line["quantity"], line["amount"]) == ("m", "-4", "-4.00")
    assert (ts(line["period_start"]), ts(line["period_end"])) == (at(2026, 1, 1), at(2026, 2, 1))
    assert again == preview
    [february] = bill(tenant, at(2026, 3, 1))
    assert delta_lines(february) == [("correction", "m", Decimal(-4), Decimal("-4.00"))]
    invoice = api.get(turl(f"invoices/{february.id}")).json()
    assert [line["kind"] for line in invoice["lines"]] == ["flat_fee", "usage", "correction"]
