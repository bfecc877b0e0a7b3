"""What ingestion costs alerts, and what schedules their evaluation (metrics.alert_watch,
metrics.receivers): usage through the API, credit grants and invoices that use them
schedule a debounced evaluation; no query per event, one Redis round trip at most."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings

from invoices.tests.factories import CreditGrantFactory, bill
from metrics import alert_evaluation, alert_watch, alerts, tasks
from metrics.models import Alert
from plans.models import Meter
from plans.pricing import ChargeSpec
from plans.tests.factories import PlanFactory, add_charge
from subscriptions.tests.factories import SubscriptionFactory
from tenants.tests.utils import at
from usage.tests.factories import use
from webhooks.models import Event
from webhooks.tests.factories import WebhookEndpointFactory

pytestmark = pytest.mark.django_db

JAN_10 = at(2026, 1, 10)


@pytest.fixture
def sub(tenant):
    WebhookEndpointFactory(tenant=tenant, url="https://hooks.example.com/alerts")
    plan = PlanFactory(tenant=tenant, amount=Decimal("49.00"))
    add_charge(plan, ChargeSpec.per_unit(Decimal("0.10")), meter="api_calls", aggregation=Meter.Aggregation.SUM)
    return SubscriptionFactory(tenant=tenant, plan=plan, start_at=at(2026, 1, 1))


@pytest.fixture(autouse=True)
def _forget_alerting_subscriptions():
    alert_watch._SUBSCRIPTIONS.clear()
    yield
    alert_watch._SUBSCRIPTIONS.clear()


def alert(sub, type="usage_amount", thresholds=("10",)) -> Alert:
    return alerts.alert_create(
        tenant=sub.tenant_id, subscription_id=sub.pk, type=type, thresholds=[Decimal(t) for t in thresholds]
    )


def triggered() -> list[tuple[str, str]]:
    return sorted((e.data["threshold"], e.data["value"]) for e in Event.objects.filter(type="alert.triggered"))


def test_usage_posted_through_the_api_fires_the_alert(key_api, turl, sub, django_capture_on_commit_callbacks):
    alert(sub, thresholds=["10", "20"])
    event = {
        "external_customer_id": sub.customer.external_id,
        "meter": "api_calls",
        "timestamp": "2026-01-10T00:00:00Z",
    }

    with time_machine.travel(JAN_10, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            single = key_api.post(turl("usage"), {**event, "value": "150"}, format="json", HTTP_IDEMPOTENCY_KEY="a")
        batch = [{**event, "value": "30", "idempotency_key": f"b{n}"} for n in range(3)]
        with django_capture_on_commit_callbacks(execute=True):
            many = key_api.post(turl("usage/batch"), {"events": batch}, format="json")

    assert (single.status_code, many.status_code) == (201, 200), (single.content, many.content)
    assert triggered() == [("10.00", "15.00"), ("20.00", "24.00")]


def test_usage_of_a_customer_without_alerts_schedules_nothing(
    key_api, turl, sub, tenant, django_capture_on_commit_callbacks
):
    other = SubscriptionFactory(tenant=tenant, plan=sub.plan, start_at=at(2026, 1, 1))
    alert(other, thresholds=["0"])
    event = {"external_customer_id": sub.customer.external_id, "meter": "api_calls", "value": "500",
             "timestamp": "2026-01-10T00:00:00Z"}  # fmt: skip

    with time_machine.travel(JAN_10, tick=False), django_capture_on_commit_callbacks(execute=True):
        assert key_api.post(turl("usage"), event, format="json", HTTP_IDEMPOTENCY_KEY="a").status_code == 201

    assert triggered() == []
    assert not alert_watch._client(settings.ALERTS_REDIS_URL).exists(alert_watch._pending_key(sub.pk))


def test_one_evaluation_is_pending_per_subscription_until_it_starts(sub):
    alert(sub)
    scheduled: list[uuid.UUID] = []

    first = alert_watch.alerts_schedule(sub.tenant_id, [sub.pk, sub.pk], scheduled.extend)
    again = alert_watch.alerts_schedule(sub.tenant_id, [sub.pk], scheduled.extend)
    alert_watch.alert_pending_clear([sub.pk])  # the task starts
    after = alert_watch.alerts_schedule(sub.tenant_id, [sub.pk], scheduled.extend)

    assert (first, again, after) == ([sub.pk], [], [sub.pk])
    assert scheduled == [sub.pk, sub.pk]
    ttl = alert_watch._client(settings.ALERTS_REDIS_URL).ttl(alert_watch._pending_key(sub.pk))
    assert 0 < ttl <= settings.ALERTS_EVALUATION_DELAY_SECONDS + 60


def test_the_ingestion_path_queries_nothing_once_it_knows_the_tenants_alerts(sub, tenant, django_assert_num_queries):
    alert(sub)
    scheduled: list[uuid.UUID] = []
    with django_assert_num_queries(1):  # learns which subscriptions have alerts
        alert_watch.alerts_note_usage(tenant.pk, {sub.customer_id}, scheduled.extend)

    with django_assert_num_queries(0):
        for _ in range(100):
            alert_watch.alerts_note_usage(tenant.pk, {sub.customer_id, uuid.uuid4()}, scheduled.extend)

    assert scheduled == [sub.pk]  # the debounce: once until the evaluation starts


def test_a_tenant_without_alerts_costs_one_query_per_cache_period(other_tenant, django_assert_num_queries):
    with django_assert_num_queries(1):
        alert_watch.alerts_note_usage(other_tenant.pk, {uuid.uuid4()}, pytest.fail)
    with django_assert_num_queries(0):
        alert_watch.alerts_note_usage(other_tenant.pk, {uuid.uuid4()}, pytest.fail)


def test_creating_an_alert_forgets_the_cached_list_and_evaluates_soon(sub, tenant, django_capture_on_commit_callbacks):
    assert alert_watch.alerting_subscriptions(tenant.pk) == {}
    use(sub, "api_calls", 200, at(2026, 1, 5))

    with time_machine.travel(JAN_10, tick=False), django_capture_on_commit_callbacks(execute=True):
        alert(sub, thresholds=["15"])

    assert alert_watch.alerting_subscriptions(tenant.pk) == {sub.customer_id: [sub.pk]}
    assert triggered() == [("15.00", "20.00")]


def test_invoices_that_use_credits_evaluate_credit_balance_alerts(sub, tenant, django_capture_on_commit_callbacks):
    CreditGrantFactory(tenant=tenant, customer=sub.customer, amount=Decimal("20.00"), effective_at=at(2026, 1, 1))
    alert(sub, type="credit_balance", thresholds=["5"])

    with django_capture_on_commit_callbacks(execute=True):
        bill(tenant, at(2026, 2, 1))  # 49.00: the grant's 20.00 pays part of it

    assert triggered() == [("5.00", "0.00")]


def test_a_new_grant_evaluates_credit_balance_alerts(
    sub, tenant, admin_user, client_for, turl, django_capture_on_commit_callbacks
):
    alert(sub, type="credit_balance", thresholds=["5"])
    body = {"amount": "3.00", "currency": "USD", "category": "promotional", "effective_at": "2026-01-01T00:00:00Z"}

    with time_machine.travel(JAN_10, tick=False), django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin_user).post(turl(f"customers/{sub.customer_id}/credit-grants"), body, format="json")

    assert response.status_code == 201, response.content
    assert triggered() == [("5.00", "3.00")]


def test_a_request_queues_one_evaluation_for_all_the_subscriptions_it_marked(sub, tenant):
    others = [SubscriptionFactory(tenant=tenant, plan=sub.plan, start_at=at(2026, 1, 1)) for _ in range(2)]
    for s in (sub, *others):
        alert(s)
    alert_watch.alert_pending_clear([s.pk for s in (sub, *others)])
    calls: list[list[uuid.UUID]] = []
    customers = {s.customer_id for s in (sub, *others)}

    alert_watch.alerts_note_usage(tenant.pk, customers, calls.append)
    alert_watch.alerts_note_usage(tenant.pk, customers, calls.append)  # all pending: nothing

    assert len(calls) == 1
    assert sorted(calls[0]) == sorted(s.pk for s in (sub, *others))


def test_the_evaluation_task_clears_every_mark_it_covers_before_it_reads(sub, tenant, settings):
    other = SubscriptionFactory(tenant=tenant, plan=sub.plan, start_at=at(2026, 1, 1))
    alert(sub, thresholds=["10"])
    alert(other, thresholds=["10"])
    use(sub, "api_calls", 150, at(2026, 1, 5))
    redis = alert_watch._client(settings.ALERTS_REDIS_URL)
    keys = [alert_watch._pending_key(s.pk) for s in (sub, other)]
    alert_watch.alert_pending_clear([sub.pk, other.pk])
    assert alert_watch.alerts_schedule(tenant.pk, [sub.pk, other.pk], lambda ids: None) == [sub.pk, other.pk]
    assert redis.exists(*keys) == 2

    with time_machine.travel(JAN_10, tick=False):
        fired = tasks.alerts_evaluate_subscriptions(str(tenant.pk), [str(sub.pk), str(other.pk)])

    assert (fired, redis.exists(*keys)) == (1, 0)
    assert triggered() == [("10.00", "15.00")]


def test_evaluations_are_queued_in_chunks_of_the_evaluation_batch(tenant, monkeypatch):
    queued: list[tuple[str, list[str]]] = []
    monkeypatch.setattr(alert_evaluation, "EVALUATION_BATCH", 2)
    monkeypatch.setattr(tasks.alerts_evaluate_subscriptions, "apply_async", lambda args, countdown: queued.append(args))
    ids = [uuid.uuid4() for _ in range(5)]

    tasks.alerts_evaluate_later(tenant.pk)(ids)

    assert queued == [(str(tenant.pk), [str(i) for i in ids[n : n + 2]]) for n in (0, 2, 4)]


def test_a_task_queued_by_the_previous_release_still_evaluates_its_subscription(sub, tenant):
    alert(sub, thresholds=["10"])
    use(sub, "api_calls", 150, at(2026, 1, 5))
    alert_watch.alerts_schedule(tenant.pk, [sub.pk], lambda ids: None)

    with time_machine.travel(JAN_10, tick=False):
        fired = tasks.alerts_evaluate_subscription(str(tenant.pk), str(sub.pk))

    assert fired == 1
    assert triggered() == [("10.00", "15.00")]
    assert not alert_watch._client(settings.ALERTS_REDIS_URL).exists(alert_watch._pending_key(sub.pk))
