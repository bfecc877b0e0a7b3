"""`?from=&to=` (tenants.params): every route that takes a time range reads it the
same way, with the same errors; a time the calendar cannot step through is a 400
naming the parameter, never a 500 (issue #11, item 14)."""

import pytest
from drf_spectacular.generators import SchemaGenerator

from subscriptions.tests.factories import CustomerFactory
from tenants.params import RANGE_REVERSED, TIME_PARAM_TOO_LATE
from tenants.tests.utils import at
from usage.tests.factories import UsageEventFactory

RANGE_ROUTES = ["usage", "customers/{customer_id}/usage", "metrics/revenue", "invoices/export", "audit-log"]


def test_these_are_the_routes_that_take_a_range():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    documented = {
        path
        for path, operations in schema["paths"].items()
        for operation in operations.values()
        if any(p["name"] == "from" for p in operation.get("parameters", []))
    }
    assert documented == {f"/v1/tenants/{{tenant_id}}/{route}" for route in RANGE_ROUTES}


@pytest.fixture
def urls(turl, tenant):
    customer = CustomerFactory(tenant=tenant)
    return [turl(route.format(customer_id=customer.id)) for route in RANGE_ROUTES]


def errors(api, urls, params):
    responses = [api.get(url, params) for url in urls]
    assert [r.status_code for r in responses] == [400] * len(urls), [r.content for r in responses]
    return [r.json()["errors"] for r in responses]


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["from", "to"])
@pytest.mark.parametrize("value", ["yesterday", "2026-13-01", "2026-01-01T25:00:00Z"])
def test_a_malformed_bound_is_the_same_400_on_every_route(api, urls, name, value):
    first, *others = errors(api, urls, {name: value})
    assert [(e["code"], e["attr"]) for e in first] == [("invalid", name)]
    assert first[0]["detail"].startswith("Datetime has wrong format.")
    assert others == [first] * len(others)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params", [{"from": "2026-02-01", "to": "2026-01-01"}, {"from": "2026-01-01T00:00:00Z", "to": "2026-01-01"}]
)
def test_from_not_before_to_is_400_on_every_route(api, urls, params):
    expected = [{"code": "range_reversed", "detail": RANGE_REVERSED, "attr": "from"}]
    assert errors(api, urls, params) == [expected] * len(urls)


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["from", "to"])
@pytest.mark.parametrize("value", ["9999-12-31T23:59:59Z", "9999-01-01T00:00:00Z", "9999-06-01"])
def test_a_time_at_the_end_of_the_calendar_is_400_naming_it_on_every_route(api, urls, name, value):
    expected = [{"code": "max_value", "detail": TIME_PARAM_TOO_LATE, "attr": name}]
    assert errors(api, urls, {name: value}) == [expected] * len(urls)


@pytest.mark.django_db
def test_both_bounds_too_late_are_both_named_on_every_route(api, urls):
    params = {"from": "9999-12-01T00:00:00Z", "to": "9999-12-31T23:59:59Z"}
    for found in errors(api, urls, params):
        assert sorted((e["attr"], e["code"], e["detail"]) for e in found) == [
            ("from", "max_value", TIME_PARAM_TOO_LATE),
            ("to", "max_value", TIME_PARAM_TOO_LATE),
        ]


@pytest.mark.django_db
def test_the_last_year_before_the_bound_is_fine_on_every_route(api, urls):
    for url in urls:
        response = api.get(url, {"from": "9998-01-01T00:00:00Z", "to": "9998-12-31T23:59:59.999999Z"})
        assert response.status_code == 200, response.json()


@pytest.mark.django_db
def test_the_revenue_report_lists_the_months_up_to_the_bound(api, turl):
    response = api.get(turl("metrics/revenue"), {"from": "9998-01-01T00:00:00Z", "to": "9998-12-31T23:59:59Z"})
    assert response.json() == {
        "from": "9998-01-01T00:00:00.000000Z",
        "to": "9998-12-31T23:59:59.000000Z",
        "currencies": [],
    }


@pytest.mark.django_db
def test_dates_are_midnight_utc_and_the_range_is_half_open(api, turl, tenant):
    inside = UsageEventFactory(tenant=tenant, timestamp=at(2026, 1, 1))
    UsageEventFactory(tenant=tenant, timestamp=at(2026, 2, 1))
    UsageEventFactory(tenant=tenant, timestamp=at(2025, 12, 31, 23, 59, 59))
    body = api.get(turl("usage"), {"from": "2026-01-01", "to": "2026-02-01"}).json()
    assert [e["id"] for e in body["results"]] == [inside.id]
