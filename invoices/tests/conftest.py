"""Fixtures of the invoices tests: the Pro plan of API.md, a customer on it, and API
clients whose clock is at a given moment."""

from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from invoices import dimension_usage
from plans.models import Meter
from plans.pricing import ChargeSpec, TierSpec
from plans.tests.factories import PlanFactory, add_charge
from subscriptions.tests.factories import CustomerFactory, SubscriptionFactory
from tenants.tests.utils import at
from usage.selectors import UsageWindow


@pytest.fixture
def pro(tenant):
    """49.00 a month, and API calls tiered: 1,000 free, 0.002 up to 10,000, 0.001 above."""
    plan = PlanFactory(tenant=tenant, code="pro", name="Pro", amount=Decimal("49.00"))
    add_charge(
        plan,
        ChargeSpec.tiered([TierSpec(1000), TierSpec(10000, Decimal("0.002")), TierSpec(None, Decimal("0.001"))]),
        meter="api_calls",
        name="API calls",
        aggregation=Meter.Aggregation.SUM,
    )
    return plan


def cus_42_on(tenant, plan):
    """cus_42 on `plan` since 2026-01-01."""
    customer = CustomerFactory(tenant=tenant, external_id="cus_42")
    return SubscriptionFactory(tenant=tenant, customer=customer, plan=plan, start_at=at(2026, 1, 1))


@pytest.fixture
def sub(tenant, pro):
    """cus_42 on `pro` since 2026-01-01."""
    return cus_42_on(tenant, pro)


@pytest.fixture
def basic(tenant, pro):
    """19.00 a month; API calls at 0.01 each, seats (a max) at 5.00 each: Pro's meters."""
    plan = PlanFactory(tenant=tenant, code="basic", name="Basic", amount=Decimal("19.00"))
    add_charge(plan, ChargeSpec.per_unit(Decimal("0.01")), meter="api_calls")
    add_charge(plan, ChargeSpec.per_unit(Decimal("5.00")), meter="seats", aggregation=Meter.Aggregation.MAX)
    return plan


@pytest.fixture
def pro_yearly(tenant, pro):
    """490.00 a year; API calls at 0.001 each."""
    plan = PlanFactory(tenant=tenant, code="pro_yearly", name="Pro yearly", amount=Decimal("490.00"), interval="year")
    add_charge(plan, ChargeSpec.per_unit(Decimal("0.001")), meter="api_calls")
    return plan


@pytest.fixture
def on_basic(tenant, basic):
    """cus_42 on Basic since 2026-01-01 (plan changes start from it)."""
    return cus_42_on(tenant, basic)


@pytest.fixture
def client_at(client_for):
    """`with client_at(user, moment) as api:` a client whose clock (and token) is at `moment`."""

    @contextmanager
    def travel(user, moment: datetime):
        with time_machine.travel(moment, tick=False):
            yield client_for(user)

    return travel


@pytest.fixture
def correct(api, turl):
    """`correct(event, "void")` or `correct(event, "amend", value="2")`: through the API."""

    def send(event, action, **fields):
        response = api.post(turl(f"usage/{event.pk}/{action}"), {"reason": "test", **fields}, format="json")
        assert response.status_code == 200, response.json()
        return response.json()

    return send


@pytest.fixture
def events_of(api, turl):
    """`events_of(invoice, kind)`: the provenance of the invoice's (first) line of
    `kind` through the API, every page read (`limit` a page)."""

    def get(invoice, kind, limit=50):
        line = invoice.lines.filter(kind=kind).order_by("position").first()
        return line_events(api, turl, invoice, line, limit)

    return get


def line_events(api, turl, invoice, line, limit=50):
    """The provenance of `line` of `invoice`, every page read."""
    url = turl(f"invoices/{invoice.pk}/lines/{line.pk}/events?limit={limit}")
    body, results = None, []
    while url:
        response = api.get(url)
        assert response.status_code == 200, response.json()
        body = response.json()
        results += body["results"]
        url = body["next"]
    assert body["line"]["id"] == line.pk
    return {**body, "results": results}


@pytest.fixture
def batch_counts(monkeypatch) -> list[list[UsageWindow]]:
    """The windows each batch counted itself (not found ahead)."""
    counted: list[list[UsageWindow]] = []
    real = dimension_usage.usage_totals_by_dimension

    def spy(*, tenant: Any, windows: Any, charges: Any, scan: bool = False) -> Any:
        if not scan:
            counted.append(list(windows))
        return real(tenant=tenant, windows=windows, charges=charges, scan=scan)

    monkeypatch.setattr(dimension_usage, "usage_totals_by_dimension", spy)
    return counted
