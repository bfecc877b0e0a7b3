"""Committed MRR net of discounts (API.md Part 2, "Revenue metrics with Part 2"): the
flat fees of active and past_due subscriptions less their active `repeating` and
`forever` discounts, in the order attached, on the fee alone; `once` discounts, ended
ones and amounts of another currency do not count; usage MRR is before discounts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from invoices.tests.factories import run
from metrics.models import RevenueSnapshot
from metrics.selectors import mrr_for_tenant
from plans.tests.factories import CouponFactory
from subscriptions.discount_services import discount_create, discount_end
from subscriptions.tests.factories import CustomerFactory, SubscriptionFactory
from tenants.tests.utils import at
from usage.tests.factories import use

from .helpers import plan_with_usage, refresh

pytestmark = pytest.mark.django_db


def committed_and_usage(tenant, currency="USD"):
    row = RevenueSnapshot.objects.for_tenant(tenant).get(currency=currency)
    return row.committed_mrr, row.usage_mrr, row.mrr


def coupon(tenant, code, duration="forever", **terms):
    return CouponFactory(tenant=tenant, code=code, duration=duration, **terms)


def amount(value, currency="USD"):
    return {"percent_off": None, "amount_off": Decimal(value), "currency": currency}


def redeem(customer, code, sub=None):
    return discount_create(
        tenant=customer.tenant_id, customer_id=customer.id, coupon_code=code, subscription_id=sub and sub.id
    )


@pytest.fixture
def monthly(tenant):
    return plan_with_usage(tenant, code="monthly", amount="49.00")


def test_repeating_and_forever_discounts_lower_committed_mrr_in_order(tenant, monthly):
    customer = CustomerFactory(tenant=tenant)
    sub = SubscriptionFactory(tenant=tenant, customer=customer, plan=monthly, start_at=at(2026, 1, 1))
    coupon(tenant, "ten", **amount("10.00"))
    coupon(tenant, "half", duration="repeating", duration_in_periods=3, percent_off=Decimal("50"))
    redeem(customer, "ten")
    redeem(customer, "half", sub)
    use(sub, "storage_gb", "100", at(2026, 1, 5))  # 10.00 of usage
    run(tenant, at(2026, 2, 1))
    refresh(at(2026, 2, 1, 2))
    # (49.00 − 10.00) × 50 % = 19.50; the usage (10.00) counts before discounts.
    assert committed_and_usage(tenant) == (Decimal("19.5"), Decimal("10"), Decimal("29.5"))
    assert mrr_for_tenant(tenant=tenant.id).currencies[0].committed_mrr == Decimal("19.50")


def test_once_ended_and_other_currency_discounts_do_not_count(tenant, monthly):
    customer = CustomerFactory(tenant=tenant)
    SubscriptionFactory(tenant=tenant, customer=customer, plan=monthly, start_at=at(2026, 1, 1))
    coupon(tenant, "welcome", duration="once", **amount("5.00"))
    coupon(tenant, "euros", **amount("7.00", "EUR"))
    coupon(tenant, "gone", percent_off=Decimal("20"))
    redeem(customer, "welcome")
    redeem(customer, "euros")
    gone = redeem(customer, "gone")
    discount_end(tenant=tenant.id, customer_id=customer.id, discount_id=gone.id)
    refresh(at(2026, 1, 2))
    assert committed_and_usage(tenant)[0] == Decimal("49")


def test_a_discount_counts_on_its_subscription_and_its_plans_only(tenant, monthly):
    customer = CustomerFactory(tenant=tenant)
    yearly = plan_with_usage(tenant, code="yearly", amount="1200.00", interval="year")
    sub = SubscriptionFactory(tenant=tenant, customer=customer, plan=monthly, start_at=at(2026, 1, 1))
    SubscriptionFactory(tenant=tenant, customer=customer, plan=yearly, start_at=at(2026, 1, 1))
    coupon(tenant, "monthly-only", percent_off=Decimal("10"), plan_ids=[monthly.id])
    coupon(tenant, "sub-only", **amount("9.00"))
    coupon(tenant, "yearly-amount", **amount("120.00"))
    redeem(customer, "monthly-only")
    redeem(customer, "sub-only", sub)
    redeem(customer, "yearly-amount")  # for both: 120.00 a year off 1200.00, and all of the monthly's rest
    refresh(at(2026, 1, 2))
    # monthly: 49.00 − 10 % = 44.10, − 9.00 = 35.10, − 120.00 → 0; yearly: (1200 − 120) / 12 = 90
    assert committed_and_usage(tenant)[0] == Decimal("90")


def test_trials_add_nothing_whatever_their_discounts(tenant, monthly):
    customer = CustomerFactory(tenant=tenant)
    SubscriptionFactory(tenant=tenant, customer=customer, plan=monthly, start_at=at(2026, 1, 1), trial_days=14)
    coupon(tenant, "half", percent_off=Decimal("50"))
    redeem(customer, "half")
    refresh(at(2026, 1, 2))
    row = RevenueSnapshot.objects.for_tenant(tenant).get()
    assert (row.committed_mrr, row.trialing_subscriptions) == (Decimal("0"), 1)
