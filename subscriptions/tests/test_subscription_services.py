"""subscription_create called directly, the selectors, the model's period helpers and
the constraints that the database enforces."""

from __future__ import annotations

import pytest
import time_machine
from django.db import IntegrityError, transaction

from plans.models import Plan
from plans.tests.factories import PlanFactory, add_charge
from subscriptions import selectors
from subscriptions.models import Subscription
from subscriptions.services import (
    START_AT_OUT_OF_RANGE,
    SUBSCRIPTION_CUSTOMER_NOT_FOUND,
    TRIAL_DAYS_OUT_OF_RANGE,
    subscription_create,
)
from subscriptions.tests.factories import CustomerFactory, SubscriptionFactory
from tenants.errors import ConflictError, Invalid
from tenants.tests.factories import TenantFactory
from tenants.tests.utils import at, at_once


@pytest.mark.django_db
def test_subscription_create_uses_the_clock_for_a_missing_start(tenant):
    customer, plan = CustomerFactory(tenant=tenant), PlanFactory(tenant=tenant, trial_days=3)
    with time_machine.travel(at(2026, 2, 27, 12), tick=False):
        subscription = subscription_create(tenant=tenant, customer_id=customer.id, plan_id=plan.id)
    assert (subscription.start_at, subscription.trial_end) == (at(2026, 2, 27, 12), at(2026, 3, 2, 12))
    assert (subscription.current_period_start, subscription.current_period_end) == (
        at(2026, 2, 27, 12),
        at(2026, 3, 2, 12),
    )
    assert subscription.in_trial_window
    assert subscription.created_at == at(2026, 2, 27, 12)


@pytest.mark.django_db
def test_subscription_create_refuses_another_tenants_customer(tenant, other_tenant):
    theirs = CustomerFactory(tenant=other_tenant)
    with pytest.raises(Invalid) as info:
        subscription_create(tenant=tenant, customer_id=theirs.id, plan_id=PlanFactory(tenant=tenant).id)
    assert info.value.detail == {"customer_id": [SUBSCRIPTION_CUSTOMER_NOT_FOUND]}


@pytest.mark.django_db
def test_next_period_rolls_from_the_anchor_without_drift():
    subscription = SubscriptionFactory(start_at=at(2026, 1, 31))
    ends = []
    for _ in range(4):
        n, start, end = subscription.next_period()
        assert start == subscription.current_period_end
        subscription.period_index, subscription.current_period_start, subscription.current_period_end = n, start, end
        ends.append(end.date().isoformat())
    assert ends == ["2026-03-31", "2026-04-30", "2026-05-31", "2026-06-30"]


@pytest.mark.django_db
def test_the_factory_shares_the_tenant_of_a_given_customer_or_plan(tenant):
    by_customer = SubscriptionFactory(customer=CustomerFactory(tenant=tenant))
    by_plan = SubscriptionFactory(plan=PlanFactory(tenant=tenant))
    by_tenant = SubscriptionFactory(tenant=tenant)
    for subscription in (by_customer, by_plan, by_tenant):
        assert subscription.tenant_id == subscription.customer.tenant_id == subscription.plan.tenant_id == tenant.id


@pytest.mark.django_db
def test_the_factory_makes_a_trial_with_trial_days():
    subscription = SubscriptionFactory(start_at=at(2026, 1, 1), trial_days=14)
    assert (subscription.status, subscription.trial_end, subscription.billing_anchor) == (
        Subscription.Status.TRIALING,
        at(2026, 1, 15),
        at(2026, 1, 15),
    )
    assert (subscription.period_index, subscription.current_period_end) == (None, at(2026, 1, 15))


@pytest.mark.django_db
def test_selectors_are_scoped_and_list_live_and_due_subscriptions(tenant, other_tenant):
    customer = CustomerFactory(tenant=tenant)
    due = SubscriptionFactory(customer=customer, start_at=at(2026, 1, 1))  # ends Feb 1
    trial_due = SubscriptionFactory(tenant=tenant, start_at=at(2026, 1, 20), trial_days=5)  # ends Jan 25
    SubscriptionFactory(tenant=tenant, start_at=at(2026, 1, 15))  # ends Feb 15: not yet
    canceled = SubscriptionFactory(
        customer=customer, start_at=at(2025, 1, 1), status=Subscription.Status.CANCELED, canceled_at=at(2025, 2, 1)
    )
    SubscriptionFactory(tenant=other_tenant, start_at=at(2025, 1, 1))

    assert list(selectors.subscription_list_due(tenant=tenant, as_of=at(2026, 2, 1))) == [trial_due, due]
    overlapping = selectors.subscription_list_overlapping
    assert list(overlapping(tenant=tenant, customer=customer, start=at(2026, 1, 1))) == [due]
    assert set(overlapping(tenant=tenant, customer=customer, start=at(2025, 1, 15))) == {due, canceled}
    assert list(overlapping(tenant=tenant, customer=customer, start=at(2025, 2, 1))) == [due]
    assert selectors.subscription_get(tenant=tenant, subscription_id=canceled.id) == canceled
    assert selectors.subscription_get(tenant=other_tenant, subscription_id=canceled.id) is None
    assert selectors.subscription_list(tenant=tenant).count() == 4


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "constraint"),
    [
        ({"current_period_end": at(2026, 1, 1)}, "subscription_period_not_empty"),
        (
            {
                "trial_end": at(2026, 1, 1),
                "billing_anchor": at(2026, 1, 1),
                "current_period_start": at(2026, 1, 1),
                "current_period_end": at(2026, 2, 1),
            },
            "subscription_trial_ends_after_start",
        ),
        ({"billing_anchor": at(2025, 12, 31)}, "subscription_anchor_not_before_start"),
        ({"period_index": None}, "subscription_only_trials_have_no_period_index"),
        ({"status": "paused"}, "subscription_status_valid"),
    ],
)
def test_the_database_refuses_inconsistent_subscriptions(fields, constraint):
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        SubscriptionFactory(start_at=at(2026, 1, 1), **fields)


@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_for_one_customer_cannot_both_take_a_meter():
    tenant = TenantFactory()
    customer = CustomerFactory(tenant=tenant)
    plans = [PlanFactory(tenant=tenant, interval=Plan.Interval.MONTH) for _ in range(2)]
    for plan in plans:
        add_charge(plan, meter="api_calls")
    results = at_once(
        [
            lambda plan=plan: subscription_create(tenant=tenant, customer_id=customer.id, plan_id=plan.id)
            for plan in plans
        ],
        tenant=tenant,
    )
    outcomes = ["conflict" if isinstance(r, ConflictError) else "created" for r in results]
    assert sorted(outcomes) == ["conflict", "created"]
    assert Subscription.objects.for_tenant(tenant).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("trial_days", [-1, 731])
def test_subscription_create_refuses_trial_days_out_of_range(tenant, trial_days):
    customer, plan = CustomerFactory(tenant=tenant), PlanFactory(tenant=tenant)
    with pytest.raises(Invalid) as info:
        subscription_create(tenant=tenant, customer_id=customer.id, plan_id=plan.id, trial_days=trial_days)
    assert info.value.detail == {"trial_days": [TRIAL_DAYS_OUT_OF_RANGE]}
    assert not Subscription.objects.exists()


@pytest.mark.django_db
def test_a_bad_start_at_is_reported_before_any_state_conflict(tenant):
    customer, plan = CustomerFactory(tenant=tenant), PlanFactory(tenant=tenant, active=False)
    with pytest.raises(Invalid) as info:
        subscription_create(tenant=tenant, customer_id=customer.id, plan_id=plan.id, start_at=at(1900, 1, 1))
    assert info.value.detail == {"start_at": [START_AT_OUT_OF_RANGE]}


def test_the_webhook_body_of_a_subscription_is_what_the_api_renders(tenant):
    from subscriptions.payloads import subscription_body
    from subscriptions.serializers import SubscriptionOutput

    trialing = SubscriptionFactory(tenant=tenant, start_at=at(2026, 1, 31), trial_days=3)
    canceled = SubscriptionFactory(
        tenant=tenant, start_at=at(2025, 1, 1), status=Subscription.Status.CANCELED, canceled_at=at(2025, 2, 1)
    )
    for sub in (trialing, canceled):
        assert subscription_body(sub) == SubscriptionOutput(sub).data
