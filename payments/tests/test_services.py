"""Collecting payment: the charge request to the provider, against a real HTTP server."""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from billing_project.celery import app
from invoices.models import Invoice
from invoices.services import invoice_due_subscriptions
from invoices.signals import invoices_finalized
from payments import tasks
from payments.models import ChargeAttempt
from payments.services import ProviderUnavailable, invoice_collect_payment
from plans.tests.factories import PlanFactory
from subscriptions.tests.factories import SubscriptionFactory

pytestmark = pytest.mark.django_db

JAN_1, FEB_1 = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)


@pytest.fixture
def provider(httpserver, settings):
    """The payment provider: a real HTTP server at PAYMENT_PROVIDER_URL."""
    settings.PAYMENT_PROVIDER_URL = httpserver.url_for("/charges")
    return httpserver


def run_january(tenant, django_capture_on_commit_callbacks):
    """Invoice January as the hourly job would, then run what its commit queued."""
    with django_capture_on_commit_callbacks(execute=True), time_machine.travel(FEB_1 + timedelta(hours=1)):
        invoice_due_subscriptions(tenant=tenant.id, as_of=FEB_1)
    return Invoice.objects.for_tenant(tenant).get()


def requests_to(server):
    return [request for request, _response in server.log]


def test_a_finalized_invoice_is_sent_once_as_a_charge_attempt_whose_id_is_the_idempotency_key(
    tenant, provider, django_capture_on_commit_callbacks
):
    provider.expect_request("/charges", method="POST").respond_with_json({"id": "ch_1"}, status=202)
    sub = SubscriptionFactory(tenant=tenant, start_at=JAN_1)
    invoice = run_january(tenant, django_capture_on_commit_callbacks)
    (request,) = requests_to(provider)
    (attempt,) = ChargeAttempt.objects.filter(invoice=invoice)
    assert (attempt.amount, attempt.currency, attempt.outcome) == (Decimal("49.00"), "USD", "pending")
    assert request.headers["Idempotency-Key"] == str(attempt.pk)
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.get_data()) == {
        "invoice_id": str(invoice.pk),
        "tenant_id": str(tenant.pk),
        "customer_id": str(sub.customer_id),
        "amount": "49.00",
        "currency": "USD",
    }
    invoice.refresh_from_db()
    assert invoice.status == "open"  # paid only when the provider's webhook says so


def test_a_zero_invoice_is_never_sent(tenant, provider, django_capture_on_commit_callbacks):
    SubscriptionFactory(tenant=tenant, start_at=JAN_1, plan=PlanFactory(tenant=tenant, amount=Decimal("0")))
    invoice = run_january(tenant, django_capture_on_commit_callbacks)
    assert (invoice.total, invoice.status) == (Decimal("0"), "paid")
    assert requests_to(provider) == []


def test_a_zero_invoice_left_open_is_skipped_by_the_service(tenant, provider):
    SubscriptionFactory(tenant=tenant, start_at=JAN_1, plan=PlanFactory(tenant=tenant, amount=Decimal("0")))
    with time_machine.travel(FEB_1 + timedelta(hours=1)):
        invoice_due_subscriptions(tenant=tenant.id, as_of=FEB_1)
    invoice = Invoice.objects.for_tenant(tenant).get()
    Invoice.objects.filter(pk=invoice.pk).update(status=Invoice.Status.OPEN)
    result = invoice_collect_payment(tenant=tenant.id, invoice_id=invoice.pk)
    assert result == "skipped: not an open invoice with an amount due"
    assert requests_to(provider) == []


def test_nothing_is_sent_without_a_provider_url(tenant, httpserver, settings, django_capture_on_commit_callbacks):
    settings.PAYMENT_PROVIDER_URL = ""
    SubscriptionFactory(tenant=tenant, start_at=JAN_1)
    invoice = run_january(tenant, django_capture_on_commit_callbacks)
    assert invoice.status == "open"
    assert invoice_collect_payment(tenant=tenant.id, invoice_id=invoice.pk) == "skipped: no PAYMENT_PROVIDER_URL"
    assert requests_to(httpserver) == []


@pytest.fixture
def open_invoice(tenant, settings):
    SubscriptionFactory(tenant=tenant, start_at=JAN_1)
    settings.PAYMENT_PROVIDER_URL = ""  # the run itself sends nothing; the tests call the service
    with time_machine.travel(FEB_1 + timedelta(hours=1)):
        invoice_due_subscriptions(tenant=tenant.id, as_of=FEB_1)
    return Invoice.objects.for_tenant(tenant).get()


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_a_5xx_or_429_raises_provider_unavailable_so_the_task_retries(open_invoice, provider, status):
    provider.expect_request("/charges").respond_with_data("busy", status=status)
    with pytest.raises(ProviderUnavailable, match=f"provider answered {status}"):
        invoice_collect_payment(tenant=open_invoice.tenant_id, invoice_id=open_invoice.pk)
    assert len(requests_to(provider)) == 1


def test_an_unreachable_provider_raises_provider_unavailable(open_invoice, settings):
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens on it
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.PAYMENT_PROVIDER_URL = f"http://127.0.0.1:{port}/charges"
    with pytest.raises(ProviderUnavailable):
        invoice_collect_payment(tenant=open_invoice.tenant_id, invoice_id=open_invoice.pk)


def test_a_4xx_is_not_retried(open_invoice, provider):
    provider.expect_request("/charges").respond_with_json({"error": "unknown customer"}, status=422)
    result = invoice_collect_payment(tenant=open_invoice.tenant_id, invoice_id=open_invoice.pk)
    assert result == "refused: provider answered 422"


def test_the_task_retries_a_5xx_with_the_same_idempotency_key(open_invoice, provider):
    provider.expect_oneshot_request("/charges").respond_with_data("down", status=503)
    provider.expect_request("/charges").respond_with_json({"id": "ch_1"}, status=202)
    # An eager task runs its retry at once (throw=False: the first attempt's Retry is
    # not raised to the caller here), so both attempts happen in this call.
    args = [str(open_invoice.tenant_id), str(open_invoice.pk)]
    result = tasks.invoice_collect_payment.apply(args=args, throw=False).get()
    assert result == "sent: provider answered 202"
    keys = [request.headers["Idempotency-Key"] for request in requests_to(provider)]
    (attempt,) = ChargeAttempt.objects.filter(invoice=open_invoice)
    assert keys == [str(attempt.pk), str(attempt.pk)]  # one attempt, sent twice


def test_the_task_retries_only_provider_unavailability():
    task = tasks.invoice_collect_payment
    assert (task.autoretry_for, task.max_retries, task.acks_late) == ((ProviderUnavailable,), 8, True)


def test_a_collection_queued_under_the_tasks_old_name_still_runs(open_invoice, provider):
    """The task was `invoices.tasks.invoice_collect_payment` before the payments app:
    messages a previous release queued (or a retry waiting) under that name are run."""
    provider.expect_request("/charges").respond_with_json({"id": "ch_1"}, status=202)
    old = app.tasks["invoices.tasks.invoice_collect_payment"]
    assert tasks.invoice_collect_payment.name == "payments.tasks.invoice_collect_payment"
    assert (old.autoretry_for, old.max_retries, old.retry_backoff_max) == ((ProviderUnavailable,), 8, 3600)
    result = old.apply(args=[str(open_invoice.tenant_id), str(open_invoice.pk)]).get()
    assert result == "sent: provider answered 202"


def test_the_engine_asks_for_collection_through_a_signal_payments_listens_to():
    """invoices never imports payments: it sends `invoices_finalized`, connected here."""
    assert invoices_finalized.has_listeners(Invoice)


@pytest.mark.parametrize("status", [Invoice.Status.PAID, Invoice.Status.VOID, Invoice.Status.UNCOLLECTIBLE])
def test_an_invoice_no_longer_open_is_not_sent(open_invoice, provider, status):
    Invoice.objects.filter(pk=open_invoice.pk).update(status=status)
    result = invoice_collect_payment(tenant=open_invoice.tenant_id, invoice_id=open_invoice.pk)
    assert result == "skipped: not an open invoice with an amount due"
    assert requests_to(provider) == []


def test_another_tenants_invoice_is_not_sent(open_invoice, other_tenant, provider):
    result = invoice_collect_payment(tenant=other_tenant.id, invoice_id=open_invoice.pk)
    assert result == "skipped: not an open invoice with an amount due"
    assert requests_to(provider) == []
