"""Charge attempts, overpayment and refunds (API.md Part 2, "Charges and the payment
webhook" and "Credit notes"), through the HTTP API and the signed payment webhook,
with the payment provider a real HTTP server (pytest-httpserver) or the real mock
provider of development."""

from __future__ import annotations

import json
import time
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from invoices.models import BalanceTransaction, CreditNote, Invoice
from invoices.services import invoice_due_subscriptions
from payments.models import ChargeAttempt, PaymentEvent
from payments.services import (
    PAYMENT_AMOUNT_MISMATCH,
    PAYMENT_CREDIT_NOTE_NOT_FOUND,
    REFUND_AMOUNT_MISMATCH,
    REFUND_REFUSED,
    credit_note_send_refund,
    invoice_collect_payment,
)
from payments.tests.test_api import body, invoices_until, post
from payments.tests.test_mock_provider import CALLBACK, WAIT_SECONDS, start_provider  # noqa: F401 - a fixture
from plans.tests.factories import PlanFactory
from subscriptions.tests.factories import SubscriptionFactory
from tenants.tests.utils import at
from webhooks.models import Event
from webhooks.tests.factories import WebhookEndpointFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider(httpserver, settings):
    """The payment provider: a real HTTP server at PAYMENT_PROVIDER_URL that accepts everything."""
    settings.PAYMENT_PROVIDER_URL = httpserver.url_for("/charges")
    httpserver.expect_request("/charges", method="POST").respond_with_json({"status": "pending"}, status=202)
    return httpserver


@pytest.fixture
def invoice(tenant, httpserver):
    SubscriptionFactory(tenant=tenant, start_at=at(2026, 1, 1))  # 49.00 USD a month
    httpserver.expect_request("/hooks", method="POST").respond_with_data("ok")
    WebhookEndpointFactory(tenant=tenant, url=httpserver.url_for("/hooks"))
    (january,) = invoices_until(tenant, at(2026, 2, 1))
    return january


def charge(invoice) -> ChargeAttempt:
    """Send the invoice's charge as the collection task does; the attempt it sent."""
    assert invoice_collect_payment(tenant=invoice.tenant_id, invoice_id=invoice.pk).startswith("sent")
    return ChargeAttempt.objects.filter(invoice=invoice).order_by("-created_at").first()


def note(api, turl, invoice, **fields):
    response = api.post(turl(f"invoices/{invoice.pk}/credit-notes"), {"reason": "other", **fields})
    assert response.status_code == 201, response.json()
    return response.json()


def ledger(kind):
    return [(e.amount, e.invoice_id, e.credit_note_id) for e in BalanceTransaction.objects.filter(kind=kind)]


def provider_bodies(server):
    return [(json.loads(r.get_data()), r.headers["Idempotency-Key"]) for r, _ in server.log if r.path == "/charges"]


def reload(obj):
    obj.refresh_from_db()
    return obj


# Charge attempts


def test_each_charge_is_an_attempt_of_the_amount_due_sent_with_its_own_key(api, turl, invoice, provider):
    first = charge(invoice)
    assert charge(invoice) == first  # sent again (a retry): the same attempt and key
    note(api, turl, invoice, amount="10.00")
    second = charge(invoice)
    assert (first.amount, second.amount) == (Decimal("49.00"), Decimal("39.00"))
    sent = provider_bodies(provider)
    assert [(b["amount"], key) for b, key in sent] == [
        ("49.00", str(first.pk)),
        ("49.00", str(first.pk)),
        ("39.00", str(second.pk)),
    ]


def test_a_webhook_amount_that_no_attempt_had_is_409_and_recorded(api, turl, invoice, provider):
    charge(invoice)
    note(api, turl, invoice, amount="10.00")
    response = post(body(invoice, amount="39.00"), msg_id="odd")  # the amount due, but never charged
    assert response.status_code == 409
    detail = PAYMENT_AMOUNT_MISMATCH.format(
        amount="39.00", currency="USD", number=invoice.number, total="49.00", invoice_currency="USD"
    )
    assert response.json()["errors"] == [{"code": "amount_mismatch", "detail": detail, "attr": None}]
    stored = PaymentEvent.unscoped().get(webhook_id="odd")
    assert (stored.outcome, stored.charge_attempt_id) == ("amount_mismatch", None)
    assert reload(invoice).status == "open"


def test_a_payment_pays_the_amount_due_and_records_amount_paid(invoice, provider):
    attempt = charge(invoice)
    response = post(body(invoice, amount="49.00"), msg_id="ok")
    assert response.json()["outcome"] == "paid"
    invoice = reload(invoice)
    assert (invoice.status, invoice.amount_paid, invoice.amount_due) == ("paid", Decimal("49.00"), Decimal(0))
    assert reload(attempt).outcome == "succeeded"
    assert PaymentEvent.unscoped().get().charge_attempt_id == attempt.pk
    assert ledger("overpayment") == []


def test_overpayment_when_a_note_was_issued_while_the_charge_was_in_flight(api, turl, invoice, provider):
    charge(invoice)  # 49.00 in flight
    note(api, turl, invoice, amount="10.00")
    response = post(body(invoice, amount="49.00"), msg_id="late")
    assert (response.status_code, response.json()["outcome"]) == (200, "paid")
    invoice = reload(invoice)
    assert (invoice.status, invoice.amount_paid, invoice.amount_due) == ("paid", Decimal("39.00"), Decimal(0))
    assert (invoice.total, invoice.amount_credited) == (Decimal("49.00"), Decimal("10.00"))
    assert ledger("overpayment") == [(Decimal("10.00"), invoice.pk, None)]
    assert Event.objects.filter(type="invoice.paid").count() == 1


def test_a_charge_that_lands_after_a_note_settled_the_invoice_goes_to_the_balance(api, turl, invoice, provider):
    attempt = charge(invoice)
    note(api, turl, invoice, amount="49.00")
    assert reload(invoice).status == "paid"
    response = post(body(invoice, amount="49.00"), msg_id="late")
    assert (response.status_code, response.json()["outcome"]) == (200, "overpaid")
    invoice = reload(invoice)
    assert (invoice.amount_paid, invoice.amount_due) == (Decimal(0), Decimal(0))
    assert ledger("overpayment") == [(Decimal("49.00"), invoice.pk, None)]
    assert reload(attempt).outcome == "succeeded"
    assert Event.objects.filter(type="invoice.paid").count() == 1  # the note's


def test_two_attempts_both_collected_pay_once_and_credit_the_rest(api, turl, invoice, provider):
    charge(invoice)
    note(api, turl, invoice, amount="10.00")
    charge(invoice)  # 39.00
    assert post(body(invoice, amount="39.00"), msg_id="second").json()["outcome"] == "paid"
    assert post(body(invoice, amount="49.00"), msg_id="first").json()["outcome"] == "overpaid"
    invoice = reload(invoice)
    assert (invoice.amount_paid, invoice.amount_due) == (Decimal("39.00"), Decimal(0))
    assert ledger("overpayment") == [(Decimal("49.00"), invoice.pk, None)]


def test_one_attempt_reported_twice_changes_nothing_the_second_time(invoice, provider):
    charge(invoice)
    post(body(invoice), msg_id="a")
    assert post(body(invoice), msg_id="b").json()["outcome"] == "already_paid"
    assert (reload(invoice).amount_paid, ledger("overpayment")) == (Decimal("49.00"), [])


def test_a_failed_attempt_that_succeeds_after_all_pays(invoice, provider):
    attempt = charge(invoice)
    assert post(body(invoice, type="payment.failed"), msg_id="f").json()["outcome"] == "payment_failed"
    assert reload(attempt).outcome == "failed"
    assert post(body(invoice), msg_id="s").json()["outcome"] == "paid"
    assert (reload(attempt).outcome, reload(invoice).status) == ("succeeded", "paid")


def test_a_charge_the_provider_refuses_is_recorded_as_refused(invoice, httpserver, settings):
    settings.PAYMENT_PROVIDER_URL = httpserver.url_for("/charges")
    httpserver.expect_request("/charges").respond_with_json({"error": "no"}, status=402)
    result = invoice_collect_payment(tenant=invoice.tenant_id, invoice_id=invoice.pk)
    assert result == "refused: provider answered 402"
    assert ChargeAttempt.objects.get().outcome == "refused"


# Refunds


@pytest.fixture
def paid(invoice, provider):
    charge(invoice)
    assert post(body(invoice), msg_id="pay").json()["outcome"] == "paid"
    return reload(invoice)


def test_a_refund_is_sent_to_the_provider_once_the_note_commits(
    api, turl, paid, provider, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        issued = note(api, turl, paid, amount="25.00", refund_amount="20.00", credit_amount="5.00")
    assert issued["refund_status"] == "pending"
    refund_body, key = provider_bodies(provider)[-1]
    assert key == issued["id"]
    assert refund_body == {
        "type": "refund",
        "credit_note_id": issued["id"],
        "invoice_id": str(paid.pk),
        "amount": "20.00",
        "currency": "USD",
    }
    assert ledger("credit_note") == [(Decimal("5.00"), paid.pk, uuid.UUID(issued["id"]))]


def refund_webhook(note_id, type="refund.succeeded", amount="20.00", **extra):
    return {"type": type, "data": {"credit_note_id": note_id, "amount": amount, "currency": "USD", **extra}}


def test_refund_succeeded_marks_the_refund_succeeded(api, turl, paid):
    issued = note(api, turl, paid, amount="20.00", refund_amount="20.00")
    response = post(refund_webhook(issued["id"]), msg_id="ref_1")
    assert response.status_code == 200
    assert response.json() == {
        "webhook_id": "ref_1",
        "invoice_id": str(paid.pk),
        "credit_note_id": issued["id"],
        "outcome": "refunded",
        "duplicate": False,
    }
    assert api.get(turl(f"credit-notes/{issued['id']}")).json()["refund_status"] == "succeeded"
    assert ledger("refund_failed") == []


def test_refund_failed_credits_the_balance(api, turl, paid):
    issued = note(api, turl, paid, amount="20.00", refund_amount="20.00")
    response = post(refund_webhook(issued["id"], type="refund.failed", failure_reason="expired_card"), msg_id="r")
    assert response.json()["outcome"] == "refund_failed"
    assert CreditNote.objects.get().refund_status == "failed"
    (entry,) = BalanceTransaction.objects.filter(kind="refund_failed")
    assert (entry.amount, entry.invoice_id, str(entry.credit_note_id)) == (Decimal("20.00"), paid.pk, issued["id"])
    assert entry.description.endswith("failed: expired_card")
    # Reported again under another webhook-id: nothing more.
    again = post(refund_webhook(issued["id"], type="refund.failed"), msg_id="r2")
    assert (again.status_code, again.json()["outcome"]) == (200, "refund_settled")
    assert BalanceTransaction.objects.filter(kind="refund_failed").count() == 1
    assert post(refund_webhook(issued["id"], type="refund.failed"), msg_id="r").json()["duplicate"] is True


def test_a_refund_of_another_amount_is_409_and_recorded(api, turl, paid):
    issued = note(api, turl, paid, amount="20.00", refund_amount="20.00")
    response = post(refund_webhook(issued["id"], amount="19.99"), msg_id="odd")
    assert response.status_code == 409
    detail = REFUND_AMOUNT_MISMATCH.format(
        amount="19.99", currency="USD", number=issued["number"], refund="20.00", note_currency="USD"
    )
    assert response.json()["errors"] == [{"code": "amount_mismatch", "detail": detail, "attr": None}]
    stored = PaymentEvent.unscoped().get(webhook_id="odd")
    assert (stored.outcome, str(stored.credit_note_id), stored.invoice_id) == ("amount_mismatch", issued["id"], paid.pk)
    assert CreditNote.objects.get().refund_status == "pending"


def test_a_refund_of_an_unknown_note_is_404_and_not_recorded(paid):
    note_id = str(uuid.uuid4())
    response = post(refund_webhook(note_id), msg_id="nope")
    assert response.status_code == 404
    assert response.json()["errors"][0]["detail"] == PAYMENT_CREDIT_NOTE_NOT_FOUND.format(credit_note_id=note_id)
    assert not PaymentEvent.unscoped().filter(webhook_id="nope").exists()


@pytest.mark.parametrize(
    ("payload", "attr"),
    [
        ({"type": "refund.succeeded", "data": {"amount": "1.00", "currency": "USD"}}, "data.credit_note_id"),
        ({"type": "payment.succeeded", "data": {"amount": "1.00", "currency": "USD"}}, "data.invoice_id"),
        ({"type": "payment.succeeded", "data": {"amount": "1.00", "invoice_id": str(uuid.uuid4())}}, "data.currency"),
        ({"type": "refund.lost", "data": {"amount": "1.00", "credit_note_id": str(uuid.uuid4())}}, "type"),
    ],
)
def test_a_webhook_without_what_its_type_needs_is_400_naming_it(payload, attr):
    response = post(payload)
    assert response.status_code == 400
    assert [e["attr"] for e in response.json()["errors"]] == [attr]


def test_a_refund_the_provider_refuses_fails_and_credits_the_balance(api, turl, paid, httpserver):
    issued = note(api, turl, paid, amount="20.00", refund_amount="20.00")
    httpserver.clear()
    httpserver.expect_request("/charges").respond_with_json({"error": "no"}, status=400)
    result = credit_note_send_refund(tenant=paid.tenant_id, credit_note_id=uuid.UUID(issued["id"]))
    assert result == "refused: provider answered 400"
    assert CreditNote.objects.get().refund_status == "failed"
    (entry,) = BalanceTransaction.objects.filter(kind="refund_failed")
    assert entry.description.endswith(REFUND_REFUSED.format(status=400))


def test_without_a_provider_a_refund_is_not_sent(api, turl, paid, settings):
    settings.PAYMENT_PROVIDER_URL = ""
    issued = note(api, turl, paid, amount="20.00", refund_amount="20.00")
    assert issued["refund_status"] == "not_sent"
    assert credit_note_send_refund(tenant=paid.tenant_id, credit_note_id=uuid.UUID(issued["id"])).startswith("skipped")


# End to end through the real mock provider: charge, note, refund


def wait_for(condition):
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert condition()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("refund", "status"), [("5.00", "succeeded"), ("5.13", "failed")])
def test_a_refund_through_the_mock_provider(api, turl, tenant, live_server, start_provider, settings, refund, status):  # noqa: F811
    _, url = start_provider(callback_url=f"{live_server.url}{CALLBACK}")
    settings.PAYMENT_PROVIDER_URL = f"{url}/charges"
    SubscriptionFactory(tenant=tenant, plan=PlanFactory(tenant=tenant), start_at=timezone.now() - timedelta(days=40))
    invoice_due_subscriptions(tenant=tenant.id, as_of=timezone.now())  # commits, then charges 49.00
    wait_for(lambda: Invoice.objects.for_tenant(tenant).get().status == "paid")
    issued = note(api, turl, Invoice.objects.for_tenant(tenant).get(), amount="8.00", refund_amount=refund,
                  credit_amount=str(Decimal("8.00") - Decimal(refund)))  # fmt: skip
    wait_for(lambda: CreditNote.objects.get().refund_status != "pending")
    assert CreditNote.objects.get().refund_status == status
    event = PaymentEvent.unscoped().get(type=f"refund.{status}")
    assert (event.webhook_id, str(event.credit_note_id)) == (f"ref_{issued['id']}", issued["id"])
    refunded_to_balance = [e.amount for e in BalanceTransaction.objects.filter(kind="refund_failed")]
    assert refunded_to_balance == ([] if status == "succeeded" else [Decimal(refund)])
