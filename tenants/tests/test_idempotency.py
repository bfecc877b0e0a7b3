"""`Idempotency-Key` on every POST and DELETE of a tenant route (tenants.idempotency):
replays, 422 for another body, 409 in flight, scope, what is kept, expiry, the sealed
API key, and concurrency on real threads against the real database."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import connection
from rest_framework.test import APIClient

from billing_project.tests.test_settings import load_settings
from invoices.models import Invoice, InvoiceRun
from invoices.services import invoice_due_subscriptions
from plans.models import Meter, Plan
from plans.tests.factories import MeterFactory, PlanFactory
from subscriptions import services as subscription_services
from subscriptions.models import Customer, Subscription
from subscriptions.services import CUSTOMER_EXTERNAL_ID_TAKEN
from subscriptions.tests.factories import CustomerFactory, SubscriptionFactory
from tenants import idempotency, sealing
from tenants.errors import Conflict
from tenants.idempotency import BAD_IDEMPOTENCY_KEY, KEY_IN_FLIGHT, KEY_REUSED, idempotency_records_purge
from tenants.models import ApiKey, IdempotencyRecord, User, hash_api_key
from tenants.services import tenant_delete, tokens_for_user
from tenants.tests.utils import concurrently
from usage.models import UsageEvent
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.tests.factories import WebhookDeliveryFactory, WebhookEndpointFactory

pytestmark = pytest.mark.django_db

JAN_1 = datetime(2026, 1, 1, tzinfo=UTC)
FEB_1 = datetime(2026, 2, 1, tzinfo=UTC)


def send(client: APIClient, method: str, path: str, body: Any = None, key: str | None = None) -> Any:
    headers = {} if key is None else {"HTTP_IDEMPOTENCY_KEY": key}
    if method == "DELETE":
        return client.delete(path, body, format="json", **headers)
    return client.post(path, body, format="json", **headers)


def errors(response: Any) -> list[tuple[str | None, str]]:
    return [(e["attr"], e["detail"]) for e in response.json()["errors"]]


@pytest.fixture(autouse=True)
def _no_webhook_calls(monkeypatch):
    # Deliveries queued by these requests would call made-up URLs.
    from webhooks import tasks

    monkeypatch.setattr(tasks.webhook_delivery_attempt, "delay", lambda *args: None)


def open_invoice(tenant) -> Invoice:
    SubscriptionFactory(tenant=tenant, plan=PlanFactory(tenant=tenant, amount=Decimal("49.00")), start_at=JAN_1)
    with time_machine.travel(FEB_1 + timedelta(hours=1), tick=False):
        [invoice] = invoice_due_subscriptions(tenant=tenant.id, as_of=FEB_1).invoices
    return invoice


@dataclass
class Case:
    """One route: the request, another body for the same key, and a snapshot of what
    the route changes (equal before and after a replay)."""

    method: str
    path: str
    body: Any
    other_body: Any
    state: Callable[[], Any]


def customers(tenant) -> Case:
    return Case(
        "POST",
        "customers",
        {"external_id": "cus_1", "name": "Acme", "metadata": {"tier": "gold"}},
        {"external_id": "cus_1", "name": "Acme Inc"},
        lambda: list(Customer.objects.values_list("id", "name")),
    )


def meters(tenant) -> Case:
    return Case(
        "POST",
        "meters",
        {"code": "api_calls", "name": "API calls", "aggregation": "sum"},
        {"code": "api_calls", "name": "API calls", "aggregation": "count"},
        lambda: list(Meter.objects.values_list("id", "aggregation")),
    )


def plans(tenant) -> Case:
    body = {"code": "pro", "name": "Pro", "currency": "USD", "interval": "month", "amount": "49.00"}
    return Case("POST", "plans", body, {**body, "amount": "59.00"}, lambda: list(Plan.objects.values_list("id")))


def subscriptions(tenant) -> Case:
    customer, plan = CustomerFactory(tenant=tenant), PlanFactory(tenant=tenant)
    body = {"customer_id": str(customer.id), "plan_id": str(plan.id)}
    return Case(
        "POST", "subscriptions", body, {**body, "trial_days": 7}, lambda: list(Subscription.objects.values_list("id"))
    )


def cancel(tenant) -> Case:
    sub = SubscriptionFactory(tenant=tenant, start_at=JAN_1 + timedelta(days=400))
    return Case(
        "POST",
        f"subscriptions/{sub.id}/cancel",
        {"at_period_end": False},
        {"at_period_end": True},
        lambda: (list(Subscription.objects.values_list("status", "canceled_at")), Invoice.objects.count()),
    )


def invoice_void(tenant) -> Case:
    invoice = open_invoice(tenant)
    return Case(
        "POST",
        f"invoices/{invoice.id}/void",
        None,
        {"reason": "typo"},
        lambda: list(Invoice.objects.values_list("status", "voided_at")),
    )


def invoice_uncollectible(tenant) -> Case:
    invoice = open_invoice(tenant)
    return Case(
        "POST",
        f"invoices/{invoice.id}/mark-uncollectible",
        {},
        {"note": "gone"},
        lambda: list(Invoice.objects.values_list("status")),
    )


def invoice_run(tenant) -> Case:
    return Case(
        "POST",
        "invoices/run",
        {"as_of": "2026-02-01T00:00:00Z"},
        {"as_of": "2026-03-01T00:00:00Z"},
        lambda: list(InvoiceRun.objects.values_list("id", "as_of")),
    )


def webhook_endpoints(tenant) -> Case:
    body = {"url": "https://hooks.example.com/billing", "event_types": ["invoice.paid"]}
    return Case(
        "POST",
        "webhook-endpoints",
        body,
        {**body, "description": "other"},
        lambda: list(WebhookEndpoint.objects.values_list("id", "secret")),
    )


def webhook_endpoint_delete(tenant) -> Case:
    endpoint = WebhookEndpointFactory(tenant=tenant)
    return Case(
        "DELETE",
        f"webhook-endpoints/{endpoint.id}",
        None,
        {"force": True},
        lambda: WebhookEndpoint.objects.count(),
    )


def webhook_delivery_retry(tenant) -> Case:
    delivery = WebhookDeliveryFactory(tenant=tenant, status=WebhookDelivery.Status.DEAD, attempts=8)
    return Case(
        "POST",
        f"webhook-deliveries/{delivery.id}/retry",
        {},
        {"now": True},
        lambda: list(WebhookDelivery.objects.values_list("status", "attempts", "next_attempt_at")),
    )


def api_keys(tenant) -> Case:
    return Case(
        "POST", "api-keys", {"name": "backend"}, {"name": "frontend"}, lambda: list(ApiKey.objects.values_list("id"))
    )


def api_key_revoke(tenant) -> Case:
    key = ApiKey.objects.create(tenant=tenant, name="old", prefix="bk_old", key_hash="0" * 64)
    return Case(
        "DELETE", f"api-keys/{key.id}", None, {"why": "leak"}, lambda: list(ApiKey.objects.values_list("revoked_at"))
    )


def users(tenant) -> Case:
    body = {"email": "new@acme.test", "password": "a-long-passphrase-1", "role": "member"}
    return Case("POST", "users", body, {**body, "role": "viewer"}, lambda: list(User.objects.values_list("id", "role")))


def usage_batch(tenant) -> Case:
    CustomerFactory(tenant=tenant, external_id="cus_42")
    MeterFactory(tenant=tenant, code="api_calls")
    events = [{"idempotency_key": f"e-{i}", "external_customer_id": "cus_42", "meter": "api_calls"} for i in range(2)]
    return Case(
        "POST",
        "usage/batch",
        {"events": events},
        {"events": events[:1]},
        lambda: list(UsageEvent.objects.values_list("id")),
    )


CASES = {
    f.__name__: f
    for f in (
        customers,
        meters,
        plans,
        subscriptions,
        cancel,
        invoice_void,
        invoice_uncollectible,
        invoice_run,
        webhook_endpoints,
        webhook_endpoint_delete,
        webhook_delivery_retry,
        api_keys,
        api_key_revoke,
        users,
        usage_batch,
    )
}


@pytest.mark.parametrize("name", CASES)
def test_a_retry_gets_the_first_answer_again_and_changes_nothing(name, api, turl, tenant):
    case = CASES[name](tenant)
    first = send(api, case.method, turl(case.path), case.body, key="retry-1")
    assert first.status_code < 300, first.content
    assert "Idempotent-Replayed" not in first.headers
    after_first = case.state()

    again = send(api, case.method, turl(case.path), case.body, key="retry-1")

    assert (again.status_code, again.content) == (first.status_code, first.content)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert case.state() == after_first
    assert IdempotencyRecord.objects.for_tenant(tenant).count() == 1


@pytest.mark.parametrize("name", CASES)
def test_the_same_key_with_another_body_is_422_and_changes_nothing(name, api, turl, tenant):
    case = CASES[name](tenant)
    first = send(api, case.method, turl(case.path), case.body, key="k")
    assert first.status_code < 300, first.content
    after_first = case.state()

    other = send(api, case.method, turl(case.path), case.other_body, key="k")

    assert other.status_code == 422
    assert errors(other) == [(None, KEY_REUSED)]
    assert other.json()["errors"][0]["code"] == "idempotency_key_reused"
    assert case.state() == after_first


def test_the_body_is_compared_as_json_not_as_text(api, turl):
    first = api.generic("POST", turl("meters"), '{"code": "m", "name": "M", "aggregation": "count"}',
                        content_type="application/json", HTTP_IDEMPOTENCY_KEY="k")  # fmt: skip
    again = api.generic("POST", turl("meters"), '{"aggregation":"count","name":"M","code":"m"}',
                        content_type="application/json", HTTP_IDEMPOTENCY_KEY="k")  # fmt: skip
    assert (first.status_code, again.status_code, again.headers["Idempotent-Replayed"]) == (201, 201, "true")
    assert again.json() == first.json()
    assert Meter.objects.count() == 1


def test_the_replayed_api_key_works_and_the_database_keeps_it_sealed(api, turl, client_for_key, tenant):
    first = send(api, "POST", turl("api-keys"), {"name": "backend"}, key="k").json()
    again = send(api, "POST", turl("api-keys"), {"name": "backend"}, key="k").json()

    assert again == first
    assert ApiKey.objects.get().key_hash == hash_api_key(again["key"])
    assert client_for_key(again["key"]).get(turl("customers")).status_code == 200
    stored = IdempotencyRecord.objects.get().body
    assert first["key"] not in stored
    assert '"key":"sealed:v1:' in stored


def test_a_sealed_value_opens_only_unaltered_and_under_the_same_secret(settings):
    token = sealing.seal("bk_secret")
    assert sealing.unseal(token) == "bk_secret"
    assert sealing.seal("bk_secret") != token  # a fresh nonce each time
    altered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert sealing.unseal(altered) is None
    assert sealing.unseal("bk_secret") is None
    settings.SECRET_KEY = "another-secret-key-for-this-test"
    assert sealing.unseal(token) is None


def test_a_sealed_value_still_opens_after_the_secret_key_is_rotated(settings):
    token = sealing.seal("bk_secret")
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "the-next-secret-key-for-this-test"
    assert sealing.unseal(token) == "bk_secret"
    assert sealing.unseal(sealing.seal("bk_other")) == "bk_other"  # sealed under the new key


def test_the_invoice_run_replays_the_same_run_and_queues_it_once(api, turl, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as queued:
        first = send(api, "POST", turl("invoices/run"), {}, key="run-1")
        again = send(api, "POST", turl("invoices/run"), {}, key="run-1")
    assert (first.status_code, again.status_code) == (202, 202)
    assert again.json()["id"] == first.json()["id"] == str(InvoiceRun.objects.get().id)
    assert len(queued) == 1


def test_without_the_header_nothing_changes(api, turl):
    body = {"external_id": "cus_1", "name": "Acme"}
    assert send(api, "POST", turl("customers"), body).status_code == 201
    second = send(api, "POST", turl("customers"), body)
    assert second.status_code == 409
    assert errors(second) == [("external_id", CUSTOMER_EXTERNAL_ID_TAKEN.format(external_id="cus_1"))]
    assert "Idempotent-Replayed" not in second.headers
    assert not IdempotencyRecord.objects.exists()


def test_keys_are_per_tenant(api, other_api, turl, tenant, other_tenant):
    body = {"external_id": "cus_1", "name": "Acme"}
    mine = send(api, "POST", turl("customers"), body, key="shared")
    theirs = send(other_api, "POST", f"/v1/tenants/{other_tenant.id}/customers", body, key="shared")
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in theirs.headers
    assert mine.json()["id"] != theirs.json()["id"]
    assert Customer.objects.for_tenant(other_tenant).get().id == uuid.UUID(theirs.json()["id"])


def test_keys_are_per_path(api, turl, tenant):
    first = SubscriptionFactory(tenant=tenant)
    second = SubscriptionFactory(tenant=tenant, plan=first.plan)
    for sub in (first, second):
        response = send(api, "POST", turl(f"subscriptions/{sub.id}/cancel"), {"at_period_end": True}, key="k")
        assert response.status_code == 200
        assert "Idempotent-Replayed" not in response.headers
    assert list(Subscription.objects.values_list("cancel_at_period_end", flat=True)) == [True, True]
    assert IdempotencyRecord.objects.count() == 2


@pytest.mark.parametrize("key", ["", "x" * 256, "tab\there", "caf\u00e9"])
def test_a_bad_key_is_400_naming_the_header_and_changes_nothing(api, turl, key):
    # The test client sends the header as latin-1, as a real client would.
    response = send(api, "POST", turl("customers"), {"external_id": "cus_1", "name": "Acme"}, key=key)
    assert response.status_code == 400
    assert errors(response) == [("Idempotency-Key", BAD_IDEMPOTENCY_KEY)]
    assert not Customer.objects.exists()
    assert not IdempotencyRecord.objects.exists()


def test_the_role_is_checked_before_a_replay(api, viewer_api, turl):
    body = {"external_id": "cus_1", "name": "Acme"}
    assert send(api, "POST", turl("customers"), body, key="k").status_code == 201
    assert send(viewer_api, "POST", turl("customers"), body, key="k").status_code == 403


def test_a_client_error_is_kept_and_replayed(api, turl):
    bad = {"external_id": "cus_1"}  # no name
    first = send(api, "POST", turl("customers"), bad, key="k")
    again = send(api, "POST", turl("customers"), bad, key="k")
    assert (first.status_code, again.status_code) == (400, 400)
    assert again.content == first.content
    assert again.headers["Idempotent-Replayed"] == "true"
    fixed = send(api, "POST", turl("customers"), {**bad, "name": "Acme"}, key="k")
    assert fixed.status_code == 422  # a corrected request takes a new key
    assert not Customer.objects.exists()


def test_a_404_is_kept(api, turl):
    path = turl(f"invoices/{uuid.uuid4()}/void")
    assert send(api, "POST", path, key="k").status_code == 404
    again = send(api, "POST", path, key="k")
    assert (again.status_code, again.headers["Idempotent-Replayed"]) == (404, "true")


def test_a_409_is_not_kept_so_a_retry_runs_again(api, turl, tenant):
    taken = CustomerFactory(tenant=tenant, external_id="cus_1")
    body = {"external_id": "cus_1", "name": "Acme"}
    assert send(api, "POST", turl("customers"), body, key="k").status_code == 409
    assert not IdempotencyRecord.objects.exists()

    Customer.objects.filter(pk=taken.pk).update(external_id="cus_old")
    retry = send(api, "POST", turl("customers"), body, key="k")
    assert retry.status_code == 201
    assert "Idempotent-Replayed" not in retry.headers


def test_a_failed_answer_keeps_none_of_the_handlers_writes(api, turl, monkeypatch):
    create = subscription_services.customer_create

    def create_then_conflict(**kwargs):
        create(**kwargs)
        raise Conflict("Late conflict.", code="late")

    monkeypatch.setattr(subscription_services, "customer_create", create_then_conflict)
    response = send(api, "POST", turl("customers"), {"external_id": "cus_1", "name": "Acme"}, key="k")
    assert response.status_code == 409
    assert errors(response) == [(None, "Late conflict.")]
    assert not Customer.objects.exists()


def test_a_server_error_is_not_kept_and_leaves_nothing(admin_user, turl, monkeypatch):
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens_for_user(admin_user)['access']}")
    create = subscription_services.customer_create
    calls = []

    def create_then_crash(**kwargs):
        calls.append(1)
        customer = create(**kwargs)
        if len(calls) == 1:
            raise RuntimeError("crash after the write")
        return customer

    monkeypatch.setattr(subscription_services, "customer_create", create_then_crash)
    body = {"external_id": "cus_1", "name": "Acme"}
    assert send(client, "POST", turl("customers"), body, key="k").status_code == 500
    assert not Customer.objects.exists()
    assert not IdempotencyRecord.objects.exists()

    retry = send(client, "POST", turl("customers"), body, key="k")
    assert retry.status_code == 201
    assert "Idempotent-Replayed" not in retry.headers
    assert Customer.objects.get().id == uuid.UUID(retry.json()["id"])


def test_usage_ingestion_keeps_its_own_mechanism(key_api, turl, tenant):
    CustomerFactory(tenant=tenant, external_id="cus_42")
    MeterFactory(tenant=tenant, code="api_calls")
    event = {"external_customer_id": "cus_42", "meter": "api_calls"}
    assert send(key_api, "POST", turl("usage"), event, key="evt-1").status_code == 201
    again = send(key_api, "POST", turl("usage"), event, key="evt-1")
    assert again.status_code == 200  # usage's replay answers 200 with the stored event
    assert not IdempotencyRecord.objects.exists()


# Expiry


def test_a_key_is_remembered_24_hours_then_forgotten(admin_user, client_for, turl):
    start = datetime(2026, 5, 1, 12, tzinfo=UTC)

    def create_key_at(moment: datetime) -> Any:
        with time_machine.travel(moment, tick=False):  # a token of that moment: access tokens last 15 minutes
            return send(client_for(admin_user), "POST", turl("api-keys"), {"name": "backend"}, key="k")

    first = create_key_at(start)
    again = create_key_at(start + timedelta(hours=24) - timedelta(seconds=1))
    assert (again.headers["Idempotent-Replayed"], again.json()["id"]) == ("true", first.json()["id"])
    later = create_key_at(start + timedelta(hours=24, seconds=1))
    assert later.status_code == 201
    assert "Idempotent-Replayed" not in later.headers
    assert ApiKey.objects.count() == 2
    assert IdempotencyRecord.objects.get().created_at == start + timedelta(hours=24, seconds=1)


def test_the_purge_deletes_expired_records_only(tenant, other_tenant):
    now = datetime(2026, 5, 2, tzinfo=UTC)
    for owner, age in ((tenant, timedelta(hours=25)), (other_tenant, timedelta(days=3)), (tenant, timedelta(hours=23))):
        IdempotencyRecord.objects.create(
            tenant=owner, method="POST", path=f"/p/{age}", key="k", fingerprint="f", status_code=201,
            body="{}", created_at=now - age,
        )  # fmt: skip
    assert idempotency_records_purge(now=now) == 2
    assert [r.created_at for r in IdempotencyRecord.unscoped().all()] == [now - timedelta(hours=23)]


def test_the_purge_task_is_scheduled_hourly():
    from ops.management.commands.ensure_periodic_tasks import DEFAULT_SCHEDULES
    from tenants.tasks import idempotency_records_purge as task

    assert ("Idempotency records purge", task.name, 60) in DEFAULT_SCHEDULES


def test_a_ttl_below_24_hours_stops_start_up():
    result = load_settings(APP_ENV="development", IDEMPOTENCY_TTL_SECONDS="3600")
    assert result.returncode != 0
    assert "IDEMPOTENCY_TTL_SECONDS must be at least 86400" in result.stderr


# Concurrency: real threads, each with its own database connection (tests.utils.concurrently)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", ["customers", "subscriptions", "api_keys", "invoice_run", "webhook_endpoints"])
def test_concurrent_identical_requests_make_one_object(name, tenant, admin_user):
    case = CASES[name](tenant)
    path = f"/v1/tenants/{tenant.id}/{case.path}"

    answers = concurrently(12, lambda client: send(client, case.method, path, case.body, key="same"), admin_user)

    made = [a for a in answers if a.status_code < 300 and "Idempotent-Replayed" not in a.headers]
    assert len(made) == 1
    assert len(case.state()) == 1
    for answer in answers:
        if answer.status_code == 409:
            assert errors(answer) == [(None, KEY_IN_FLIGHT)]
        else:
            assert (answer.status_code, answer.content) == (made[0].status_code, made[0].content)


@pytest.mark.django_db(transaction=True)
def test_a_request_still_in_flight_is_409_then_replayed(tenant, admin_user, client_for, monkeypatch):
    entered, release = threading.Event(), threading.Event()
    create = subscription_services.customer_create

    def slow_create(**kwargs):
        entered.set()
        assert release.wait(10)
        return create(**kwargs)

    monkeypatch.setattr(subscription_services, "customer_create", slow_create)
    path, body = f"/v1/tenants/{tenant.id}/customers", {"external_id": "cus_1", "name": "Acme"}
    answers: list[Any] = []

    def first() -> None:
        try:
            answers.append(send(client_for(admin_user), "POST", path, body, key="k"))
        finally:
            connection.close()

    thread = threading.Thread(target=first)
    thread.start()
    assert entered.wait(10)
    in_flight = send(client_for(admin_user), "POST", path, body, key="k")
    release.set()
    thread.join()

    assert in_flight.status_code == 409
    assert errors(in_flight) == [(None, KEY_IN_FLIGHT)]
    assert in_flight.json()["errors"][0]["code"] == "idempotency_key_in_flight"
    assert answers[0].status_code == 201
    replay = send(client_for(admin_user), "POST", path, body, key="k")
    assert (replay.status_code, replay.json()) == (201, answers[0].json())
    assert Customer.objects.count() == 1


def test_the_lock_id_depends_on_every_part_of_the_scope():
    base = idempotency.Scope(uuid.UUID(int=1), "POST", "/v1/tenants/x/customers", "k", "f")
    others = [
        idempotency.Scope(uuid.UUID(int=2), "POST", base.path, "k", "f"),
        idempotency.Scope(base.tenant_id, "DELETE", base.path, "k", "f"),
        idempotency.Scope(base.tenant_id, "POST", "/v1/tenants/x/meters", "k", "f"),
        idempotency.Scope(base.tenant_id, "POST", base.path, "k2", "f"),
    ]
    assert len({base.lock_id, *(s.lock_id for s in others)}) == 5
    assert idempotency.Scope(base.tenant_id, "POST", base.path, "k", "other").lock_id == base.lock_id


def test_a_member_role_is_enough_where_the_route_allows_it(member_user, client_for, turl):
    response = send(client_for(member_user), "POST", turl("meters"), {"code": "m", "name": "M", "aggregation": "count"},
                    key="k")  # fmt: skip
    assert response.status_code == 201
    assert IdempotencyRecord.objects.get().path == turl("meters")


def test_records_do_not_outlive_their_tenant(api, turl, tenant):
    send(api, "POST", turl("meters"), {"code": "m", "name": "M", "aggregation": "count"}, key="k")
    assert IdempotencyRecord.objects.count() == 1
    tenant_delete(tenant=tenant)  # the service: the meter's audit entry goes only through it
    assert not IdempotencyRecord.unscoped().exists()


def test_every_post_and_delete_of_the_urlconf_honours_the_key_but_usage_ingestion():
    from tenants.tests.test_scoping import tenant_routes

    plain = set()
    for route, pattern in tenant_routes():
        view = pattern.callback.view_class
        for name in ("post", "delete"):
            handler = getattr(view, name, None)
            if handler is not None and getattr(handler, "__wrapped__", None) is None:
                plain.add((route, name))
    assert plain == {("v1/tenants/<uuid:tenant_id>/usage", "post")}
