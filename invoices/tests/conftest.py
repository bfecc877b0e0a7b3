"""Fixtures of the invoices tests: the Pro plan of API.md, a customer on it, and API
clients whose clock is at a given moment."""

from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal

import pytest
import time_machine

from plans.models import Meter
from plans.pricing import ChargeSpec, TierSpec
from plans.tests.factories import PlanFactory, add_charge
from subscriptions.tests.factories import CustomerFactory, SubscriptionFactory
from tenants.tests.utils import at


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


@pytest.fixture
def sub(tenant, pro):
    """cus_42 on `pro` since 2026-01-01."""
    customer = CustomerFactory(tenant=tenant, external_id="cus_42")
    return SubscriptionFactory(tenant=tenant, customer=customer, plan=pro, start_at=at(2026, 1, 1))


@pytest.fixture
def client_at(client_for):
    """`with client_at(user, moment) as api:` a client whose clock (and token) is at `moment`."""

    @contextmanager
    def travel(user, moment: datetime):
        with time_machine.travel(moment, tick=False):
            yield client_for(user)

    return travel
