"""The mock payment provider of development, run for real: a charge in, a signed webhook out.

The provider's webhooks go to a pytest-httpserver receiver (or, end to end, to the
live Django server); every wait for one is bounded, and nothing asserts on time.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.core.management.base import CommandError
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from invoices.models import Invoice
from invoices.services import invoice_due_subscriptions
from payments.management.commands import run_mock_payment_provider as mock
from payments.management.commands.run_mock_payment_provider import (
    MockProvider,
    MockProviderConfig,
    charge_outcome,
    make_server,
)
from payments.models import ChargeAttempt, PaymentEvent
from plans.tests.factories import PlanFactory
from subscriptions.tests.factories import SubscriptionFactory

CALLBACK = "/v1/webhooks/payment"
WAIT_SECONDS = 15  # an upper bound for a webhook to arrive, never an expectation
# An upper bound for the command to start: importing Django takes seconds on a busy machine.
STARTUP_SECONDS = 120
INVOICE_ID = "3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b"


def charge_body(amount="49.00", invoice_id=INVOICE_ID):
    return {
        "invoice_id": invoice_id,
        "tenant_id": "0b5e7c9d-1111-4222-8333-444455556666",
        "customer_id": "7a8b9c0d-1111-4222-8333-444455556666",
        "amount": amount,
        "currency": "USD",
    }


def verified(request) -> dict:
    """The received webhook's body, verified as the app verifies it."""
    return Webhook(settings.PAYMENT_WEBHOOK_SECRET).verify(request.get_data(), dict(request.headers))


def received(httpserver) -> list:
    return [request for request, _response in httpserver.log if request.path == CALLBACK]


@pytest.fixture
def start_provider(httpserver) -> Iterator[Callable[..., tuple[MockProvider, str]]]:
    """Starts a mock provider on a free port in a thread; webhooks go to `httpserver`."""
    running = []

    def start(**config) -> tuple[MockProvider, str]:
        config = {"callback_url": httpserver.url_for(CALLBACK), "delay_seconds": 0, **config}
        provider = MockProvider(MockProviderConfig(secret=settings.PAYMENT_WEBHOOK_SECRET, **config))
        server = make_server(provider, "127.0.0.1", 0)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        running.append((provider, server, thread))
        return provider, f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for provider, server, thread in running:
        provider.close()
        server.shutdown()
        server.server_close()
        thread.join()


def test_a_charge_is_accepted_and_reported_by_a_signed_succeeded_webhook(start_provider, httpserver):
    httpserver.expect_oneshot_request(CALLBACK, method="POST").respond_with_data("ok")
    _, url = start_provider()
    with httpserver.wait(timeout=WAIT_SECONDS) as waiting:
        response = requests.post(f"{url}/charges", json=charge_body(), headers={"Idempotency-Key": INVOICE_ID})
    assert waiting.result
    assert response.status_code == 202
    assert response.json() == {
        "id": f"ch_{INVOICE_ID}",
        "status": "pending",
        "invoice_id": INVOICE_ID,
        "amount": "49.00",
        "currency": "USD",
    }
    (request,) = received(httpserver)
    assert request.headers["webhook-id"] == f"pay_{INVOICE_ID}"
    assert request.headers["Content-Type"] == "application/json"
    assert verified(request) == {
        "type": "payment.succeeded",
        "data": {"invoice_id": INVOICE_ID, "amount": "49.00", "currency": "USD", "failure_reason": None},
    }


def test_an_amount_ending_in_13_is_declined(start_provider, httpserver):
    httpserver.expect_oneshot_request(CALLBACK, method="POST").respond_with_data("ok")
    _, url = start_provider()
    with httpserver.wait(timeout=WAIT_SECONDS) as waiting:
        assert requests.post(f"{url}/charges", json=charge_body(amount="49.13")).status_code == 202
    assert waiting.result
    (request,) = received(httpserver)
    assert verified(request) == {
        "type": "payment.failed",
        "data": {"invoice_id": INVOICE_ID, "amount": "49.13", "currency": "USD", "failure_reason": "card_declined"},
    }


def test_the_failure_suffix_is_configurable(start_provider, httpserver):
    httpserver.expect_oneshot_request(CALLBACK, method="POST").respond_with_data("ok")
    _, url = start_provider(fail_suffix=".99")
    with httpserver.wait(timeout=WAIT_SECONDS) as waiting:
        requests.post(f"{url}/charges", json=charge_body(amount="10.99"))
    assert waiting.result
    (request,) = received(httpserver)
    assert verified(request)["type"] == "payment.failed"


@pytest.mark.parametrize(
    ("amount", "suffix", "expected"),
    [
        ("49.13", ".13", ("payment.failed", "card_declined")),
        ("0.13", ".13", ("payment.failed", "card_declined")),
        ("113.00", ".13", ("payment.succeeded", None)),
        ("49.130", ".13", ("payment.succeeded", None)),  # the text decides, not the value
        ("49.13", "", ("payment.succeeded", None)),  # empty: nothing fails
    ],
)
def test_the_failure_rule_looks_at_the_amounts_text(amount, suffix, expected):
    assert charge_outcome(amount, suffix) == expected


@pytest.mark.parametrize("status", [503, 409])  # 409: a sandbox whose clock is advancing
def test_a_webhook_answered_5xx_or_409_is_sent_again_and_signed_again(start_provider, httpserver, monkeypatch, status):
    monkeypatch.setattr(mock, "FIRST_RETRY_PAUSE_SECONDS", 0)
    httpserver.expect_ordered_request(CALLBACK, method="POST").respond_with_data("not now", status=status)
    httpserver.expect_ordered_request(CALLBACK, method="POST").respond_with_data("ok")
    _, url = start_provider()
    with httpserver.wait(timeout=WAIT_SECONDS) as waiting:
        requests.post(f"{url}/charges", json=charge_body())
    assert waiting.result
    first, second = received(httpserver)
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == f"pay_{INVOICE_ID}"
    assert verified(first) == verified(second)


def test_a_repeated_idempotency_key_answers_the_first_charge_and_owes_one_webhook(httpserver):
    scheduled = []
    config = MockProviderConfig(callback_url=httpserver.url_for(CALLBACK), secret=settings.PAYMENT_WEBHOOK_SECRET)
    provider = MockProvider(config, schedule=lambda delay, report: scheduled.append((delay, report)))
    first = provider.charge(json.dumps(charge_body()).encode(), "key-1")
    again = provider.charge(json.dumps(charge_body(amount="1.00")).encode(), "key-1")
    assert first == again
    assert first[1]["amount"] == "49.00"
    assert [delay for delay, _ in scheduled] == [2.0]


NOTE_ID = "9c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f"


def refund_body(amount="5.00"):
    return {"type": "refund", "credit_note_id": NOTE_ID, "invoice_id": INVOICE_ID, "amount": amount, "currency": "USD"}


@pytest.mark.parametrize(
    ("amount", "type_", "reason"), [("5.00", "refund.succeeded", None), ("5.13", "refund.failed", "card_declined")]
)
def test_a_refund_is_accepted_and_reported_by_a_signed_refund_webhook(
    start_provider, httpserver, amount, type_, reason
):
    httpserver.expect_oneshot_request(CALLBACK, method="POST").respond_with_data("ok")
    _, url = start_provider()
    with httpserver.wait(timeout=WAIT_SECONDS) as waiting:
        response = requests.post(f"{url}/charges", json=refund_body(amount), headers={"Idempotency-Key": NOTE_ID})
    assert waiting.result
    assert (response.status_code, response.json()["id"]) == (202, f"re_{NOTE_ID}")
    (request,) = received(httpserver)
    assert request.headers["webhook-id"] == f"ref_{NOTE_ID}"
    assert verified(request) == {
        "type": type_,
        "data": {"credit_note_id": NOTE_ID, "amount": amount, "currency": "USD", "failure_reason": reason},
    }


def test_a_refund_without_its_credit_note_is_400(start_provider):
    _, url = start_provider()
    payload = {key: value for key, value in refund_body().items() if key != "credit_note_id"}
    response = requests.post(f"{url}/charges", json=payload)
    assert (response.status_code, response.json()) == (400, {"error": "credit_note_id is required (a string)."})


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"not json", "The body must be a JSON object."),
        (b"[]", "The body must be a JSON object."),
        (json.dumps({**charge_body(), "amount": 49}).encode(), "amount is required (a string)."),
        (json.dumps({**charge_body(), "amount": "lots"}).encode(), "amount must be a decimal string."),
        (json.dumps({"amount": "1.00", "currency": "USD"}).encode(), "invoice_id is required (a string)."),
    ],
)
def test_a_bad_charge_is_400_and_owes_nothing(start_provider, httpserver, body, error):
    _, url = start_provider()
    response = requests.post(f"{url}/charges", data=body, headers={"Content-Type": "application/json"})
    assert (response.status_code, response.json()) == (400, {"error": error})


def test_other_paths_are_404_and_healthz_is_200(start_provider):
    _, url = start_provider()
    assert requests.post(f"{url}/refunds", json=charge_body()).status_code == 404
    assert requests.get(f"{url}/healthz").json() == {"status": "ok"}


# Configuration


def test_the_configuration_defaults():
    config = MockProviderConfig.from_env({}, secret="whsec_x")
    assert config == MockProviderConfig(
        callback_url="http://127.0.0.1:8000/v1/webhooks/payment", secret="whsec_x", delay_seconds=2.0, fail_suffix=".13"
    )


def test_the_configuration_from_the_environment():
    environ = {
        "PORT": "8300",
        "MOCK_PROVIDER_DELAY_SECONDS": "0.5",
        "MOCK_PROVIDER_FAIL_AMOUNTS_ENDING_IN": "",
    }
    config = MockProviderConfig.from_env(environ, secret="whsec_x")
    assert (config.callback_url, config.delay_seconds, config.fail_suffix) == (
        "http://127.0.0.1:8300/v1/webhooks/payment",
        0.5,
        "",
    )
    environ["MOCK_PROVIDER_CALLBACK_URL"] = "http://app:8000/v1/webhooks/payment"
    assert MockProviderConfig.from_env(environ, secret="s").callback_url == "http://app:8000/v1/webhooks/payment"
    explicit = MockProviderConfig.from_env(environ, secret="s", callback_url="http://web:1/v1/webhooks/payment")
    assert explicit.callback_url == "http://web:1/v1/webhooks/payment"


@pytest.mark.parametrize("delay", ["soon", "-1", "nan"])
def test_a_malformed_delay_fails_loudly(delay):
    with pytest.raises(CommandError, match="MOCK_PROVIDER_DELAY_SECONDS"):
        MockProviderConfig.from_env({"MOCK_PROVIDER_DELAY_SECONDS": delay}, secret="whsec_x")


# The command, as the Procfile runs it


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline and process.poll() is None:
        try:
            requests.get(url, timeout=STARTUP_SECONDS)
            return
        except requests.ConnectionError:
            time.sleep(0.05)
    raise AssertionError(f"the mock provider did not come up (exit code {process.poll()})")


def test_the_command_serves_charges_and_posts_signed_webhooks(httpserver):
    httpserver.expect_oneshot_request(CALLBACK, method="POST").respond_with_data("ok")
    port = free_port()
    env = {
        **os.environ,
        "PAYMENT_WEBHOOK_SECRET": settings.PAYMENT_WEBHOOK_SECRET,
        "MOCK_PROVIDER_DELAY_SECONDS": "0",
    }
    command = [sys.executable, "manage.py", "run_mock_payment_provider", "--port", str(port)]
    command += ["--callback-url", httpserver.url_for(CALLBACK)]
    root = Path(settings.BASE_DIR)
    with subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT) as process:
        try:
            wait_until_up(f"http://127.0.0.1:{port}/healthz", process)
            with httpserver.wait(timeout=WAIT_SECONDS) as waiting:
                response = requests.post(f"http://127.0.0.1:{port}/charges", json=charge_body(amount="7.13"))
            assert waiting.result
        finally:
            process.terminate()
        output = process.communicate(timeout=WAIT_SECONDS)[0].decode()
    assert response.status_code == 202
    (request,) = received(httpserver)
    assert verified(request)["data"] == {
        "invoice_id": INVOICE_ID,
        "amount": "7.13",
        "currency": "USD",
        "failure_reason": "card_declined",
    }
    assert f"Mock payment provider on http://127.0.0.1:{port}/charges" in output


# End to end: invoice → charge → webhook → paid


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("amount", "status", "outcome"), [("49.00", "paid", "paid"), ("49.13", "open", "payment_failed")]
)
def test_an_invoice_is_collected_through_the_mock_provider(
    tenant, live_server, start_provider, settings, amount, status, outcome
):
    _, url = start_provider(callback_url=f"{live_server.url}{CALLBACK}")
    settings.PAYMENT_PROVIDER_URL = f"{url}/charges"
    # On the real clock (the webhook is signed and verified on it): a month has ended.
    plan = PlanFactory(tenant=tenant, amount=Decimal(amount))
    sub = SubscriptionFactory(tenant=tenant, plan=plan, start_at=timezone.now() - timedelta(days=40))
    invoice_due_subscriptions(tenant=tenant.id, as_of=timezone.now())  # commits, then sends the charge
    deadline = time.monotonic() + WAIT_SECONDS
    while not PaymentEvent.unscoped().exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    invoice = Invoice.objects.for_tenant(tenant).get()
    event = PaymentEvent.unscoped().get()
    sub.refresh_from_db()
    attempt = ChargeAttempt.objects.get(invoice=invoice)
    assert (event.webhook_id, event.outcome, invoice.status) == (f"pay_{attempt.pk}", outcome, status)
    attempt_outcome = "succeeded" if outcome == "paid" else "failed"
    assert (event.charge_attempt_id, attempt.amount, attempt.outcome) == (attempt.pk, Decimal(amount), attempt_outcome)
    assert sub.status == ("active" if status == "paid" else "past_due")
