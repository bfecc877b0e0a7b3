"""`from`/`to` of every route that takes them (tenants.params): a time the calendar
cannot step through is a 400 naming the parameter, never a 500 (issue #11, item 14)."""

import pytest

from subscriptions.tests.factories import CustomerFactory
from tenants.params import TIME_PARAM_TOO_LATE

pytestmark = pytest.mark.django_db

ROUTES = ["metrics/revenue", "usage", "customers/{customer_id}/usage"]


@pytest.fixture
def path(tenant, turl):
    customer = CustomerFactory(tenant=tenant)
    return lambda route: turl(route.format(customer_id=customer.id))


def errors(response):
    return [(e["attr"], e["code"], e["detail"]) for e in response.json()["errors"]]


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("name", ["from", "to"])
@pytest.mark.parametrize("value", ["9999-12-31T23:59:59Z", "9999-01-01T00:00:00Z", "9999-06-01"])
def test_a_time_at_the_end_of_the_calendar_is_400_naming_it(api, path, route, name, value):
    response = api.get(path(route), {name: value})
    assert response.status_code == 400
    assert errors(response) == [(name, "max_value", TIME_PARAM_TOO_LATE)]


@pytest.mark.parametrize("route", ROUTES)
def test_both_bounds_too_late_are_both_named(api, path, route):
    response = api.get(path(route), {"from": "9999-12-01T00:00:00Z", "to": "9999-12-31T23:59:59Z"})
    assert response.status_code == 400
    assert sorted(errors(response)) == [
        ("from", "max_value", TIME_PARAM_TOO_LATE),
        ("to", "max_value", TIME_PARAM_TOO_LATE),
    ]


@pytest.mark.parametrize("route", ROUTES)
def test_the_last_year_before_the_bound_is_fine(api, path, route):
    response = api.get(path(route), {"from": "9998-01-01T00:00:00Z", "to": "9998-12-31T23:59:59.999999Z"})
    assert response.status_code == 200, response.json()


def test_the_revenue_report_lists_the_months_up_to_the_bound(api, path):
    response = api.get(path("metrics/revenue"), {"from": "9998-01-01T00:00:00Z", "to": "9998-12-31T23:59:59Z"})
    assert response.json() == {
        "from": "9998-01-01T00:00:00.000000Z",
        "to": "9998-12-31T23:59:59.000000Z",
        "currencies": [],
    }
