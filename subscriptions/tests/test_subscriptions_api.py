"""The subscriptions endpoints: create (periods, trials, backfills, rules), list, detail,
roles (other tenants are the battery's). The clock is moved with time-machine."""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta

import pytest
import time_machine

from plans.models import Plan
from plans.tests.factories import PlanFactory, add_charge
from subscriptions.models import Subscription
from subscriptions.services import (
    START_AT_OUT_OF_RANGE,
    SUBSCRIPTION_CUSTOMER_NOT_FOUND,
    SUBSCRIPTION_METER_TAKEN,
    SUBSCRIPTION_NOT_FOUND,
    SUBSCRIPTION_PLAN_INACTIVE,
    SUBSCRIPTION_PLAN_NOT_FOUND,
)
from subscriptions.tests.factories import CustomerFactory, SubscriptionFactory
from tenants.fields import TIME_WITHOUT_OFFSET
from tenants.tests.utils import at, ts
from webhooks.models import Event, EventType, WebhookDelivery
from webhooks.tests.factories import WebhookEndpointFactory

pytestmark = pytest.mark.django_db


def period(body: dict) -> tuple[datetime | None, datetime | None]:
    return ts(body["current_period_start"]), ts(body["current_period_end"])


def only_error(response) -> tuple[str, dict]:
    body = response.json()
    assert len(body["errors"]) == 1, body
    return body["type"], body["errors"][0]


@pytest.fixture
def api_at(admin_user, client_for):
    """`with api_at(moment) as api:` an admin client whose clock (and token) is at `moment`."""

    @contextmanager
    def travel(moment: datetime):
        with time_machine.travel(moment, tick=False):
            yield client_for(admin_user)

    return travel


@pytest.fixture
def customer(tenant):
    return CustomerFactory(tenant=tenant, external_id="cus_42")


@pytest.fixture
def plan(tenant):
    return PlanFactory(tenant=tenant, code="pro", interval=Plan.Interval.MONTH, trial_days=0)


def create(api, turl, customer, plan, **extra):
    return api.post(turl("subscriptions"), {"customer_id": str(customer.id), "plan_id": str(plan.id), **extra})


# Create: periods, trials, backfills ---------------------------------------------------


def test_create_without_a_trial_is_active_from_now(api_at, turl, customer, plan):
    with api_at(at(2026, 1, 31, 10, 30)) as api:
        response = create(api, turl, customer, plan)
    assert response.status_code == 201
    body = response.json()
    now = "2026-01-31T10:30:00.000000Z"
    assert body == {
        "id": str(Subscription.objects.get().id),
        "customer_id": str(customer.id),
        "plan_id": str(plan.id),
        "status": "active",
        "start_at": now,
        "trial_end": None,
        "current_period_start": now,
        "current_period_end": "2026-02-28T10:30:00.000000Z",
        "cancel_at_period_end": False,
        "canceled_at": None,
        "pending_change": None,
        "created_at": now,
    }


def test_create_stores_the_anchor_and_the_period_index(api_at, turl, customer, plan):
    with api_at(at(2026, 1, 31)) as api:
        response = create(api, turl, customer, plan)
    subscription = Subscription.objects.get(pk=response.json()["id"])
    assert (subscription.billing_anchor, subscription.period_index) == (at(2026, 1, 31), 0)
    assert subscription.tenant_id == customer.tenant_id
    # The invoice run rolls forward from the anchor: Feb 28, then Mar 31 (no drift to Mar 28).
    assert subscription.next_period() == (1, at(2026, 2, 28), at(2026, 3, 31))
    assert subscription.period_bounds(2) == (at(2026, 3, 31), at(2026, 4, 30))


def test_the_plans_trial_makes_a_trialing_subscription(api_at, turl, customer, tenant):
    plan = PlanFactory(tenant=tenant, trial_days=14)
    with api_at(at(2026, 1, 17, 9)) as api:
        response = create(api, turl, customer, plan)
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "trialing"
    assert ts(body["trial_end"]) == at(2026, 1, 31, 9)
    # During the trial the current period is the trial window.
    assert period(body) == (at(2026, 1, 17, 9), at(2026, 1, 31, 9))
    subscription = Subscription.objects.get(pk=body["id"])
    assert (subscription.billing_anchor, subscription.period_index) == (at(2026, 1, 31, 9), None)
    # The first billed period starts at trial_end and follows it by calendar months.
    assert subscription.next_period() == (0, at(2026, 1, 31, 9), at(2026, 2, 28, 9))
    assert subscription.period_bounds(1) == (at(2026, 2, 28, 9), at(2026, 3, 31, 9))


def test_trial_days_overrides_the_plans(api_at, turl, customer, tenant):
    plan = PlanFactory(tenant=tenant, trial_days=14)
    with api_at(at(2026, 3, 1)) as api:
        response = create(api, turl, customer, plan, trial_days=30)
    assert (response.json()["status"], ts(response.json()["trial_end"])) == ("trialing", at(2026, 3, 31))


def test_trial_days_zero_is_active_at_once_even_if_the_plan_has_a_trial(api_at, turl, customer, tenant):
    plan = PlanFactory(tenant=tenant, trial_days=14)
    with api_at(at(2026, 3, 1)) as api:
        response = create(api, turl, customer, plan, trial_days=0)
    body = response.json()
    assert (body["status"], body["trial_end"]) == ("active", None)
    assert period(body) == (at(2026, 3, 1), at(2026, 4, 1))


def test_a_null_trial_days_means_the_plans(api_at, turl, customer, tenant):
    plan = PlanFactory(tenant=tenant, trial_days=7)
    with api_at(at(2026, 3, 1)) as api:
        response = create(api, turl, customer, plan, trial_days=None, start_at=None)
    assert ts(response.json()["trial_end"]) == at(2026, 3, 8)
    assert ts(response.json()["start_at"]) == at(2026, 3, 1)


@pytest.mark.parametrize("trial_days", ["1_4", " 14", "+14"])
def test_trial_days_in_a_python_only_spelling_is_400(api, turl, customer, plan, trial_days):
    response = create(api, turl, customer, plan, trial_days=trial_days)
    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [("trial_days", "invalid")]
    assert not Subscription.objects.exists()


@pytest.mark.parametrize("start_at", ["2026-01-31T00:00:00", "2026-01-31"])
def test_a_start_at_without_an_offset_is_400(api_at, turl, customer, plan, start_at):
    with api_at(at(2026, 6, 15)) as api:
        response = create(api, turl, customer, plan, start_at=start_at)
    assert response.status_code == 400
    assert response.json()["errors"] == [{"code": "naive", "detail": TIME_WITHOUT_OFFSET, "attr": "start_at"}]
    assert not Subscription.objects.exists()


def test_a_past_start_at_is_a_backfill_from_the_first_period(api_at, turl, customer, plan):
    with api_at(at(2026, 6, 15)) as api:
        response = create(api, turl, customer, plan, start_at="2026-01-31T00:00:00Z")
    assert response.status_code == 201
    body = response.json()
    assert (body["status"], ts(body["start_at"])) == ("active", at(2026, 1, 31))
    # The current period is the first one, not the one containing now: the invoice
    # run then catches up Jan 31 → Feb 28 → Mar 31 → Apr 30 → May 31 → ... one by one.
    assert period(body) == (at(2026, 1, 31), at(2026, 2, 28))
    subscription = Subscription.objects.get(pk=body["id"])
    assert [subscription.period_bounds(n)[0].date().isoformat() for n in range(5)] == [
        "2026-01-31",
        "2026-02-28",
        "2026-03-31",
        "2026-04-30",
        "2026-05-31",
    ]


def test_a_past_start_at_with_a_trial_starts_in_the_trial_window(api_at, turl, customer, tenant):
    plan = PlanFactory(tenant=tenant, trial_days=14)
    with api_at(at(2026, 6, 15)) as api:
        response = create(api, turl, customer, plan, start_at="2026-01-01T00:00:00Z")
    body = response.json()
    assert (body["status"], ts(body["trial_end"])) == ("trialing", at(2026, 1, 15))
    assert period(body) == (at(2026, 1, 1), at(2026, 1, 15))


def test_start_at_with_an_offset_is_stored_in_utc(api, turl, customer, plan):
    response = create(api, turl, customer, plan, start_at="2026-02-01T01:00:00+02:00")
    body = response.json()
    assert body["start_at"] == "2026-01-31T23:00:00.000000Z"
    assert period(body) == (at(2026, 1, 31, 23), at(2026, 2, 28, 23))


def test_a_yearly_plan_on_feb_29_clamps_to_feb_28(api, turl, customer, tenant):
    plan = PlanFactory(tenant=tenant, interval=Plan.Interval.YEAR)
    response = create(api, turl, customer, plan, start_at="2024-02-29T00:00:00Z")
    assert period(response.json()) == (at(2024, 2, 29), at(2025, 2, 28))
    subscription = Subscription.objects.get(pk=response.json()["id"])
    assert subscription.period_bounds(4) == (at(2028, 2, 29), at(2029, 2, 28))


# Create: validation and rules ---------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "attr"),
    [
        ({"trial_days": -1}, "trial_days"),
        ({"trial_days": 731}, "trial_days"),
        ({"trial_days": "soon"}, "trial_days"),
        ({"start_at": "yesterday"}, "start_at"),
    ],
)
def test_invalid_fields_are_400_naming_the_field(api, turl, customer, plan, extra, attr):
    response = create(api, turl, customer, plan, **extra)
    assert response.status_code == 400
    assert only_error(response)[1]["attr"] == attr
    assert Subscription.objects.count() == 0


@pytest.mark.parametrize("start_at", ["1969-12-31T23:59:59Z", "3000-01-01T00:00:00Z"])
def test_start_at_must_be_in_a_sane_range(api, turl, customer, plan, start_at):
    response = create(api, turl, customer, plan, start_at=start_at)
    assert response.status_code == 400
    assert only_error(response) == (
        "validation_error",
        {"code": "out_of_range", "detail": START_AT_OUT_OF_RANGE, "attr": "start_at"},
    )


def test_missing_ids_are_400(api, turl):
    response = api.post(turl("subscriptions"), {})
    assert response.status_code == 400
    assert {e["attr"] for e in response.json()["errors"]} == {"customer_id", "plan_id"}


def test_a_malformed_id_is_400(api, turl, plan):
    response = api.post(turl("subscriptions"), {"customer_id": "cus_42", "plan_id": str(plan.id)})
    assert response.status_code == 400
    assert only_error(response)[1]["attr"] == "customer_id"


def test_another_tenants_or_unknown_customer_is_400_on_customer_id(api, turl, plan, other_tenant):
    theirs = CustomerFactory(tenant=other_tenant)
    for customer_id in (theirs.id, uuid.uuid4()):
        response = api.post(turl("subscriptions"), {"customer_id": str(customer_id), "plan_id": str(plan.id)})
        assert response.status_code == 400
        assert only_error(response) == (
            "validation_error",
            {"code": "does_not_exist", "detail": SUBSCRIPTION_CUSTOMER_NOT_FOUND, "attr": "customer_id"},
        )
    assert Subscription.unscoped().count() == 0


def test_another_tenants_or_unknown_plan_is_400_on_plan_id(api, turl, customer, other_tenant):
    theirs = PlanFactory(tenant=other_tenant)
    for plan_id in (theirs.id, uuid.uuid4()):
        response = api.post(turl("subscriptions"), {"customer_id": str(customer.id), "plan_id": str(plan_id)})
        assert response.status_code == 400
        assert only_error(response) == (
            "validation_error",
            {"code": "does_not_exist", "detail": SUBSCRIPTION_PLAN_NOT_FOUND, "attr": "plan_id"},
        )
    assert Subscription.unscoped().count() == 0


def test_both_unknown_ids_are_reported_together(api, turl):
    response = api.post(turl("subscriptions"), {"customer_id": str(uuid.uuid4()), "plan_id": str(uuid.uuid4())})
    assert response.status_code == 400
    assert [(e["attr"], e["detail"]) for e in response.json()["errors"]] == [
        ("customer_id", SUBSCRIPTION_CUSTOMER_NOT_FOUND),
        ("plan_id", SUBSCRIPTION_PLAN_NOT_FOUND),
    ]


def test_an_inactive_plan_takes_no_new_subscriptions(api, turl, customer, tenant):
    plan = PlanFactory(tenant=tenant, code="legacy", active=False)
    response = create(api, turl, customer, plan)
    assert response.status_code == 409
    assert only_error(response) == (
        "client_error",
        {"code": "plan_inactive", "detail": SUBSCRIPTION_PLAN_INACTIVE.format(code="legacy"), "attr": "plan_id"},
    )
    assert Subscription.objects.count() == 0


def test_an_inactive_plan_keeps_its_existing_subscriptions(api, turl, customer, plan):
    existing = SubscriptionFactory(customer=customer, plan=plan)
    Plan.objects.filter(pk=plan.pk).update(active=False)
    assert api.get(turl(f"subscriptions/{existing.id}")).json()["status"] == "active"


def test_a_second_live_subscription_charging_the_same_meter_is_a_conflict(api, turl, customer, tenant):
    basic = PlanFactory(tenant=tenant, code="basic")
    add_charge(basic, meter="api_calls")
    pro = PlanFactory(tenant=tenant, code="pro")
    add_charge(pro, meter="seats")
    add_charge(pro, meter="api_calls")
    first = create(api, turl, customer, basic)
    assert first.status_code == 201

    response = create(api, turl, customer, pro)
    assert response.status_code == 409
    detail = SUBSCRIPTION_METER_TAKEN.format(subscription_id=first.json()["id"], meter="api_calls")
    assert only_error(response) == ("client_error", {"code": "meter_taken", "detail": detail, "attr": "plan_id"})
    assert "api_calls" in detail
    assert first.json()["id"] in detail
    assert Subscription.objects.filter(customer=customer).count() == 1


@pytest.mark.parametrize("other_status", [Subscription.Status.TRIALING, Subscription.Status.PAST_DUE])
def test_trialing_and_past_due_subscriptions_are_live_for_the_meter_rule(api, turl, customer, tenant, other_status):
    plan = PlanFactory(tenant=tenant)
    add_charge(plan, meter="api_calls")
    SubscriptionFactory(customer=customer, plan=plan, status=other_status)
    assert create(api, turl, customer, plan).status_code == 409


def test_a_canceled_subscription_frees_its_meters(api, turl, customer, tenant):
    plan = PlanFactory(tenant=tenant)
    add_charge(plan, meter="api_calls")
    SubscriptionFactory(customer=customer, plan=plan, status=Subscription.Status.CANCELED, canceled_at=at(2026, 1, 1))
    assert create(api, turl, customer, plan).status_code == 201


def test_plans_with_different_meters_or_no_meters_may_be_combined(api, turl, customer, tenant):
    calls, seats, flat = PlanFactory(tenant=tenant), PlanFactory(tenant=tenant), PlanFactory(tenant=tenant)
    add_charge(calls, meter="api_calls")
    add_charge(seats, meter="seats")
    assert [create(api, turl, customer, p).status_code for p in (calls, seats, flat, flat)] == [201, 201, 201, 201]


def test_another_customer_may_hold_the_same_meter(api, turl, customer, tenant):
    plan = PlanFactory(tenant=tenant)
    add_charge(plan, meter="api_calls")
    SubscriptionFactory(customer=CustomerFactory(tenant=tenant), plan=plan)
    assert create(api, turl, customer, plan).status_code == 201


# Outbound event -------------------------------------------------------------------------


def test_create_publishes_subscription_created_with_the_api_body(api, turl, customer, plan, tenant):
    endpoint = WebhookEndpointFactory(tenant=tenant, event_types=[EventType.SUBSCRIPTION_CREATED])
    response = create(api, turl, customer, plan)
    event = Event.objects.for_tenant(tenant).get()
    assert event.type == EventType.SUBSCRIPTION_CREATED
    assert event.data == response.json()
    delivery = WebhookDelivery.objects.for_tenant(tenant).get()
    assert (delivery.event_id, delivery.endpoint_id) == (event.id, endpoint.id)


def test_a_refused_subscription_publishes_nothing(api, turl, customer, tenant):
    plan = PlanFactory(tenant=tenant, active=False)
    assert create(api, turl, customer, plan).status_code == 409
    assert Event.unscoped().count() == 0


# List and detail ------------------------------------------------------------------------


def test_detail(api, turl, tenant):
    subscription = SubscriptionFactory(tenant=tenant, start_at=at(2026, 1, 31))
    response = api.get(turl(f"subscriptions/{subscription.id}"))
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["customer_id"], body["plan_id"]) == (
        str(subscription.id),
        str(subscription.customer_id),
        str(subscription.plan_id),
    )
    assert period(body) == (at(2026, 1, 31), at(2026, 2, 28))


def test_an_unknown_subscription_is_not_found(api, turl):
    # Another tenant's subscription is the battery's (billing_project/tests/test_battery.py).
    response = api.get(turl(f"subscriptions/{uuid.uuid4()}"))
    assert response.status_code == 404
    assert only_error(response) == (
        "client_error",
        {"code": "not_found", "detail": SUBSCRIPTION_NOT_FOUND, "attr": None},
    )


def test_list_is_newest_first_and_only_the_tenants(api, turl, tenant, other_tenant):
    older = SubscriptionFactory(tenant=tenant)
    newer = SubscriptionFactory(tenant=tenant)
    SubscriptionFactory(tenant=other_tenant)
    body = api.get(turl("subscriptions")).json()
    assert [s["id"] for s in body["results"]] == [str(newer.id), str(older.id)]


def test_list_filters_by_customer_plan_and_status(api, turl, tenant):
    customer = CustomerFactory(tenant=tenant)
    plan = PlanFactory(tenant=tenant)
    mine = SubscriptionFactory(customer=customer)
    on_plan = SubscriptionFactory(plan=plan)
    trialing = SubscriptionFactory(tenant=tenant, trial_days=14)

    def ids(**params):
        response = api.get(turl("subscriptions"), params)
        assert response.status_code == 200
        return {s["id"] for s in response.json()["results"]}

    assert ids(customer_id=customer.id) == {str(mine.id)}
    assert ids(plan_id=plan.id) == {str(on_plan.id)}
    assert ids(status="trialing") == {str(trialing.id)}
    assert ids(status="active") == {str(mine.id), str(on_plan.id)}
    assert ids(status="active", plan_id=plan.id) == {str(on_plan.id)}
    assert ids(customer_id=uuid.uuid4()) == set()


@pytest.mark.parametrize(("param", "value"), [("status", "paused"), ("customer_id", "cus_42"), ("plan_id", "x")])
def test_an_invalid_filter_is_400_naming_it(api, turl, param, value):
    response = api.get(turl("subscriptions"), {param: value})
    assert response.status_code == 400
    assert only_error(response)[1]["attr"] == param


def test_filtering_by_another_tenants_customer_shows_nothing(api, turl, other_tenant):
    theirs = SubscriptionFactory(tenant=other_tenant)
    response = api.get(turl("subscriptions"), {"customer_id": theirs.customer_id})
    assert response.json()["results"] == []


# Roles ----------------------------------------------------------------------


def test_a_viewer_reads_subscriptions(viewer_api, turl, tenant):
    existing = SubscriptionFactory(tenant=tenant)
    assert [s["id"] for s in viewer_api.get(turl("subscriptions")).json()["results"]] == [str(existing.id)]
    assert viewer_api.get(turl(f"subscriptions/{existing.id}")).json()["id"] == str(existing.id)


def test_members_and_api_keys_create_subscriptions(member_api, key_api, turl, tenant, plan):
    first, second = CustomerFactory(tenant=tenant), CustomerFactory(tenant=tenant)
    assert create(member_api, turl, first, plan).status_code == 201
    assert create(key_api, turl, second, plan).status_code == 201


def test_the_clock_moving_on_does_not_change_a_stored_period(api_at, turl, customer, plan):
    with api_at(at(2026, 1, 31)) as api:
        subscription_id = create(api, turl, customer, plan).json()["id"]
    with api_at(at(2026, 5, 1) + timedelta(hours=1)) as api:
        body = api.get(turl(f"subscriptions/{subscription_id}")).json()
    # Rolling periods forward is the invoice run's job, not a side effect of reading.
    assert period(body) == (at(2026, 1, 31), at(2026, 2, 28))
