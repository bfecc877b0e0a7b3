"""Factories of customers and subscriptions, with valid boring defaults.

Related objects share one tenant: `SubscriptionFactory(tenant=t)` makes the customer
and the plan in `t`, and `SubscriptionFactory(customer=c)` or `(plan=p)` uses that
object's tenant for everything else. The default subscription is `active`, started
now, on a new monthly 49.00 USD plan without charges (add them with
`plans.tests.factories.add_charge`). `trial_days=14` gives a `trialing` one, and a
past `start_at` a backfill; the periods are computed like `subscription_create` does:

    sub = SubscriptionFactory(tenant=tenant, start_at=datetime(2026, 1, 31, tzinfo=UTC))
    sub.current_period_end  # 2026-02-28
"""

from __future__ import annotations

from typing import Any

import factory
from django.utils import timezone

from plans.tests.factories import CouponFactory, PlanFactory
from subscriptions import periods
from subscriptions.models import Customer, Discount, Subscription, SubscriptionSegment
from tenants.tests.factories import TenantOwnedFactory, in_tenant


class CustomerFactory(TenantOwnedFactory[Customer]):
    class Meta:
        model = Customer

    # Not cus_N: tests pick ids such as cus_42 by hand, and the sequence would meet them.
    external_id = factory.Sequence(lambda n: f"customer_{n}")
    name = factory.Sequence(lambda n: f"Customer {n}")
    email = factory.LazyAttribute(lambda c: f"{c.external_id}@example.test")
    metadata = factory.LazyFunction(dict)
    created_at = factory.LazyFunction(timezone.now)


def _first_period(o: Any) -> tuple[Any, Any]:
    return periods.first_period(o.start_at, o.trial_end, o.plan.interval)


class SubscriptionFactory(TenantOwnedFactory[Subscription]):
    """Made with its first segment (its plan from `start_at`), as `subscription_create` does."""

    class Meta:
        model = Subscription
        skip_postgeneration_save = True

    class Params:
        trial_days = 0

    customer = in_tenant(CustomerFactory)
    plan = in_tenant(PlanFactory)
    start_at = factory.LazyFunction(timezone.now)
    trial_end = factory.LazyAttribute(lambda o: periods.trial_end_for(o.start_at, o.trial_days))
    status = factory.LazyAttribute(
        lambda o: Subscription.Status.TRIALING if o.trial_end else Subscription.Status.ACTIVE
    )
    billing_anchor = factory.LazyAttribute(lambda o: periods.billing_anchor(o.start_at, o.trial_end))
    period_index = factory.LazyAttribute(lambda o: None if o.trial_end else 0)
    current_period_start = factory.LazyAttribute(lambda o: _first_period(o)[0])
    current_period_end = factory.LazyAttribute(lambda o: _first_period(o)[1])
    cancel_at_period_end = False
    canceled_at = None
    created_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def first_segment(obj: Subscription, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            SubscriptionSegment.objects.create(
                tenant=obj.tenant,
                subscription=obj,
                plan=obj.plan,
                start_at=obj.start_at,
                billing_anchor=obj.billing_anchor,
            )


class DiscountFactory(TenantOwnedFactory[Discount]):
    """A coupon (20 % off, forever) attached to a customer for all its subscriptions,
    after its other discounts. Counts no redemption: attach through
    `subscriptions.discount_services.discount_create` for that."""

    class Meta:
        model = Discount

    customer = in_tenant(CustomerFactory)
    subscription = None
    coupon = in_tenant(CouponFactory)
    position = factory.LazyAttribute(lambda o: o.customer.discounts.count())
    periods_used = 0
    amount_remaining = None
    created_at = factory.LazyFunction(timezone.now)
    ended_at = None
    end_reason = ""
