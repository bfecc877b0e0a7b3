"""Issue #15 item 3: `GET …/invoices/{id}/lines/{line_id}/events`, the usage events a
line counted as they were when its invoice was finalized (invoices.provenance)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from invoices.provenance import INVOICE_LINE_NOT_FOUND, LINE_COUNTS_NO_EVENTS
from invoices.tests.factories import bill
from invoices.tests.test_corrections import subscribed
from plans.models import Meter
from tenants.tests.utils import at
from usage.tests.factories import use
from webhooks.models import Event
from webhooks.tests.factories import WebhookEndpointFactory

pytestmark = pytest.mark.django_db


def values(body):
    return [(e["value"], e["revision"]) for e in body["results"]]


def test_a_usage_line_lists_its_events_as_they_were_at_finalization(tenant, correct, events_of):
    sub = subscribed(tenant, Meter.Aggregation.SUM)
    three, four = use(sub, "m", "3", at(2026, 1, 5)), use(sub, "m", "4", at(2026, 1, 6))
    use(sub, "m", "9", at(2026, 2, 3))  # the next period's
    [january] = bill(tenant, at(2026, 2, 1))
    before = events_of(january, "usage", limit=1)
    assert values(before) == [("3", 1), ("4", 1)]
    assert (before["quantity"], before["aggregation"], before["billed_quantity"]) == ("7", "sum", None)
    assert [e["id"] for e in before["results"]] == [three.pk, four.pk]
    correct(four, "amend", value="1")
    correct(three, "void")
    assert events_of(january, "usage", limit=1) == before  # amended and voided after: the same answer
    [february] = bill(tenant, at(2026, 3, 1))
    fix = events_of(february, "correction")
    assert (fix["quantity"], fix["counted_quantity"], fix["billed_quantity"]) == ("-6", "1", "7")
    assert fix["billed_usage_seq"] == january.usage_seq and fix["usage_seq"] == february.usage_seq
    by_id = {e["id"]: e for e in fix["results"]}
    assert set(by_id) == {three.pk, four.pk}
    assert (by_id[three.pk]["voided"], by_id[three.pk]["revision"], by_id[three.pk]["billed"]["value"]) == (
        True,
        2,
        "3",
    )
    assert (by_id[four.pk]["value"], by_id[four.pk]["billed"]["value"], by_id[four.pk]["changed"]) == ("1", "4", True)
    assert events_of(february, "usage")["quantity"] == "9"


def test_a_late_event_is_the_late_usage_lines_event(tenant, events_of):
    sub = subscribed(tenant, Meter.Aggregation.COUNT)
    use(sub, "m", "1", at(2026, 1, 5))
    bill(tenant, at(2026, 2, 1))
    late = use(sub, "m", "1", at(2026, 1, 20))
    [february] = bill(tenant, at(2026, 3, 1))
    body = events_of(february, "late_usage")
    assert body["quantity"] == "1" == str(february.lines.get(kind="late_usage").quantity.normalize())
    assert [(e["id"], e["billed"], e["changed"]) for e in body["results"]] == [(late.pk, None, True)]


def test_max_marks_the_event_that_set_the_maximum_and_the_correction_both(tenant, correct, events_of):
    sub = subscribed(tenant, Meter.Aggregation.MAX)
    use(sub, "m", "3", at(2026, 1, 5))
    five = use(sub, "m", "5", at(2026, 1, 6))
    four = use(sub, "m", "4", at(2026, 1, 7))
    [january] = bill(tenant, at(2026, 2, 1))
    usage = events_of(january, "usage")
    assert [(e["value"], e["sets_max"]) for e in usage["results"]] == [("3", False), ("5", True), ("4", False)]
    correct(five, "void")
    [february] = bill(tenant, at(2026, 3, 1))
    fix = events_of(february, "correction")
    assert (fix["quantity"], fix["counted_quantity"], fix["billed_quantity"]) == ("-1", "4", "5")
    listed = {e["id"]: (e["sets_max"], e["billed"]["sets_max"], e["changed"]) for e in fix["results"]}
    assert listed == {five.pk: (False, True, True), four.pk: (True, False, False)}


def test_unique_count_lists_one_event_per_value(tenant, correct, events_of):
    sub = subscribed(tenant, Meter.Aggregation.UNIQUE_COUNT)
    first_a = use(sub, "m", "1", at(2026, 1, 5), id="a")
    use(sub, "m", "1", at(2026, 1, 6), id="a")
    only_b = use(sub, "m", "1", at(2026, 1, 7), id="b")
    [january] = bill(tenant, at(2026, 2, 1))
    usage = events_of(january, "usage")
    assert ([e["id"] for e in usage["results"]], usage["quantity"]) == ([first_a.pk, only_b.pk], "2")
    correct(first_a, "void")  # "a" still counts (its second event)
    correct(only_b, "amend", properties={"id": "a"})  # "b" counts no more
    [february] = bill(tenant, at(2026, 3, 1))
    fix = events_of(february, "correction")
    assert (fix["quantity"], fix["counted_quantity"], fix["billed_quantity"]) == ("-1", "1", "2")
    assert Decimal(fix["quantity"]) == february.lines.get(kind="correction").quantity


def test_lines_without_events_and_unknown_lines_are_404(tenant, api, turl, other_tenant):
    sub = subscribed(tenant, Meter.Aggregation.SUM)
    use(sub, "m", "3", at(2026, 1, 5))
    [january] = bill(tenant, at(2026, 2, 1))
    fee = january.lines.get(kind="flat_fee")
    response = api.get(turl(f"invoices/{january.pk}/lines/{fee.pk}/events"))
    assert response.status_code == 404
    assert response.json()["errors"][0]["detail"] == LINE_COUNTS_NO_EVENTS.format(kind="flat_fee")
    other = subscribed(other_tenant, Meter.Aggregation.SUM)
    use(other, "m", "3", at(2026, 1, 5))
    [theirs] = bill(other_tenant, at(2026, 2, 1))
    their_line = theirs.lines.get(kind="usage")
    response = api.get(turl(f"invoices/{january.pk}/lines/{their_line.pk}/events"))
    assert (response.status_code, response.json()["errors"][0]["detail"]) == (404, INVOICE_LINE_NOT_FOUND)
    assert api.get(turl(f"invoices/{theirs.pk}/lines/{their_line.pk}/events")).status_code == 404


def test_invoice_bodies_and_the_finalized_event_show_the_stored_line_ids(tenant, api, turl):
    WebhookEndpointFactory(tenant=tenant)  # events are stored only when an endpoint receives them
    sub = subscribed(tenant, Meter.Aggregation.SUM)
    use(sub, "m", "3", at(2026, 1, 5))
    [january] = bill(tenant, at(2026, 2, 1))
    stored = list(january.lines.order_by("position").values_list("pk", flat=True))
    body = api.get(turl(f"invoices/{january.pk}")).json()
    assert [line["id"] for line in body["lines"]] == stored and len(stored) == 2
    finalized = Event.objects.get(type="invoice.finalized").data
    assert [line["id"] for line in finalized["lines"]] == stored


def test_the_admin_links_each_counting_line_to_its_events_as_billed(tenant, correct, staff_client):
    sub = subscribed(tenant, Meter.Aggregation.MAX)
    three = use(sub, "m", "3", at(2026, 1, 5))
    five = use(sub, "m", "5", at(2026, 1, 6))
    [january] = bill(tenant, at(2026, 2, 1))
    correct(five, "amend", value="2")
    [february] = bill(tenant, at(2026, 3, 1))
    page = staff_client.get(reverse("admin:invoices_invoice_change", args=[february.pk])).content.decode()
    fix = february.lines.get(kind="correction")
    link = reverse("admin:invoices_invoice_line_events", args=[february.pk, fix.pk])
    assert f'href="{link}"' in page
    fee = february.lines.get(kind="flat_fee")
    assert reverse("admin:invoices_invoice_line_events", args=[february.pk, fee.pk]) not in page
    response = staff_client.get(link)
    assert response.status_code == 200
    shown = [(e["id"], e["value"], e["billed"]["value"], e["changed"]) for e in response.context["events"]]
    assert shown == [(three.pk, "3", "3", False), (five.pk, "2", "5", True)]  # 3 sets the maximum now
    assert response.context["found"].quantity == Decimal(-2) == fix.quantity
    assert reverse("admin:usage_usageevent_change", args=[five.pk]) in response.content.decode()
    usage = january.lines.get(kind="usage")
    response = staff_client.get(reverse("admin:invoices_invoice_line_events", args=[january.pk, usage.pk]))
    assert [(e["value"], e["sets_max"]) for e in response.context["events"]] == [("3", False), ("5", True)]
    assert staff_client.get(reverse("admin:invoices_invoice_line_events", args=[january.pk, fee.pk])).status_code == 404
