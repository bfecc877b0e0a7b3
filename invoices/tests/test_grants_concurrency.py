"""Credit grants under concurrency, with real threads and real commits: invoices of one
customer finalized at once never use the same credit twice, and whatever runs at once
(runs, cancellations, a void, expiry) a grant's remaining = amount − used − expired −
voided ≥ 0 and its counters are the sums of its ledger."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import Sum

from invoices.grant_services import credit_grant_void
from invoices.grants import grants_expire
from invoices.models import CreditGrant, CreditGrantEntry, Invoice
from invoices.services import invoice_due_subscriptions, subscription_cancel
from invoices.tests.factories import CreditGrantFactory
from invoices.tests.test_balance_concurrency import FEB_1, JAN_1, meet_at_the_lock
from plans.tests.factories import PlanFactory
from subscriptions.tests.factories import CustomerFactory, SubscriptionFactory
from tenants.errors import Conflict
from tenants.tests.utils import at, at_once

pytestmark = pytest.mark.django_db(transaction=True)

SUBSCRIPTIONS = 4


@pytest.fixture
def customer(tenant):
    """A customer with four subscriptions of 49.00 a month since Jan 1 (196.00 due at
    once) and a grant of 100.00."""
    customer = CustomerFactory(tenant=tenant, external_id="cus_many")
    plan = PlanFactory(tenant=tenant, amount=Decimal("49.00"))
    for _ in range(SUBSCRIPTIONS):
        SubscriptionFactory(tenant=tenant, customer=customer, plan=plan, start_at=JAN_1)
    return customer


def assert_invariants(grant: CreditGrant) -> None:
    grant.refresh_from_db()
    sums = dict(grant.entries.values_list("kind").annotate(total=Sum("amount")).order_by())
    assert grant.used == sums.get("used", 0) + sums.get("invoice_voided", 0)
    assert grant.expired == sums.get("expired", 0)
    assert grant.voided == sums.get("voided", 0)
    assert grant.remaining == grant.amount - grant.used - grant.expired - grant.voided >= 0
    used = CreditGrantEntry.objects.filter(grant=grant, kind="used").aggregate(s=Sum("amount"))["s"] or 0
    invoices = Invoice.objects.filter(customer_id=grant.customer_id)
    assert used == sum(i.credits_applied for i in invoices)  # no balance here: every credit is the grant's
    assert all(i.amount_due == i.total - i.credits_applied for i in invoices)


def test_runs_meeting_at_the_customers_lock_use_a_grant_once(tenant, customer):
    grant = CreditGrantFactory(tenant=tenant, customer=customer, amount=Decimal("100.00"))
    run = lambda: invoice_due_subscriptions(tenant=tenant.id, as_of=FEB_1, batch_size=1)  # noqa: E731

    results = meet_at_the_lock(customer, tenant.id, [run] * SUBSCRIPTIONS)

    assert not [r for r in results if isinstance(r, BaseException)], results
    invoices = list(Invoice.objects.filter(customer=customer))
    assert len(invoices) == SUBSCRIPTIONS  # each run billed one (SKIP LOCKED), all waited for the customer
    assert sorted(i.credits_applied for i in invoices) == [0, Decimal("2.00"), Decimal("49.00"), Decimal("49.00")]
    grant.refresh_from_db()
    assert (grant.used, grant.remaining, grant.status) == (Decimal("100.00"), 0, "depleted")
    assert_invariants(grant)


def test_cancellations_a_void_and_expiry_at_once_keep_the_grant_whole(tenant, customer):
    grant = CreditGrantFactory(
        tenant=tenant, customer=customer, amount=Decimal("100.00"), expires_at=at(2026, 2, 1, 0, 0, 1)
    )
    other = CreditGrantFactory(tenant=tenant, customer=customer, amount=Decimal("30.00"), priority=90)
    now = at(2026, 2, 1, 2)
    subs = list(customer.subscriptions.values_list("pk", flat=True))
    jobs = [
        *(lambda pk=pk: subscription_cancel(tenant=tenant.id, subscription_id=pk, at_period_end=False, now=now) for pk in subs),
        lambda: grants_expire(tenant=tenant.id, at=now),
        lambda: credit_grant_void(tenant=tenant.id, grant_id=other.pk),
    ]  # fmt: skip

    results = at_once(jobs, tenant=tenant.id)

    assert not [r for r in results if isinstance(r, BaseException) and not isinstance(r, Conflict)], results
    for each in (grant, other):
        assert_invariants(each)
    grant.refresh_from_db()
    other.refresh_from_db()
    assert grant.status in ("expired", "depleted")
    assert other.status == "voided"
    # Whatever the order, nothing was used twice: what was used is at most what there was.
    assert grant.used + other.used <= Decimal("130.00")
