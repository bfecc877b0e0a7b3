"""Credit notes through the HTTP API (API.md Part 2, "Credit notes"): numbering, the
pre-payment and post-payment rules, the cumulative tax share, every 400 and 409, the
list and its filters, the event, and numbering under real concurrency."""

from __future__ import annotations

import threading
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from rest_framework.test import APIClient

from invoices.credit_note_api import AMOUNT_INVALID
from invoices.credit_notes import (
    AMOUNT_NOT_POSITIVE,
    AMOUNT_TOO_PRECISE,
    CREDIT_NOTE_NOT_FOUND,
    EXCEEDS_AMOUNT_DUE,
    EXCEEDS_TOTAL,
    INVOICE_NOT_CREDITABLE,
    REFUND_EXCEEDS_PAID,
    SPLIT_MISMATCH,
    SPLIT_ON_OPEN_INVOICE,
)
from invoices.models import BalanceTransaction, CreditNote, Invoice, NumberSequence
from invoices.serializers import credit_note_body, invoice_body
from invoices.services import INVOICE_NOT_FOUND, invoice_mark_uncollectible, invoice_void
from invoices.tests.factories import InvoiceFactory, credit_note
from subscriptions.models import Subscription
from subscriptions.tests.factories import SubscriptionFactory
from tenants.services import tokens_for_user
from webhooks.models import Event
from webhooks.tests.factories import WebhookEndpointFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice(tenant):
    """An open invoice of 49.00 USD (the plan's fee), nothing paid."""
    return InvoiceFactory(tenant=tenant)


@pytest.fixture
def paid(tenant):
    """A paid invoice of 49.00: 40.00 collected by the provider, 9.00 from the balance."""
    invoice = InvoiceFactory(tenant=tenant, credits_applied=Decimal("9.00"), amount_paid=Decimal("40.00"))
    assert (invoice.status, invoice.amount_due) == ("paid", Decimal(0))
    return invoice


@pytest.fixture
def endpoint(tenant):
    return WebhookEndpointFactory(tenant=tenant, url="https://hooks.example.com/notes")


def issue(api, turl, invoice, **body):
    body.setdefault("reason", "other")
    return api.post(turl(f"invoices/{invoice.pk}/credit-notes"), body)


def errors(response):
    return [(e["attr"], e["code"], e["detail"]) for e in response.json()["errors"]]


def reload(invoice):
    invoice.refresh_from_db()
    return invoice


# Pre-payment: an open invoice


def test_a_note_on_an_open_invoice_lowers_its_amount_due(api, turl, tenant, invoice, endpoint):
    response = issue(api, turl, invoice, amount="10.00", reason="order_change", memo="Two seats fewer")
    assert response.status_code == 201
    note = CreditNote.objects.get()
    assert response.json() == {
        "id": str(note.pk),
        "number": "CN-000001",
        "invoice_id": str(invoice.pk),
        "customer_id": str(invoice.customer_id),
        "currency": "USD",
        "amount": "10.00",
        "tax": "0.00",
        "refund_amount": "0.00",
        "credit_amount": "0.00",
        "refund_status": None,
        "reason": "order_change",
        "memo": "Two seats fewer",
        "created_at": response.json()["created_at"],
    }
    detail = api.get(turl(f"invoices/{invoice.pk}")).json()
    assert (detail["status"], detail["amount_credited"], detail["amount_due"]) == ("open", "10.00", "39.00")
    assert (detail["total"], detail["amount_paid"]) == ("49.00", "0.00")
    (created,) = Event.objects.filter(type="credit_note.created")
    assert created.data == response.json()
    assert not BalanceTransaction.objects.exists()


def test_a_note_that_brings_the_amount_due_to_0_pays_the_invoice(api, turl, tenant, invoice, endpoint):
    Subscription.objects.filter(pk=invoice.subscription_id).update(status=Subscription.Status.PAST_DUE)
    assert issue(api, turl, invoice, amount="9.00").status_code == 201
    assert issue(api, turl, invoice, amount="40.00").status_code == 201
    invoice = reload(invoice)
    assert (invoice.status, invoice.amount_credited, invoice.amount_due) == ("paid", Decimal("49.00"), Decimal(0))
    assert invoice.paid_at is not None
    (paid_event,) = Event.objects.filter(type="invoice.paid")
    assert paid_event.data == invoice_body(invoice)
    assert Subscription.objects.get(pk=invoice.subscription_id).status == "active"
    assert [n.number for n in CreditNote.objects.order_by("number")] == ["CN-000001", "CN-000002"]


def test_a_note_over_the_amount_due_of_an_open_invoice_is_409(api, turl, tenant):
    invoice = InvoiceFactory(tenant=tenant, credits_applied=Decimal("19.00"))  # 30.00 due
    response = issue(api, turl, invoice, amount="30.01")
    assert response.status_code == 409
    assert errors(response) == [("amount", "exceeds_amount_due", EXCEEDS_AMOUNT_DUE.format(amount_due="30.00"))]
    assert issue(api, turl, invoice, amount="30.00").status_code == 201
    assert reload(invoice).status == "paid"


@pytest.mark.parametrize("field", ["refund_amount", "credit_amount"])
def test_a_split_on_an_open_invoice_is_400(api, turl, invoice, field):
    response = issue(api, turl, invoice, amount="10.00", **{field: "10.00"})
    assert response.status_code == 400
    assert errors(response) == [(field, "not_allowed", SPLIT_ON_OPEN_INVOICE.format(field=field))]
    assert not CreditNote.objects.exists()


# Post-payment: a paid invoice


def test_a_note_on_a_paid_invoice_splits_into_refund_and_credit(api, turl, tenant, paid):
    response = issue(api, turl, paid, amount="15.00", refund_amount="10.00", credit_amount="5.00")
    assert response.status_code == 201
    body = response.json()
    assert (body["refund_amount"], body["credit_amount"], body["refund_status"]) == ("10.00", "5.00", "not_sent")
    paid = reload(paid)
    assert (paid.status, paid.amount_credited, paid.amount_due, paid.amount_paid) == (
        "paid",
        Decimal("15.00"),
        Decimal(0),
        Decimal("40.00"),
    )
    (entry,) = BalanceTransaction.objects.all()
    assert (entry.kind, entry.amount, entry.currency, entry.invoice_id, entry.credit_note_id) == (
        "credit_note",
        Decimal("5.00"),
        "USD",
        paid.pk,
        uuid.UUID(body["id"]),
    )
    assert entry.customer_id == paid.customer_id
    ledger = api.get(turl(f"customers/{paid.customer_id}/balance-transactions")).json()["results"]
    assert [(e["kind"], e["amount"], e["invoice_id"], e["credit_note_id"]) for e in ledger] == [
        ("credit_note", "5.00", str(paid.pk), body["id"])
    ]
    balance = api.get(turl(f"customers/{paid.customer_id}/balance")).json()
    assert balance == {"balances": [{"currency": "USD", "amount": "5.00"}]}


def test_a_note_of_credit_only_is_not_refunded(api, turl, paid):
    body = issue(api, turl, paid, amount="9.00", credit_amount="9.00").json()
    assert (body["refund_amount"], body["refund_status"]) == ("0.00", None)


@pytest.mark.parametrize(
    ("split", "total"),
    [
        ({"refund_amount": "10.00"}, "10.00"),
        ({"refund_amount": "10.00", "credit_amount": "6.00"}, "16.00"),
        ({}, "0.00"),
    ],
)
def test_a_split_that_does_not_add_up_is_400(api, turl, paid, split, total):
    response = issue(api, turl, paid, amount="15.00", **split)
    assert response.status_code == 400
    detail = SPLIT_MISMATCH.format(total=total, amount="15.00")
    assert errors(response) == [("refund_amount", "split_mismatch", detail)]


def test_refunds_may_not_exceed_what_the_provider_collected(api, turl, paid):
    assert issue(api, turl, paid, amount="30.00", refund_amount="30.00").status_code == 201
    response = issue(api, turl, paid, amount="10.01", refund_amount="10.01")
    assert response.status_code == 409
    detail = REFUND_EXCEEDS_PAID.format(refunded="40.01", paid="40.00")
    assert errors(response) == [("refund_amount", "refund_exceeds_amount_paid", detail)]
    # What the balance paid (promotional money) can still be credited, never paid out.
    assert issue(api, turl, paid, amount="10.01", refund_amount="10.00", credit_amount="0.01").status_code == 201


def test_notes_may_not_add_up_to_more_than_the_total(api, turl, paid):
    assert issue(api, turl, paid, amount="40.00", credit_amount="40.00").status_code == 201
    response = issue(api, turl, paid, amount="9.01", credit_amount="9.01")
    assert response.status_code == 409
    assert errors(response) == [
        ("amount", "exceeds_invoice_total", EXCEEDS_TOTAL.format(credited="49.01", total="49.00"))
    ]
    assert issue(api, turl, paid, amount="9.00", credit_amount="9.00").status_code == 201
    assert reload(paid).amount_credited == Decimal("49.00")


@pytest.mark.parametrize("status", ["void", "uncollectible"])
def test_a_void_or_uncollectible_invoice_takes_no_note(api, turl, invoice, status):
    change = invoice_void if status == "void" else invoice_mark_uncollectible
    change(tenant=invoice.tenant_id, invoice_id=invoice.pk)
    response = issue(api, turl, invoice, amount="1.00")
    assert response.status_code == 409
    detail = INVOICE_NOT_CREDITABLE.format(number=invoice.number, status=status)
    assert errors(response) == [(None, "invoice_not_creditable", detail)]
    assert not CreditNote.objects.exists()


# The tax share, rounded cumulatively


def test_the_tax_share_is_rounded_cumulatively_and_adds_up_to_the_invoice_tax(api, turl, tenant):
    invoice = InvoiceFactory(tenant=tenant, line_amounts=["29.00"], tax=Decimal("1.00"))  # total 30.00
    taxes = [issue(api, turl, invoice, amount="10.00").json()["tax"] for _ in range(3)]
    assert taxes == ["0.33", "0.34", "0.33"]
    assert reload(invoice).status == "paid"


def test_the_tax_share_of_uneven_notes(api, turl, tenant):
    invoice = InvoiceFactory(tenant=tenant, line_amounts=["100.00"], tax=Decimal("8.88"))  # total 108.88
    first = issue(api, turl, invoice, amount="0.05").json()["tax"]  # 0.05 × 8.88 / 108.88 = 0.0041 → 0.00
    second = issue(api, turl, invoice, amount="54.39").json()["tax"]  # 54.44 × … = 4.4399 → 4.44
    assert (first, second) == ("0.00", "4.44")


# Bad input


@pytest.mark.parametrize(
    ("body", "attr", "code", "detail"),
    [
        ({"amount": "0"}, "amount", "invalid", AMOUNT_NOT_POSITIVE),
        ({"amount": "-1.00"}, "amount", "invalid", AMOUNT_NOT_POSITIVE),
        ({"amount": "1.005"}, "amount", "invalid", AMOUNT_TOO_PRECISE.format(field="amount", currency="USD", places=2)),
        ({"amount": 10}, "amount", "invalid", AMOUNT_INVALID),
        ({"amount": "ten"}, "amount", "invalid", AMOUNT_INVALID),
        ({"amount": "1.00", "reason": "because"}, "reason", "invalid_choice", '"because" is not a valid choice.'),
        (
            {"amount": "1.00", "memo": "x" * 501},
            "memo",
            "max_length",
            "Ensure this field has no more than 500 characters.",
        ),
    ],
)
def test_bad_input_is_400_naming_the_field(api, turl, invoice, body, attr, code, detail):
    response = issue(api, turl, invoice, **body)
    assert response.status_code == 400
    assert errors(response) == [(attr, code, detail)]
    assert reload(invoice).amount_credited == 0


def test_a_missing_amount_and_reason_are_400(api, turl, invoice):
    response = api.post(turl(f"invoices/{invoice.pk}/credit-notes"), {})
    assert response.status_code == 400
    assert {(e["attr"], e["code"]) for e in response.json()["errors"]} == {
        ("amount", "required"),
        ("reason", "required"),
    }


def test_a_split_with_too_many_decimals_is_400(api, turl, paid):
    response = issue(api, turl, paid, amount="1.00", refund_amount="0.999", credit_amount="0.001")
    assert response.status_code == 400
    assert [e["attr"] for e in response.json()["errors"]] == ["refund_amount", "credit_amount"]


def test_an_unknown_invoice_is_404(api, turl):
    response = issue(api, turl, type("X", (), {"pk": uuid.uuid4()}), amount="1.00")
    assert response.status_code == 404
    assert errors(response) == [(None, "not_found", INVOICE_NOT_FOUND)]


def test_a_viewer_may_not_issue_a_note(viewer_api, turl, invoice):
    assert issue(viewer_api, turl, invoice, amount="1.00").status_code == 403


def test_a_replayed_idempotency_key_issues_one_note(api, turl, invoice):
    url, body = turl(f"invoices/{invoice.pk}/credit-notes"), {"amount": "5.00", "reason": "duplicate"}
    first = api.post(url, body, HTTP_IDEMPOTENCY_KEY="cn-1")
    again = api.post(url, body, HTTP_IDEMPOTENCY_KEY="cn-1")
    assert (first.status_code, again.status_code, again.headers["Idempotent-Replayed"]) == (201, 201, "true")
    assert again.json() == first.json()
    assert CreditNote.objects.count() == 1
    assert reload(invoice).amount_due == Decimal("44.00")


# Reading


def test_list_and_detail_with_filters(api, turl, tenant):
    first, second = InvoiceFactory(tenant=tenant), InvoiceFactory(tenant=tenant)
    a, b = credit_note(invoice=first), credit_note(invoice=second, amount="2.00")
    c = credit_note(invoice=first, amount="3.00")
    listed = api.get(turl("credit-notes")).json()["results"]
    assert [n["number"] for n in listed] == ["CN-000003", "CN-000002", "CN-000001"]
    assert listed[0] == credit_note_body(c)
    by_invoice = api.get(turl("credit-notes"), {"invoice_id": str(first.pk)}).json()["results"]
    assert [n["id"] for n in by_invoice] == [str(c.pk), str(a.pk)]
    by_customer = api.get(turl("credit-notes"), {"customer_id": str(second.customer_id)}).json()["results"]
    assert [n["id"] for n in by_customer] == [str(b.pk)]
    assert api.get(turl(f"credit-notes/{b.pk}")).json() == credit_note_body(b)


def test_a_bad_filter_is_400_and_an_unknown_note_404(api, turl):
    response = api.get(turl("credit-notes"), {"invoice_id": "nope"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "invoice_id"
    missing = api.get(turl(f"credit-notes/{uuid.uuid4()}"))
    assert (missing.status_code, errors(missing)) == (404, [(None, "not_found", CREDIT_NOTE_NOT_FOUND)])


def test_the_upcoming_invoice_shows_amount_credited(api, turl, tenant):
    sub = SubscriptionFactory(tenant=tenant)
    body = api.get(turl(f"subscriptions/{sub.pk}/upcoming-invoice")).json()
    assert (body["amount_credited"], body["amount_paid"], body["amount_due"]) == ("0.00", "0.00", "49.00")


# Concurrency: real threads, real commits


def _issue_in_thread(user, url, body, results):
    try:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens_for_user(user)['access']}")
        results.append(client.post(url, body, format="json"))
    finally:
        connection.close()


def _at_once(calls):
    results: list = []
    threads = [threading.Thread(target=_issue_in_thread, args=(*call, results)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_two_notes_at_once_on_one_tenant_are_numbered_without_gap(admin_user, turl, tenant):
    invoices = [InvoiceFactory(tenant=tenant) for _ in range(4)]
    body = {"amount": "5.00", "reason": "other"}
    results = _at_once([(admin_user, turl(f"invoices/{i.pk}/credit-notes"), body) for i in invoices])
    assert sorted(r.status_code for r in results) == [201] * 4
    assert sorted(r.json()["number"] for r in results) == ["CN-000001", "CN-000002", "CN-000003", "CN-000004"]
    sequence = NumberSequence.objects.get(tenant=tenant, series="CN")
    assert sequence.last_number == 4
    assert all(i.amount_due == Decimal("44.00") for i in Invoice.objects.filter(pk__in=[i.pk for i in invoices]))


@pytest.mark.django_db(transaction=True)
def test_two_notes_at_once_on_one_invoice_never_exceed_its_amount_due(admin_user, turl, tenant):
    invoice = InvoiceFactory(tenant=tenant, credits_applied=Decimal("19.00"))  # 30.00 due of 49.00
    body = {"amount": "20.00", "reason": "other"}
    results = _at_once([(admin_user, turl(f"invoices/{invoice.pk}/credit-notes"), body)] * 2)
    assert sorted(r.status_code for r in results) == [201, 409]
    (refused,) = [r for r in results if r.status_code == 409]
    assert refused.json()["errors"][0]["code"] == "exceeds_amount_due"
    invoice = reload(invoice)
    assert (invoice.amount_credited, invoice.amount_due) == (Decimal("20.00"), Decimal("10.00"))
    # The refused note took no number: the next one is CN-000002.
    assert issue_number(admin_user, turl, invoice) == "CN-000002"


def issue_number(user, turl, invoice):
    (response,) = _at_once([(user, turl(f"invoices/{invoice.pk}/credit-notes"), {"amount": "1.00", "reason": "other"})])
    return response.json()["number"]
