"""The portal tests' customer: Globex (cus_42) on Pro since the start of last month,
whose last month is invoiced (49.00 + 13,250 API calls = 70.25, open), with 10.00 of
credit on its balance since, and 2,500 API calls so far this month (upcoming: 49.00 +
3.00 = 52.00, 42.00 due after the credit). Months are real time's: a live tenant."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest

from invoices.models import Invoice
from invoices.services import balance_adjustment_create, invoice_due_subscriptions
from invoices.tests.conftest import pro  # noqa: F401 - the Pro plan fixture
from portal import services
from subscriptions.models import Customer, Subscription
from subscriptions.tests.factories import CustomerFactory, SubscriptionFactory
from tenants import clock
from usage.tests.factories import use


@dataclass(frozen=True)
class Globex:
    customer: Customer
    subscription: Subscription
    invoice: Invoice


@pytest.fixture
def globex(tenant, pro) -> Globex:  # noqa: F811 - the fixture imported above
    now = clock.real_now()
    this_month = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    customer = CustomerFactory(tenant=tenant, external_id="cus_42", name="Globex Corporation")
    sub = SubscriptionFactory(tenant=tenant, customer=customer, plan=pro, start_at=last_month)
    use(sub, "api_calls", "13250", last_month + timedelta(days=4))
    invoice_due_subscriptions(tenant=tenant.id, as_of=now)
    balance_adjustment_create(
        tenant=tenant, customer=customer, currency="USD", amount=Decimal("10.00"), description="Goodwill"
    )
    sub.refresh_from_db()
    use(sub, "api_calls", "2500", this_month + (now - this_month) / 2)
    return Globex(customer, sub, Invoice.objects.get(customer=customer))


@pytest.fixture
def link(tenant):
    """`link(customer)`: the path of a new portal link to `customer`'s page."""

    def make(customer: Customer) -> str:
        session = services.portal_session_create(tenant=tenant, customer=customer)
        return session.url("")

    return make
