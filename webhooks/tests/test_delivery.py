"""Delivery against a real HTTP receiver: signing, body, retries with backoff, dead
letters, the SSRF guard at delivery time, and running an attempt twice."""

import ipaddress
import json
import socket
import threading
from datetime import timedelta

import pytest
import requests
import time_machine
from django.db import connection, transaction
from prometheus_client import REGISTRY
from standardwebhooks.webhooks import WebhookVerificationError

from tenants.isolation import tenant_scope
from webhooks import services, tasks, url_guard
from webhooks.models import EventType, WebhookDelivery
from webhooks.services import retry_delay, webhook_delivery_attempt
from webhooks.tests.conftest import INVOICE, T0, requests_to, verify
from webhooks.tests.factories import WebhookDeliveryFactory, WebhookEndpointFactory
from webhooks.transport import PinnedAddressAdapter


def _delivery(event):
    return WebhookDelivery.objects.for_tenant(event.tenant_id).get(event=event)


def _attempt_again(delivery):
    tasks.webhook_delivery_attempt(str(delivery.tenant_id), str(delivery.pk))
    delivery.refresh_from_db()
    return delivery


def _sample(name, **labels):
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_a_delivery_is_signed_per_standard_webhooks_and_verifies(endpoint, receiver, publish, tenant):
    event = publish(EventType.INVOICE_PAID, INVOICE)

    [request] = requests_to(receiver, "/hook")
    body = verify(request, endpoint.secret)
    assert body == {
        "id": event.public_id,
        "type": "invoice.paid",
        "created_at": event.created_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "tenant_id": str(tenant.id),
        "data": INVOICE,
    }
    assert request.headers["webhook-id"] == event.public_id
    assert request.headers["content-type"] == "application/json"
    assert event.public_id.startswith("evt_")


def test_the_signature_does_not_verify_with_another_secret(endpoint, receiver, publish):
    publish()
    [request] = requests_to(receiver, "/hook")
    other = WebhookEndpointFactory(tenant=endpoint.tenant)
    with pytest.raises(WebhookVerificationError):
        verify(request, other.secret)


def test_a_2xx_answer_marks_the_delivery_succeeded(endpoint, publish):
    with time_machine.travel(T0, tick=False):
        delivery = _delivery(publish())

    assert delivery.status == WebhookDelivery.Status.SUCCEEDED
    assert delivery.attempts == 1
    assert delivery.last_status_code == 200
    assert delivery.last_error == ""
    assert delivery.delivered_at == T0
    assert delivery.next_attempt_at is None


def test_a_failed_attempt_is_retried_after_30_seconds(broken_endpoint, publish):
    with time_machine.travel(T0, tick=False):
        delivery = _delivery(publish())

    assert delivery.status == WebhookDelivery.Status.FAILED
    assert delivery.attempts == 1
    assert delivery.last_status_code == 500
    assert delivery.last_error == "The endpoint answered HTTP 500. database is down"
    assert T0 + timedelta(seconds=27) <= delivery.next_attempt_at <= T0 + timedelta(seconds=30)


def test_retries_back_off_exponentially_then_the_delivery_is_dead(broken_endpoint, receiver, publish, settings):
    assert settings.WEBHOOK_MAX_ATTEMPTS == 8
    waits = []
    with time_machine.travel(T0, tick=False) as clock:
        delivery = _delivery(publish())
        while delivery.status == WebhookDelivery.Status.FAILED:
            waits.append((delivery.next_attempt_at - delivery.last_attempt_at).total_seconds())
            clock.move_to(delivery.next_attempt_at)
            delivery = _attempt_again(delivery)

    bases = [30, 60, 120, 240, 480, 960, 1920]
    assert len(waits) == len(bases)
    for wait, base in zip(waits, bases, strict=True):
        assert base * 0.9 <= wait <= base
    assert delivery.status == WebhookDelivery.Status.DEAD
    assert delivery.attempts == 8
    assert delivery.next_attempt_at is None
    assert delivery.last_status_code == 500
    attempts = requests_to(receiver, "/broken")
    assert len(attempts) == 8
    assert {request.headers["webhook-id"] for request in attempts} == {delivery.event.public_id}


def test_a_dead_delivery_is_not_attempted_again(broken_endpoint, receiver, publish, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    delivery = _delivery(publish())
    assert delivery.status == WebhookDelivery.Status.DEAD

    with time_machine.travel(delivery.last_attempt_at + timedelta(days=1)):
        assert webhook_delivery_attempt(tenant=delivery.tenant_id, delivery_id=delivery.pk) is None
    assert len(requests_to(receiver, "/broken")) == 1


def test_an_attempt_before_it_is_due_does_nothing(broken_endpoint, receiver, publish):
    with time_machine.travel(T0, tick=False) as clock:
        delivery = _delivery(publish())
        clock.move_to(delivery.next_attempt_at - timedelta(seconds=1))
        assert webhook_delivery_attempt(tenant=delivery.tenant_id, delivery_id=delivery.pk) is None

    delivery.refresh_from_db()
    assert delivery.attempts == 1
    assert len(requests_to(receiver, "/broken")) == 1


def test_a_succeeded_delivery_run_twice_is_sent_once(endpoint, receiver, publish):
    delivery = _delivery(publish())
    delivery = _attempt_again(delivery)

    assert delivery.status == WebhookDelivery.Status.SUCCEEDED
    assert delivery.attempts == 1
    assert len(requests_to(receiver, "/hook")) == 1


def test_another_tenants_id_does_not_attempt_the_delivery(endpoint, receiver, other_tenant, tenant):
    delivery = WebhookDeliveryFactory(tenant=tenant, endpoint=endpoint)
    assert webhook_delivery_attempt(tenant=other_tenant, delivery_id=delivery.pk) is None
    assert requests_to(receiver, "/hook") == []


def test_the_task_schedules_the_next_attempt_for_next_attempt_at(broken_endpoint, tenant, monkeypatch):
    delivery = WebhookDeliveryFactory(tenant=tenant, endpoint=broken_endpoint)
    scheduled = []
    monkeypatch.setattr(tasks.webhook_delivery_attempt, "apply_async", lambda args, eta: scheduled.append((args, eta)))

    tasks.webhook_delivery_attempt(str(tenant.id), str(delivery.pk))

    delivery.refresh_from_db()
    assert scheduled == [((str(tenant.id), str(delivery.pk)), delivery.next_attempt_at)]


def test_a_network_error_is_a_failed_attempt(tenant, publish):
    with socket.socket() as closed:  # a port that nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    WebhookEndpointFactory(tenant=tenant, url=f"http://127.0.0.1:{port}/hook")

    delivery = _delivery(publish())

    assert delivery.status == WebhookDelivery.Status.FAILED
    assert delivery.last_status_code is None
    assert delivery.last_error.startswith("Network error:")
    assert delivery.next_attempt_at is not None


def test_redirects_are_not_followed(tenant, httpserver, publish):
    httpserver.expect_request("/moved", method="POST").respond_with_data(
        "", status=302, headers={"Location": httpserver.url_for("/elsewhere")}
    )
    WebhookEndpointFactory(tenant=tenant, url=httpserver.url_for("/moved"))

    delivery = _delivery(publish())

    assert delivery.status == WebhookDelivery.Status.FAILED
    assert delivery.last_status_code == 302
    assert requests_to(httpserver, "/elsewhere") == []


def test_the_request_uses_the_configured_timeout(endpoint, publish, settings, monkeypatch):
    settings.WEBHOOK_TIMEOUT_SECONDS = 3.5
    seen = []
    real_send = PinnedAddressAdapter.send

    def spy(adapter, request, **kwargs):
        seen.append(kwargs["timeout"])
        return real_send(adapter, request, **kwargs)

    monkeypatch.setattr(PinnedAddressAdapter, "send", spy)
    assert _delivery(publish()).status == WebhookDelivery.Status.SUCCEEDED
    assert seen == [3.5]


def test_an_endpoint_deactivated_after_publishing_gets_nothing(endpoint, receiver, tenant):
    delivery = WebhookDeliveryFactory(tenant=tenant, endpoint=endpoint)
    endpoint.active = False
    endpoint.save()

    delivery = _attempt_again(delivery)

    assert delivery.status == WebhookDelivery.Status.FAILED
    assert delivery.last_error == services.ATTEMPT_ENDPOINT_INACTIVE
    assert requests_to(receiver, "/hook") == []


def test_the_guard_blocks_a_private_address_at_delivery_time(tenant, receiver, publish, settings):
    # Saved while private URLs were allowed; the guard is on when the attempt runs.
    WebhookEndpointFactory(tenant=tenant, url=receiver.url_for("/hook").replace("http://", "https://"))
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False

    delivery = _delivery(publish())

    assert delivery.status == WebhookDelivery.Status.FAILED
    assert delivery.last_error.startswith("Not sent: The host localhost resolves to ")
    assert delivery.last_error.endswith("which is not a public address.")
    assert receiver.log == []


@pytest.fixture
def sent(monkeypatch):
    """Every request that leaves through requests (any session): recorded, not sent."""
    calls = []
    monkeypatch.setattr(requests.Session, "send", lambda session, request, **kwargs: calls.append(request.url))
    return calls


def test_a_host_whose_dns_changed_to_a_private_address_gets_nothing(
    tenant, receiver, publish, settings, monkeypatch, sent
):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    url = f"https://hooks.example.com:{receiver.port}/hook"
    monkeypatch.setattr(url_guard, "resolve_host", lambda host, port: [ipaddress.ip_address("93.184.215.14")])
    services.webhook_endpoint_create(tenant=tenant, url=url)  # public when saved
    # Rebinding: the same name now points at this machine, where the receiver listens.
    monkeypatch.setattr(url_guard, "resolve_host", lambda host, port: [ipaddress.ip_address("127.0.0.1")])

    delivery = _delivery(publish())

    assert delivery.last_error == (
        "Not sent: The host hooks.example.com resolves to 127.0.0.1, which is not a public address."
    )
    assert delivery.status == WebhookDelivery.Status.FAILED
    assert sent == []
    assert receiver.log == []


def test_the_sender_connects_to_the_address_the_guard_resolved(tenant, receiver, publish, monkeypatch):
    # The guard's resolver is the only DNS answer: the name itself resolves nowhere here,
    # so a sender that looked it up again (as requests did on its own) would fail.
    monkeypatch.setattr(url_guard, "resolve_host", lambda host, port: [ipaddress.ip_address("127.0.0.1")])
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        if host == "hooks.example.test":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    WebhookEndpointFactory(tenant=tenant, url=f"http://hooks.example.test:{receiver.port}/hook")

    delivery = _delivery(publish())

    assert delivery.status == WebhookDelivery.Status.SUCCEEDED
    [request] = requests_to(receiver, "/hook")
    assert request.headers["Host"] == f"hooks.example.test:{receiver.port}"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://127.0.0.1:{port}\\@8.8.8.8/hook", url_guard.URL_BACKSLASH),
        ("http://127.0.0.1:{port}\\@8.8.8.8/hook", url_guard.URL_BACKSLASH),
        ("http://user:pass@127.0.0.1:{port}/hook", url_guard.URL_USERINFO),
        ("http://2130706433:{port}/hook", url_guard.URL_BAD_IPV4.format(host="2130706433")),
        ("http://0177.0.0.1:{port}/hook", url_guard.URL_BAD_IPV4.format(host="0177.0.0.1")),
    ],
)
def test_a_stored_url_that_parsers_read_differently_is_not_sent(tenant, receiver, publish, sent, url, reason):
    # Saved before the guard refused such URLs: the attempt refuses it as well, even
    # with private URLs allowed (the test settings).
    WebhookEndpointFactory(tenant=tenant, url=url.format(port=receiver.port))

    delivery = _delivery(publish())

    assert delivery.status == WebhookDelivery.Status.FAILED
    assert delivery.last_error == f"Not sent: {reason}"
    assert sent == []
    assert receiver.log == []


def test_metrics_count_outcomes_and_retries(endpoint, broken_endpoint, publish, settings):
    before = {
        outcome: _sample("billing_webhook_deliveries_total", outcome=outcome)
        for outcome in ("succeeded", "failed", "dead")
    }
    retries_before = _sample("billing_webhook_retries_total")

    publish()  # one success (endpoint), one failure that will be retried (broken_endpoint)
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    publish()  # one success, one dead

    assert _sample("billing_webhook_deliveries_total", outcome="succeeded") == before["succeeded"] + 2
    assert _sample("billing_webhook_deliveries_total", outcome="failed") == before["failed"] + 1
    assert _sample("billing_webhook_deliveries_total", outcome="dead") == before["dead"] + 1
    assert _sample("billing_webhook_retries_total") == retries_before + 1


@pytest.mark.parametrize(
    ("attempts", "seconds"),
    [(1, 30), (2, 60), (3, 120), (7, 1920), (11, 30720), (12, 43200), (13, 43200), (50, 43200)],
)
def test_retry_delay_doubles_from_30_seconds_up_to_12_hours(attempts, seconds):
    assert retry_delay(attempts, rand=lambda: 0.0) == timedelta(seconds=seconds)
    assert retry_delay(attempts, rand=lambda: 1.0) == timedelta(seconds=seconds * 0.9)


@pytest.mark.django_db(transaction=True)
def test_a_delivery_locked_by_another_worker_is_skipped(tenant, endpoint, receiver):
    delivery = WebhookDeliveryFactory(tenant=tenant, endpoint=endpoint)
    locked, release = threading.Event(), threading.Event()

    def other_worker():
        with tenant_scope(tenant), transaction.atomic():  # as the task does; a thread starts with no scope
            WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
            locked.set()
            release.wait(timeout=30)
        connection.close()

    worker = threading.Thread(target=other_worker)
    worker.start()
    try:
        assert locked.wait(timeout=30)
        assert webhook_delivery_attempt(tenant=tenant, delivery_id=delivery.pk) is None
    finally:
        release.set()
        worker.join()

    assert requests_to(receiver, "/hook") == []
    assert webhook_delivery_attempt(tenant=tenant, delivery_id=delivery.pk).status == WebhookDelivery.Status.SUCCEEDED
    assert len(requests_to(receiver, "/hook")) == 1
    assert json.loads(requests_to(receiver, "/hook")[0].get_data())["type"] == delivery.event.type
