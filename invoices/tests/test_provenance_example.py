"""docs/invoicing.md's "A worked example: an amended seat count": a month's maximum
seat count amended after its invoice, the correction line on the next invoice and the
provenance of both lines, set up and read through the HTTP API; the runs are the
hourly job's."""

from __future__ import annotations

import pytest

from invoices.tests.factories import bill
from invoices.tests.test_totals_example import created, docs_json
from tenants.tests.utils import at

pytestmark = pytest.mark.django_db

SEATS = [
    {"meter": "seats", "model": "volume",
     "tiers": [{"up_to": 10, "unit_amount": "8.00"}, {"up_to": None, "unit_amount": "6.00", "flat_amount": "20.00"}]},
]  # fmt: skip
TEAM = {"code": "team", "name": "Team", "currency": "USD", "interval": "month", "amount": "49.00", "charges": SEATS}
JANUARY = [("seats-2026-01-03", "8", at(2026, 1, 3, 9)), ("seats-2026-01-12", "12", at(2026, 1, 12, 9))]
JANUARY += [("seats-2026-01-20", "9", at(2026, 1, 20, 9))]
# What the docs leave out of the answer: ids, sequences and links.
UNSHOWN = {"id", "usage_seq", "billed_usage_seq", "next", "previous"}


def shown(body: dict) -> dict:
    return {
        key: ({k: v for k, v in value.items() if k not in UNSHOWN} if key == "line" else value)
        for key, value in body.items()
        if key not in UNSHOWN
    } | {"results": [{k: v for k, v in e.items() if k not in UNSHOWN} for e in body["results"]]}


@pytest.fixture
def team(admin_user, client_at, turl):
    """The Team plan, cus_team on it since 2026-01-01 and January's seat reports, through the API."""
    with client_at(admin_user, at(2026, 1, 1)) as api:
        created(api.post(turl("meters"), {"code": "seats", "name": "Seats", "aggregation": "max"}))
        plan = created(api.post(turl("plans"), TEAM, format="json"))
        customer = created(api.post(turl("customers"), {"external_id": "cus_team", "name": "Team Co"}))
        body = {"customer_id": customer["id"], "plan_id": plan["id"], "start_at": "2026-01-01T00:00:00Z"}
        created(api.post(turl("subscriptions"), body))
    events = {}
    for key, value, moment in JANUARY:
        with client_at(admin_user, moment) as api:
            body = {"external_customer_id": "cus_team", "meter": "seats", "value": value}
            events[key] = created(api.post(turl("usage"), body, format="json", HTTP_IDEMPOTENCY_KEY=key))
    return events


def events_of(api, turl, invoice: dict, kind: str) -> dict:
    [line] = [line for line in invoice["lines"] if line["kind"] == kind]
    response = api.get(turl(f"invoices/{invoice['id']}/lines/{line['id']}/events"))
    assert response.status_code == 200, response.json()
    return response.json()


def amend_and_bill_february(admin_user, client_at, turl, tenant, event: dict, value: str) -> tuple[dict, dict]:
    """Amend the event on 2026-02-10, report 10 seats on 2026-02-02, run on 2026-03-01:
    (INV-000001, INV-000002) as the API shows them."""
    with client_at(admin_user, at(2026, 2, 2, 9)) as api:
        body = {"external_customer_id": "cus_team", "meter": "seats", "value": "10"}
        created(api.post(turl("usage"), body, format="json", HTTP_IDEMPOTENCY_KEY="seats-2026-02-02"))
    with client_at(admin_user, at(2026, 2, 10)) as api:
        reason = {"value": value, "reason": "A team was counted twice"}
        amended = api.post(turl(f"usage/{event['id']}/amend"), reason, format="json")
        assert (amended.status_code, amended.json()["revision"]) == (200, 2)
    [february] = bill(tenant, at(2026, 3, 1))
    with client_at(admin_user, at(2026, 3, 2)) as api:
        return api.get(turl("invoices?limit=2")).json()["results"][1], api.get(turl(f"invoices/{february.pk}")).json()


def test_an_amended_maximum_seat_count_and_the_provenance_of_both_lines(admin_user, client_at, turl, tenant, team):
    [january] = bill(tenant, at(2026, 2, 1))
    with client_at(admin_user, at(2026, 2, 2)) as api:
        first = api.get(turl(f"invoices/{january.pk}")).json()
        seats_before = events_of(api, turl, first, "usage")
    assert (first["number"], first["total"]) == ("INV-000001", "141.00")
    assert [(line["kind"], line["amount"]) for line in first["lines"]] == [("flat_fee", "49.00"), ("usage", "92.00")]
    assert [(e["value"], e["sets_max"]) for e in seats_before["results"]] == [("8", False), ("12", True), ("9", False)]
    assert seats_before["quantity"] == "12"

    first_again, second = amend_and_bill_february(
        admin_user, client_at, turl, tenant, team["seats-2026-01-12"], value="10"
    )
    assert first_again == first  # INV-000001 never changes
    assert (second["number"], second["total"]) == ("INV-000002", "117.00")
    assert [(line["kind"], line["quantity"], line["amount"]) for line in second["lines"]] == [
        ("flat_fee", "1", "49.00"),
        ("usage", "10", "80.00"),
        ("correction", "-2", "-12.00"),
    ]
    with client_at(admin_user, at(2026, 3, 2)) as api:
        assert events_of(api, turl, first, "usage") == seats_before  # still 12, revision 1
        correction = events_of(api, turl, second, "correction")
    assert shown(correction) == docs_json("### A worked example: an amended seat count")
    assert correction["billed_usage_seq"] == seats_before["usage_seq"]


def test_amended_below_the_next_report_that_report_sets_the_maximum(admin_user, client_at, turl, tenant, team):
    """The docs' variant: amended to 5, the 9 of the 20th becomes the maximum."""
    bill(tenant, at(2026, 2, 1))
    _, second = amend_and_bill_february(admin_user, client_at, turl, tenant, team["seats-2026-01-12"], value="5")
    assert [(line["quantity"], line["amount"]) for line in second["lines"] if line["kind"] == "correction"] == [
        ("-3", "-20.00")
    ]
    with client_at(admin_user, at(2026, 3, 2)) as api:
        correction = events_of(api, turl, second, "correction")
    listed = [(e["value"], e["sets_max"], e["changed"], e["billed"]["sets_max"]) for e in correction["results"]]
    assert listed == [("5", False, True, True), ("9", True, False, False)]
