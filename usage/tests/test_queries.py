"""Usage queries: the event list and the per-meter totals (every aggregation)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from plans.models import Meter
from plans.tests.factories import MeterFactory
from subscriptions.tests.factories import CustomerFactory
from tenants.params import RANGE_REVERSED
from tenants.tests.utils import at
from usage.selectors import UsageWindow, usage_totals_for_period
from usage.tests.factories import UsageEventFactory

pytestmark = pytest.mark.django_db

JAN, FEB, MAR = at(2026, 1, 1), at(2026, 2, 1), at(2026, 3, 1)


def store(customer, meter, value, when, **properties):
    return UsageEventFactory(
        customer=customer, meter=meter, value=Decimal(value), timestamp=when, properties=properties
    )


@pytest.fixture
def meters(tenant):
    return {
        "count": MeterFactory(tenant=tenant, code="requests", aggregation=Meter.Aggregation.COUNT),
        "sum": MeterFactory(tenant=tenant, code="storage", aggregation=Meter.Aggregation.SUM),
        "max": MeterFactory(tenant=tenant, code="seats", aggregation=Meter.Aggregation.MAX),
        "unique": MeterFactory(
            tenant=tenant, code="users", aggregation=Meter.Aggregation.UNIQUE_COUNT, property="user_id"
        ),
    }


@pytest.fixture
def alice(tenant, meters):
    alice = CustomerFactory(tenant=tenant, external_id="alice")
    for value, day in [("2", 3), ("5.5", 10), ("1", 31)]:
        store(alice, meters["count"], value, at(2026, 1, day, 12))
        store(alice, meters["sum"], value, at(2026, 1, day, 12))
        store(alice, meters["max"], value, at(2026, 1, day, 12))
    for user, day in [("u1", 2), ("u2", 3), ("u1", 4), ("u3", 5)]:
        store(alice, meters["unique"], "1", at(2026, 1, day, 12), user_id=user)
    # Outside January, so outside the window: February 1st 00:00 is the next period.
    store(alice, meters["sum"], "100", FEB)
    store(alice, meters["max"], "100", FEB)
    store(alice, meters["unique"], "1", FEB, user_id="u9")
    return alice


def test_totals_follow_each_meters_aggregation(tenant, meters, alice):
    window = UsageWindow(alice.id, JAN, FEB)
    totals = usage_totals_for_period(tenant=tenant.id, windows=[window], meters=list(meters.values()))
    assert totals[(window, meters["count"].id)] == 3
    assert totals[(window, meters["sum"].id)] == Decimal("8.5")
    assert totals[(window, meters["max"].id)] == Decimal("5.5")
    assert totals[(window, meters["unique"].id)] == 3


def test_totals_are_zero_without_usage_and_windows_are_half_open(tenant, meters, alice):
    bob = CustomerFactory(tenant=tenant, external_id="bob")
    bob_jan = UsageWindow(bob.id, JAN, FEB)
    alice_feb = UsageWindow(alice.id, FEB, MAR)
    totals = usage_totals_for_period(tenant=tenant.id, windows=[bob_jan, alice_feb], meters=list(meters.values()))
    assert totals[(bob_jan, meters["sum"].id)] == 0
    assert totals[(alice_feb, meters["sum"].id)] == 100
    assert totals[(alice_feb, meters["count"].id)] == 0
    assert totals[(alice_feb, meters["unique"].id)] == 1


def test_totals_never_count_another_tenants_events(tenant, other_tenant, meters, alice):
    intruder = CustomerFactory(tenant=other_tenant, external_id="alice")
    other_meter = MeterFactory(tenant=other_tenant, code="storage", aggregation=Meter.Aggregation.SUM)
    store(intruder, other_meter, "1000", at(2026, 1, 5, 12))
    window = UsageWindow(alice.id, JAN, FEB)
    totals = usage_totals_for_period(tenant=tenant.id, windows=[window], meters=[meters["sum"]])
    assert totals[(window, meters["sum"].id)] == Decimal("8.5")


def test_totals_of_many_windows_take_two_queries(tenant, meters, alice, django_assert_num_queries):
    customers = [alice] + [CustomerFactory(tenant=tenant) for _ in range(20)]
    windows = [UsageWindow(c.id, JAN, FEB) for c in customers]
    with django_assert_num_queries(2):
        totals = usage_totals_for_period(tenant=tenant.id, windows=windows, meters=list(meters.values()))
    assert len(totals) == 21 * 4


def test_customer_usage_endpoint(api, turl, meters, alice):
    response = api.get(
        turl(f"customers/{alice.id}/usage"), {"from": "2026-01-01T00:00:00Z", "to": "2026-02-01T00:00:00Z"}
    )
    assert response.status_code == 200
    assert response.json() == {
        "from": "2026-01-01T00:00:00.000000Z",
        "to": "2026-02-01T00:00:00.000000Z",
        "meters": [
            {"meter": "requests", "aggregation": "count", "quantity": "3"},
            {"meter": "seats", "aggregation": "max", "quantity": "5.5"},
            {"meter": "storage", "aggregation": "sum", "quantity": "8.5"},
            {"meter": "users", "aggregation": "unique_count", "quantity": "3"},
        ],
    }


def test_customer_usage_rejects_a_reversed_range(api, turl, alice):
    response = api.get(
        turl(f"customers/{alice.id}/usage"), {"from": "2026-02-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"}
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [{"code": "range_reversed", "detail": RANGE_REVERSED, "attr": "from"}]


def test_customer_usage_renders_a_year_before_1000_with_four_digits(api, turl, alice):
    # It was echoed as "410-01-01T00:00:00.000000Z": glibc's %Y does not pad the year.
    response = api.get(turl(f"customers/{alice.id}/usage"), {"from": "0410-01-01T00:00:00Z"})
    assert response.status_code == 200
    assert response.json()["from"] == "0410-01-01T00:00:00.000000Z"


def test_customer_usage_rejects_a_bad_date(api, turl, alice):
    response = api.get(turl(f"customers/{alice.id}/usage"), {"from": "soon"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "from"


def test_event_list_filters_and_pages(api, turl, tenant, meters, alice):
    bob = CustomerFactory(tenant=tenant, external_id="bob")
    store(bob, meters["sum"], "7", at(2026, 1, 20, 12))
    listed = api.get(turl("usage"), {"external_customer_id": "alice", "meter": "storage", "limit": 2}).json()
    assert [e["value"] for e in listed["results"]] == ["100", "1"]
    assert listed["next"] is not None
    rest = api.get(listed["next"]).json()
    assert [e["value"] for e in rest["results"]] == ["5.5", "2"]
    assert rest["next"] is None
    january = api.get(
        turl("usage"), {"meter": "storage", "from": "2026-01-01T00:00:00Z", "to": "2026-02-01T00:00:00Z"}
    ).json()
    assert sorted(e["value"] for e in january["results"]) == ["1", "2", "5.5", "7"]
    assert {e["external_customer_id"] for e in january["results"]} == {"alice", "bob"}


def test_event_list_rejects_a_bad_from(api, turl):
    response = api.get(turl("usage"), {"from": "yesterday"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "from"


def test_viewer_can_read_usage(viewer_api, turl, alice):
    assert viewer_api.get(turl("usage")).status_code == 200
    assert viewer_api.get(turl(f"customers/{alice.id}/usage")).status_code == 200
