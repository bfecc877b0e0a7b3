"""docs/pricing.md's "Dimensions": a token charge with two filters and group_by, set up
and read through the HTTP API: the first matching filter prices an event, tiers restart
per filter and group, a missing property is its own group; late usage into one group
only; an event amended from one workspace to another (correction lines on both, each
line's provenance listing that group's events only)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from invoices.tests.factories import bill
from invoices.tests.test_totals_example import created
from tenants.tests.utils import at

pytestmark = pytest.mark.django_db

TIERS = [{"up_to": 1000, "unit_amount": "0.002"}, {"up_to": None, "unit_amount": "0.001"}]
LARGE_TIERS = [{"up_to": 1000, "unit_amount": "0.01"}, {"up_to": None, "unit_amount": "0.008"}]
TOKENS = {
    "meter": "tokens", "model": "tiered", "tiers": TIERS,
    "filters": [
        {"name": "large", "properties": {"model": ["large", "large-2"]}, "model": "tiered", "tiers": LARGE_TIERS},
        {"name": "eu", "properties": {"region": ["eu"]}, "model": "per_unit", "unit_amount": "0.003"},
    ],
    "group_by": ["workspace"],
}  # fmt: skip
PLAN = {"code": "ai", "name": "AI", "currency": "USD", "interval": "month", "amount": "20.00", "charges": [TOKENS]}
JANUARY = [
    ("t1", "1500", {"workspace": "a", "model": "large", "region": "eu"}),  # both filters: "large" (first) wins
    ("t2", "400", {"workspace": "a", "model": "small", "region": "eu"}),
    ("t3", "800", {"workspace": "b", "model": "large"}),
    ("t4", "2000", {"workspace": "b", "model": "small", "region": "us"}),  # no filter: the charge's own tiers
    ("t5", "300", {"model": "small"}),  # no workspace: its own group
]


def usage_lines(invoice: dict) -> list[tuple]:
    return [
        (line["kind"], line["filter"], line["group"], line["quantity"], line["amount"])
        for line in invoice["lines"]
        if line["kind"] != "flat_fee"
    ]


@pytest.fixture
def ai(admin_user, client_at, turl):
    with client_at(admin_user, at(2026, 1, 1)) as api:
        created(api.post(turl("meters"), {"code": "tokens", "name": "Tokens", "aggregation": "sum"}))
        plan = created(api.post(turl("plans"), PLAN, format="json"))
        customer = created(api.post(turl("customers"), {"external_id": "cus_ai", "name": "AI Co"}))
        body = {"customer_id": customer["id"], "plan_id": plan["id"], "start_at": "2026-01-01T00:00:00Z"}
        subscription = created(api.post(turl("subscriptions"), body))
    events = {}
    with client_at(admin_user, at(2026, 1, 20)) as api:
        for key, value, properties in JANUARY:
            body = {"external_customer_id": "cus_ai", "meter": "tokens", "value": value, "properties": properties}
            events[key] = created(api.post(turl("usage"), body, format="json", HTTP_IDEMPOTENCY_KEY=key))
    return {"plan": plan, "events": events, "subscription": subscription}


def test_the_plan_shows_its_filters_and_group_by(admin_user, client_at, turl, ai):
    with client_at(admin_user, at(2026, 1, 2)) as api:
        [charge] = api.get(turl(f"plans/{ai['plan']['id']}")).json()["charges"]
    assert charge["group_by"] == ["workspace"]
    assert [(f["name"], f["properties"], f["model"], f["unit_amount"]) for f in charge["filters"]] == [
        ("large", {"model": ["large", "large-2"]}, "tiered", None),
        ("eu", {"region": ["eu"]}, "per_unit", "0.003"),
    ]
    assert charge["filters"][0]["tiers"] == [
        {"up_to": 1000, "unit_amount": "0.01", "flat_amount": "0.00"},
        {"up_to": None, "unit_amount": "0.008", "flat_amount": "0.00"},
    ]


def test_the_worked_example(admin_user, client_at, turl, tenant, ai):
    [january] = bill(tenant, at(2026, 2, 1))
    with client_at(admin_user, at(2026, 2, 1, 1)) as api:
        first = api.get(turl(f"invoices/{january.pk}")).json()
    # large a: 1000 × 0.01 + 500 × 0.008; large b: 800 × 0.01 (its tiers restart);
    # eu a: 400 × 0.003; default b: 1000 × 0.002 + 1000 × 0.001; default (none): 300 × 0.002.
    assert usage_lines(first) == [
        ("usage", "large", {"workspace": "a"}, "1500", "14.00"),
        ("usage", "large", {"workspace": "b"}, "800", "8.00"),
        ("usage", "eu", {"workspace": "a"}, "400", "1.20"),
        ("usage", None, {"workspace": "b"}, "2000", "3.00"),
        ("usage", None, {"workspace": None}, "300", "0.60"),
    ]
    assert (first["subtotal"], first["total"]) == ("46.80", "46.80")
    assert first["lines"][1]["description"] == "Tokens (tiered) – large, workspace=a"

    # A late event of January in workspace b (no filter): one late line, for that group only.
    with client_at(admin_user, at(2026, 2, 3)) as api:
        late = {
            "external_customer_id": "cus_ai",
            "meter": "tokens",
            "value": "500",
            "timestamp": "2026-01-20T12:00:00Z",
        }
        late["properties"] = {"workspace": "b", "model": "small"}
        created(api.post(turl("usage"), late, format="json", HTTP_IDEMPOTENCY_KEY="t6"))
    [february] = bill(tenant, at(2026, 3, 1))
    with client_at(admin_user, at(2026, 3, 1, 1)) as api:
        second = api.get(turl(f"invoices/{february.pk}")).json()
    assert usage_lines(second) == [("late_usage", None, {"workspace": "b"}, "500", "0.50")]

    # t3 (800 large tokens) was workspace a's, not b's: a correction line on each group.
    with client_at(admin_user, at(2026, 3, 5)) as api:
        amend = {"properties": {"workspace": "a", "model": "large"}, "reason": "Wrong workspace"}
        response = api.post(turl(f"usage/{ai['events']['t3']['id']}/amend"), amend, format="json")
        assert response.status_code == 200, response.json()
    [march] = bill(tenant, at(2026, 4, 1))
    with client_at(admin_user, at(2026, 4, 1, 1)) as api:
        third = api.get(turl(f"invoices/{march.pk}")).json()
        # a: 2300 → 1000 × 0.01 + 1300 × 0.008 = 20.40, billed 14.00; b: 0, billed 8.00
        assert usage_lines(third) == [
            ("correction", "large", {"workspace": "a"}, "800", "6.40"),
            ("correction", "large", {"workspace": "b"}, "-800", "-8.00"),
        ]
        provenance = {}
        for line in third["lines"]:
            if line["kind"] == "correction":
                found = api.get(turl(f"invoices/{third['id']}/lines/{line['id']}/events")).json()
                provenance[line["group"]["workspace"]] = found
    t3 = ai["events"]["t3"]["id"]
    assert [(e["id"], e["changed"]) for e in provenance["a"]["results"]] == [(t3, True)]
    assert [(e["id"], e["changed"]) for e in provenance["b"]["results"]] == [(t3, True)]
    assert (provenance["a"]["quantity"], provenance["b"]["quantity"]) == ("800", "-800")
    assert Decimal(third["subtotal"]) == Decimal("20.00") + Decimal("6.40") - Decimal("8.00")


def test_a_usage_lines_provenance_lists_its_groups_events_only(admin_user, client_at, turl, tenant, ai):
    [january] = bill(tenant, at(2026, 2, 1))
    with client_at(admin_user, at(2026, 2, 1, 1)) as api:
        invoice = api.get(turl(f"invoices/{january.pk}")).json()
        listed = {}
        for line in invoice["lines"][1:]:
            found = api.get(turl(f"invoices/{invoice['id']}/lines/{line['id']}/events")).json()
            listed[(line["filter"], line["group"]["workspace"])] = (
                found["quantity"],
                [e["id"] for e in found["results"]],
            )
    ids = {key: event["id"] for key, event in ai["events"].items()}
    assert listed == {
        ("large", "a"): ("1500", [ids["t1"]]),
        ("large", "b"): ("800", [ids["t3"]]),
        ("eu", "a"): ("400", [ids["t2"]]),
        (None, "b"): ("2000", [ids["t4"]]),
        (None, None): ("300", [ids["t5"]]),
    }


def test_the_upcoming_invoice_and_the_export_show_each_filter_and_group(admin_user, client_at, turl, tenant, ai):
    with client_at(admin_user, at(2026, 1, 25)) as api:
        upcoming = api.get(turl(f"subscriptions/{ai['subscription']['id']}/upcoming-invoice"))
        assert upcoming.status_code == 200, upcoming.json()
    assert [(kind, f, g, q, a) for kind, f, g, q, a in usage_lines(upcoming.json())] == [
        ("usage", "large", {"workspace": "a"}, "1500", "14.00"),
        ("usage", "large", {"workspace": "b"}, "800", "8.00"),
        ("usage", "eu", {"workspace": "a"}, "400", "1.20"),
        ("usage", None, {"workspace": "b"}, "2000", "3.00"),
        ("usage", None, {"workspace": None}, "300", "0.60"),
    ]
    bill(tenant, at(2026, 2, 1))
    with client_at(admin_user, at(2026, 2, 2)) as api:
        response = api.get(turl("invoices/export"), {"format": "csv"})
        assert response.status_code == 200
        text = b"".join(response.streaming_content).decode() if response.streaming else response.content.decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["line_kind"], r["line_filter"], r["line_group"], r["line_amount"]) for r in rows] == [
        ("flat_fee", "", "", "20.00"),
        ("usage", "large", "workspace=a", "14.00"),
        ("usage", "large", "workspace=b", "8.00"),
        ("usage", "eu", "workspace=a", "1.20"),
        ("usage", "", "workspace=b", "3.00"),
        ("usage", "", "workspace=(none)", "0.60"),
    ]


def test_a_voided_event_corrects_its_own_group_only(admin_user, client_at, turl, tenant, ai):
    bill(tenant, at(2026, 2, 1))
    with client_at(admin_user, at(2026, 2, 10)) as api:
        void = {"reason": "Test traffic"}
        response = api.post(turl(f"usage/{ai['events']['t2']['id']}/void"), void, format="json")
        assert response.status_code == 200, response.json()
    [february] = bill(tenant, at(2026, 3, 1))
    with client_at(admin_user, at(2026, 3, 1, 1)) as api:
        second = api.get(turl(f"invoices/{february.pk}")).json()
    assert usage_lines(second) == [("correction", "eu", {"workspace": "a"}, "-400", "-1.20")]
    assert (second["subtotal"], second["total"]) == ("18.80", "18.80")
