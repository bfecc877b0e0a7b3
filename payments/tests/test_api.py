"""POST /v1/webhooks/payment: every case of API.md, with real Standard Webhooks signatures."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from rest_framework.test import APIClient
from standardwebhooks.webhooks import Webhook

from invoices.models import Invoice
from invoices.serializers import invoice_body
from invoices.services import invoice_due_subscriptions, invoice_void
from payments.api import (
    AMOUNT_NOT_A_DECIMAL_STRING,
    BAD_SIGNATURE,
    PAYMENT_WEBHOOK_MAX_BYTES,
    UNREADABLE_SIGNATURE,
    WEBHOOK_ID_TOO_LONG,
    WEBHOOK_TOO_LARGE,
)
from payments.models import PaymentEvent
from payments.services import PAYMENT_AMOUNT_MISMATCH
from subscriptions.models import Subscription
from subscriptions.tests.factories import SubscriptionFactory
from tenants.models import Tenant
from tenants.parsers import JSON_TOO_DEEP, NULL_CHARACTER
from tenants.tests.factories import make_sandbox
from tenants.tests.utils import at, at_once
from webhooks.models import Event, WebhookDelivery
from webhooks.tests.factories import WebhookEndpointFactory

pytestmark = pytest.mark.django_db

URL = "/v1/webhooks/payment"
NOW = datetime(2026, 3, 10, 12, 0, 0, tzinfo=UTC)
OTHER_SECRET = "whsec_" + "b3RoZXItc2VjcmV0LW5vdC10aGUtcHJvdmlkZXJzIQ=="


def sign(raw: str, msg_id: str, when: datetime, secret: str | None = None) -> dict[str, str]:
    signature = Webhook(secret or settings.PAYMENT_WEBHOOK_SECRET).sign(msg_id=msg_id, timestamp=when, data=raw)
    return {"webhook-id": msg_id, "webhook-timestamp": str(int(when.timestamp())), "webhook-signature": signature}


def body(invoice, type="payment.succeeded", amount=None, currency=None, failure_reason=None):
    data = {
        "invoice_id": str(invoice.pk),
        "amount": amount if amount is not None else f"{invoice.total:.2f}",
        "currency": currency or invoice.currency,
        "failure_reason": failure_reason,
    }
    return {"type": type, "data": data}


def post(payload, msg_id="msg_1", when=None, secret=None, headers=None):
    """POST `payload` signed as the provider would (at `when`, default now)."""
    raw = payload if isinstance(payload, str) else json.dumps(payload)
    signed = sign(raw, msg_id, when or datetime.now(UTC), secret) if headers is None else headers
    return APIClient().post(URL, data=raw, content_type="application/json", headers=signed)


@pytest.fixture(autouse=True)
def endpoint(tenant, httpserver):
    """The tenant's webhook endpoint (a real HTTP receiver): events are stored for it."""
    httpserver.expect_request("/hooks", method="POST").respond_with_data("ok")
    return WebhookEndpointFactory(
        tenant=tenant, url=httpserver.url_for("/hooks"), event_types=["invoice.paid", "invoice.payment_failed"]
    )


@pytest.fixture
def sub(tenant):
    return SubscriptionFactory(tenant=tenant, start_at=at(2026, 1, 1))  # 49.00 USD a month


def invoices_until(tenant, as_of):
    with time_machine.travel(as_of + timedelta(hours=1), tick=False):
        invoice_due_subscriptions(tenant=tenant.id, as_of=as_of)
    return list(Invoice.objects.for_tenant(tenant).order_by("period_start"))


@pytest.fixture
def invoice(tenant, sub):
    (january,) = invoices_until(tenant, at(2026, 2, 1))
    assert (january.status, january.total, january.currency) == ("open", Decimal("49.00"), "USD")
    return january


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def events(type):
    return list(Event.objects.filter(type=type).order_by("created_at"))


def assert_nothing_recorded(invoice, sub):
    invoice.refresh_from_db()
    sub.refresh_from_db()
    assert PaymentEvent.unscoped().count() == 0
    assert (invoice.status, invoice.paid_at, sub.status) == ("open", None, "active")
    assert events("invoice.paid") == events("invoice.payment_failed") == []


# Signatures


def assert_401(response, detail):
    assert response.status_code == 401
    assert response.json() == {
        "type": "client_error",
        "errors": [{"code": "authentication_failed", "detail": detail, "attr": None}],
    }
    assert response.headers["WWW-Authenticate"] == 'StandardWebhooks realm="payments"'


def test_a_forged_signature_is_401_and_nothing_is_recorded(invoice, sub):
    response = post(body(invoice), secret=OTHER_SECRET)
    assert_401(response, BAD_SIGNATURE.format(reason="no matching signature found"))
    assert_nothing_recorded(invoice, sub)


def test_a_body_changed_after_signing_is_401(invoice, sub):
    raw = json.dumps(body(invoice))
    headers = sign(raw, "msg_1", datetime.now(UTC))
    response = post(raw.replace("payment.succeeded", "payment.failed"), headers=headers)
    assert_401(response, BAD_SIGNATURE.format(reason="no matching signature found"))
    assert_nothing_recorded(invoice, sub)


def test_an_unsigned_webhook_is_401(invoice, sub):
    response = post(body(invoice), headers={})
    assert_401(response, BAD_SIGNATURE.format(reason="missing required headers"))
    assert_nothing_recorded(invoice, sub)


@pytest.mark.parametrize("signature", ["garbage", "v1,not base64!", "v1"])
def test_an_unreadable_signature_header_is_401_not_500(invoice, sub, signature):
    raw = json.dumps(body(invoice))
    headers = {**sign(raw, "msg_1", datetime.now(UTC)), "webhook-signature": signature}
    response = post(raw, headers=headers)
    assert response.status_code == 401
    assert response.json()["errors"][0]["detail"] in {
        UNREADABLE_SIGNATURE,
        BAD_SIGNATURE.format(reason="no matching signature found"),
    }
    assert_nothing_recorded(invoice, sub)


@pytest.mark.parametrize(
    ("offset", "reason"),
    [(timedelta(minutes=-6), "message timestamp too old"), (timedelta(minutes=6), "message timestamp too new")],
)
def test_a_timestamp_more_than_5_minutes_off_is_401(invoice, sub, clock, offset, reason):
    response = post(body(invoice), when=NOW + offset)
    assert_401(response, BAD_SIGNATURE.format(reason=reason))
    assert_nothing_recorded(invoice, sub)


def test_a_webhook_replayed_later_than_5_minutes_is_401(invoice, sub):
    raw = json.dumps(body(invoice))
    with time_machine.travel(NOW, tick=False):
        headers = sign(raw, "msg_1", NOW)
    with time_machine.travel(NOW + timedelta(minutes=5, seconds=1), tick=False):
        response = post(raw, headers=headers)
    assert_401(response, BAD_SIGNATURE.format(reason="message timestamp too old"))
    assert_nothing_recorded(invoice, sub)


def test_a_timestamp_4_minutes_old_is_accepted(invoice, clock):
    response = post(body(invoice), when=NOW - timedelta(minutes=4))
    assert response.status_code == 200
    assert response.json()["outcome"] == "paid"


# Validation


@pytest.mark.parametrize(
    ("change", "attr"),
    [
        (lambda b: b.pop("type"), "type"),
        (lambda b: b.update(type="payment.refunded"), "type"),
        (lambda b: b.pop("data"), "data"),
        (lambda b: b["data"].pop("invoice_id"), "data.invoice_id"),
        (lambda b: b["data"].update(invoice_id="INV-000001"), "data.invoice_id"),
        (lambda b: b["data"].pop("amount"), "data.amount"),
        (lambda b: b["data"].update(amount=49.0), "data.amount"),
        (lambda b: b["data"].update(amount="forty-nine"), "data.amount"),
        (lambda b: b["data"].update(amount="-49.00"), "data.amount"),
        (lambda b: b["data"].pop("currency"), "data.currency"),
        (lambda b: b["data"].update(currency="usd"), "data.currency"),
        (lambda b: b["data"].update(currency="ZZZ"), "data.currency"),
    ],
)
def test_an_invalid_body_is_400_naming_the_field(invoice, sub, change, attr):
    payload = body(invoice)
    change(payload)
    response = post(payload)
    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert [error["attr"] for error in response.json()["errors"]] == [attr]
    assert_nothing_recorded(invoice, sub)


def test_an_amount_sent_as_a_number_is_refused_with_the_reason(invoice):
    payload = body(invoice)
    payload["data"]["amount"] = 49
    response = post(payload)
    assert response.json()["errors"] == [
        {"code": "invalid", "detail": AMOUNT_NOT_A_DECIMAL_STRING, "attr": "data.amount"}
    ]


def test_a_webhook_id_longer_than_255_characters_is_400(invoice, sub):
    response = post(body(invoice), msg_id="m" * 256)
    assert response.status_code == 400
    assert response.json()["errors"] == [{"code": "invalid", "detail": WEBHOOK_ID_TOO_LONG, "attr": "webhook-id"}]
    assert_nothing_recorded(invoice, sub)


def test_signed_malformed_json_is_400(invoice, sub):
    response = post('{"type": "payment.succeeded", ')
    assert response.status_code == 400
    assert response.json()["type"] == "client_error"
    assert response.json()["errors"][0]["code"] == "parse_error"
    assert_nothing_recorded(invoice, sub)


# What a signed body may not hold, and what is refused before the signature is checked
# (issue #11, item 14).


@pytest.mark.parametrize(
    ("change", "attr"),
    [
        (lambda b: b["data"].update(failure_reason="card\x00declined"), "data.failure_reason"),
        (lambda b: b["data"].update({"note\x00": "x"}), "data"),
        (lambda b: b.update(extra={"tags": ["ok", "\x00"]}), "extra.tags.1"),
    ],
)
def test_a_nul_character_in_a_signed_body_is_400_naming_its_place(invoice, sub, change, attr):
    payload = body(invoice)
    change(payload)
    response = post(payload)
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"code": "null_characters_not_allowed", "detail": NULL_CHARACTER, "attr": attr}
    ]
    assert_nothing_recorded(invoice, sub)


def test_signed_json_nested_1000_deep_is_400(invoice, sub):
    response = post('{"type": "payment.succeeded", "data": ' + "[" * 1000 + "]" * 1000 + "}")
    assert response.status_code == 400
    assert response.json()["errors"] == [{"code": "parse_error", "detail": JSON_TOO_DEEP, "attr": None}]
    assert_nothing_recorded(invoice, sub)


def test_the_signature_is_checked_before_the_body_is_parsed(invoice, sub):
    deep = "[" * 30_000 + "]" * 30_000  # under the size limit, so that the signature answers
    forged = sign(deep, "msg_1", datetime.now(UTC), secret=OTHER_SECRET)
    assert_401(post(deep, headers=forged), BAD_SIGNATURE.format(reason="no matching signature found"))
    assert_nothing_recorded(invoice, sub)


def test_a_body_over_the_webhook_limit_is_413_before_the_signature_is_checked(invoice, sub):
    payload = body(invoice, failure_reason="x" * PAYMENT_WEBHOOK_MAX_BYTES)
    response = post(payload, headers={})  # unsigned: the size answers first
    assert response.status_code == 413
    assert response.json() == {
        "type": "client_error",
        "errors": [{"code": "request_too_large", "detail": WEBHOOK_TOO_LARGE, "attr": None}],
    }
    assert_nothing_recorded(invoice, sub)


@pytest.mark.parametrize("amount", ["1e1000000", "1e-1000000", "NaN", "Infinity", "1_000", " 49.00", "+49.00"])
def test_an_amount_out_of_bounds_or_in_a_python_only_spelling_is_400(invoice, sub, amount):
    response = post(body(invoice, amount=amount))
    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] in (
        [("data.amount", "invalid")],
        [("data.amount", "max_whole_digits")],
        [("data.amount", "max_decimal_places")],
    )
    assert_nothing_recorded(invoice, sub)


# Unknown invoice


def test_an_unknown_invoice_is_404_and_not_recorded(invoice, sub):
    payload = body(invoice)
    payload["data"]["invoice_id"] = "00000000-0000-4000-8000-000000000000"
    response = post(payload)
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"
    assert_nothing_recorded(invoice, sub)
    # Not recorded, so a retry by the provider gets the same answer.
    assert post(payload).status_code == 404


# payment.succeeded


def test_a_succeeded_payment_marks_the_invoice_paid_and_publishes_invoice_paid(invoice, sub, clock):
    response = post(body(invoice), msg_id="msg_paid")
    assert response.status_code == 200
    assert response.json() == {
        "webhook_id": "msg_paid",
        "invoice_id": str(invoice.pk),
        "credit_note_id": None,
        "outcome": "paid",
        "duplicate": False,
    }
    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_at) == ("paid", NOW)
    (published,) = events("invoice.paid")
    assert published.tenant_id == invoice.tenant_id
    assert published.data == invoice_body(invoice)
    assert published.data["status"] == "paid"
    assert published.data["paid_at"] == "2026-03-10T12:00:00.000000Z"
    (stored,) = PaymentEvent.unscoped().all()
    assert (stored.tenant_id, stored.invoice_id, stored.type, stored.outcome) == (
        invoice.tenant_id,
        invoice.pk,
        "payment.succeeded",
        "paid",
    )
    assert (stored.amount, stored.currency, stored.payload) == (Decimal("49.00"), "USD", body(invoice))


def test_the_tenant_receives_invoice_paid_signed_with_its_secret(
    invoice, endpoint, httpserver, clock, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert post(body(invoice)).status_code == 200
    (request, _response), *_ = httpserver.log
    received = Webhook(endpoint.secret).verify(request.get_data(), dict(request.headers))
    invoice.refresh_from_db()
    assert (received["type"], received["tenant_id"], received["data"]) == (
        "invoice.paid",
        str(invoice.tenant_id),
        invoice_body(invoice),
    )
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.SUCCEEDED


def test_an_amount_with_other_trailing_zeros_is_the_same_amount(invoice):
    assert post(body(invoice, amount="49")).json()["outcome"] == "paid"


def test_a_succeeded_payment_brings_a_past_due_subscription_back_to_active(invoice, sub):
    assert post(body(invoice, type="payment.failed", failure_reason="card_declined"), msg_id="a").status_code == 200
    sub.refresh_from_db()
    assert sub.status == "past_due"
    assert post(body(invoice), msg_id="b").status_code == 200
    sub.refresh_from_db()
    invoice.refresh_from_db()
    assert (invoice.status, sub.status) == ("paid", "active")


def test_the_subscription_stays_past_due_while_another_failed_invoice_is_open(tenant, sub):
    january, february = invoices_until(tenant, at(2026, 3, 1))
    post(body(january, type="payment.failed"), msg_id="jan-failed")
    post(body(february, type="payment.failed"), msg_id="feb-failed")
    post(body(february), msg_id="feb-paid")
    sub.refresh_from_db()
    assert sub.status == "past_due"
    post(body(january), msg_id="jan-paid")
    sub.refresh_from_db()
    assert sub.status == "active"


def test_a_second_success_of_a_paid_invoice_is_200_and_changes_nothing(invoice, clock):
    post(body(invoice), msg_id="first")
    clock.shift(timedelta(minutes=1))
    response = post(body(invoice), msg_id="second")
    assert response.status_code == 200
    assert response.json()["outcome"] == "already_paid"
    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_at) == ("paid", NOW)
    assert len(events("invoice.paid")) == 1
    assert PaymentEvent.unscoped().get(webhook_id="second").detail.startswith(f"Invoice {invoice.number} was already")


def test_a_payment_of_a_void_invoice_is_409_and_recorded(invoice, sub):
    invoice_void(tenant=invoice.tenant_id, invoice_id=invoice.pk)
    response = post(body(invoice), msg_id="late")
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "invoice_not_payable"
    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_at) == ("void", None)
    assert PaymentEvent.unscoped().get(webhook_id="late").outcome == "invoice_not_payable"
    assert events("invoice.paid") == []


def test_an_uncollectible_invoice_that_gets_paid_is_paid(invoice):
    Invoice.objects.filter(pk=invoice.pk).update(status=Invoice.Status.UNCOLLECTIBLE)
    assert post(body(invoice)).json()["outcome"] == "paid"
    invoice.refresh_from_db()
    assert invoice.status == "paid"


# Amount mismatch


@pytest.mark.parametrize(("amount", "currency"), [("48.99", "USD"), ("49.01", "USD"), ("49.00", "EUR")])
def test_an_amount_or_currency_that_differs_is_409_and_recorded_for_support(invoice, sub, amount, currency):
    response = post(body(invoice, amount=amount, currency=currency), msg_id="odd")
    assert response.status_code == 409
    detail = PAYMENT_AMOUNT_MISMATCH.format(
        amount=amount, currency=currency, number=invoice.number, total="49.00", invoice_currency="USD"
    )
    assert response.json() == {
        "type": "client_error",
        "errors": [{"code": "amount_mismatch", "detail": detail, "attr": None}],
    }
    stored = PaymentEvent.unscoped().get(webhook_id="odd")
    assert (stored.outcome, stored.detail, stored.amount, stored.currency) == (
        "amount_mismatch",
        detail,
        Decimal(amount),
        currency,
    )
    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_at) == ("open", None)
    assert events("invoice.paid") == []
    # The same webhook again is acknowledged: support already has it.
    again = post(body(invoice, amount=amount, currency=currency), msg_id="odd")
    assert (again.status_code, again.json()["duplicate"], again.json()["outcome"]) == (200, True, "amount_mismatch")


# payment.failed


def test_a_failed_payment_makes_the_subscription_past_due_and_publishes_it(invoice, sub):
    response = post(body(invoice, type="payment.failed", failure_reason="card_declined"), msg_id="f")
    assert response.status_code == 200
    assert response.json()["outcome"] == "payment_failed"
    invoice.refresh_from_db()
    sub.refresh_from_db()
    assert (invoice.status, sub.status) == ("open", "past_due")
    (published,) = events("invoice.payment_failed")
    assert published.tenant_id == invoice.tenant_id
    assert published.data == invoice_body(invoice)
    assert PaymentEvent.unscoped().get(webhook_id="f").failure_reason == "card_declined"


def test_a_failure_reported_after_the_invoice_was_paid_changes_nothing(invoice, sub):
    post(body(invoice), msg_id="ok")
    response = post(body(invoice, type="payment.failed", failure_reason="card_declined"), msg_id="stale")
    assert response.status_code == 200
    assert response.json()["outcome"] == "ignored"
    sub.refresh_from_db()
    assert sub.status == "active"
    assert events("invoice.payment_failed") == []


def test_a_failure_does_not_revive_a_canceled_subscription(invoice, sub):
    Subscription.objects.filter(pk=sub.pk).update(status=Subscription.Status.CANCELED)
    post(body(invoice, type="payment.failed"))
    sub.refresh_from_db()
    assert sub.status == "canceled"


# The same webhook-id again


def test_the_same_webhook_id_again_is_200_with_no_second_effect(invoice, sub, clock):
    first = post(body(invoice), msg_id="msg_dup")
    clock.shift(timedelta(minutes=2))
    second = post(body(invoice), msg_id="msg_dup")
    assert (first.status_code, second.status_code) == (200, 200)
    assert (first.json()["duplicate"], second.json()["duplicate"]) == (False, True)
    assert second.json()["outcome"] == "paid"
    invoice.refresh_from_db()
    assert invoice.paid_at == NOW
    assert PaymentEvent.unscoped().count() == 1
    assert len(events("invoice.paid")) == 1


def test_a_redelivered_failure_does_not_undo_a_later_success(invoice, sub):
    post(body(invoice, type="payment.failed"), msg_id="fail")
    post(body(invoice), msg_id="paid")
    post(body(invoice, type="payment.failed"), msg_id="fail")
    invoice.refresh_from_db()
    sub.refresh_from_db()
    assert (invoice.status, sub.status) == ("paid", "active")
    assert len(events("invoice.payment_failed")) == 1


# Concurrency: real transactions, requests released together by a barrier


def race(*requests):
    answers = at_once(
        [lambda payload=payload, msg_id=msg_id: post(payload, msg_id=msg_id) for payload, msg_id in requests]
    )
    return sorted(answer.status_code for answer in answers)


@pytest.mark.django_db(transaction=True)
def test_the_same_webhook_delivered_twice_at_once_has_one_effect(tenant):
    sub = SubscriptionFactory(tenant=tenant, start_at=at(2026, 1, 1))
    (invoice,) = invoices_until(tenant, at(2026, 2, 1))
    assert race((body(invoice), "twice"), (body(invoice), "twice")) == [200, 200]
    assert PaymentEvent.unscoped().count() == 1
    assert len(events("invoice.paid")) == 1
    sub.refresh_from_db()
    assert sub.status == "active"


@pytest.mark.django_db(transaction=True)
def test_a_success_and_a_failure_racing_end_paid_and_active(tenant):
    sub = SubscriptionFactory(tenant=tenant, start_at=at(2026, 1, 1))
    (invoice,) = invoices_until(tenant, at(2026, 2, 1))
    failed = body(invoice, type="payment.failed", failure_reason="card_declined")
    assert race((body(invoice), "ok"), (failed, "ko")) == [200, 200]
    invoice.refresh_from_db()
    sub.refresh_from_db()
    # Either order ends the same: paid, and the subscription active.
    assert (invoice.status, sub.status) == ("paid", "active")
    assert len(events("invoice.paid")) == 1


def test_the_schema_documents_the_webhook_without_credentials(client):
    schema = client.get("/v1/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operation = schema["paths"]["/v1/webhooks/payment"]["post"]
    assert "security" not in operation
    assert {"200", "400", "401", "404", "409"} <= set(operation["responses"])
    assert {p["name"] for p in operation["parameters"] if p["in"] == "header"} == {
        "webhook-id",
        "webhook-timestamp",
        "webhook-signature",
    }


# Support: the admin


@pytest.fixture
def recorded(tenant, other_tenant, invoice):
    """Acme: a mismatch then the payment of its January invoice; Globex: a failure."""
    SubscriptionFactory(tenant=other_tenant, start_at=at(2026, 1, 1))
    (globex_invoice,) = invoices_until(other_tenant, at(2026, 2, 1))
    post(body(invoice, amount="48.00"), msg_id="acme-odd")
    post(body(invoice), msg_id="acme-paid")
    post(body(globex_invoice, type="payment.failed", failure_reason="card_declined"), msg_id="globex-failed")
    return invoice, globex_invoice


def listed(response) -> list[str]:
    assert response.status_code == 200
    return sorted(event.webhook_id for event in response.context["cl"].queryset)


PAYMENT_EVENTS = reverse("admin:payments_paymentevent_changelist")


def test_the_admin_lists_every_tenants_payment_events(staff_client, recorded):
    assert listed(staff_client.get(PAYMENT_EVENTS)) == ["acme-odd", "acme-paid", "globex-failed"]


def test_the_admin_filters_payment_events_by_outcome(staff_client, recorded):
    assert listed(staff_client.get(PAYMENT_EVENTS, {"outcome": "amount_mismatch"})) == ["acme-odd"]
    assert listed(staff_client.get(PAYMENT_EVENTS, {"outcome": "payment_failed"})) == ["globex-failed"]


def test_the_admin_finds_payment_events_by_webhook_id_or_invoice_number(staff_client, recorded):
    acme_invoice, globex_invoice = recorded
    assert listed(staff_client.get(PAYMENT_EVENTS, {"q": "globex-failed"})) == ["globex-failed"]
    assert acme_invoice.number == globex_invoice.number == "INV-000001"  # numbers are per tenant
    assert listed(staff_client.get(PAYMENT_EVENTS, {"q": "INV-000001"})) == ["acme-odd", "acme-paid", "globex-failed"]
    assert listed(staff_client.get(PAYMENT_EVENTS, {"q": "INV-000002"})) == []


def test_a_payment_event_is_shown_read_only_with_its_detail_and_payload(staff_client, recorded):
    event = PaymentEvent.unscoped().get(webhook_id="acme-odd")
    url = reverse("admin:payments_paymentevent_change", args=[event.pk])
    page = staff_client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert event.detail in html.replace("&#x27;", "'")
    assert "48.00 USD" in html
    assert "&quot;amount&quot;: &quot;48.00&quot;" in html
    assert staff_client.post(url, {"outcome": "paid"}).status_code == 403
    assert staff_client.get(reverse("admin:payments_paymentevent_add")).status_code == 403
    assert (
        staff_client.post(reverse("admin:payments_paymentevent_delete", args=[event.pk]), {"post": "yes"}).status_code
        == 403
    )
    event.refresh_from_db()
    assert event.outcome == "amount_mismatch"


# A sandbox tenant's invoices


def test_a_payment_while_the_sandboxs_clock_advances_is_409_then_applied_at_its_clock(tenant, invoice, sub):
    make_sandbox(tenant, at(2026, 2, 1))
    Tenant.objects.filter(pk=tenant.pk).update(clock_advancing_to=at(2026, 2, 20))

    refused = post(body(invoice))

    assert refused.status_code == 409
    assert refused.json()["errors"][0]["code"] == "clock_advancing"
    assert_nothing_recorded(invoice, sub)  # so that the provider's retry applies it
    Tenant.objects.filter(pk=tenant.pk).update(clock_time=at(2026, 2, 20), clock_advancing_to=None)

    applied = post(body(invoice))

    assert (applied.status_code, applied.json()["outcome"]) == (200, "paid")
    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_at) == ("paid", at(2026, 2, 20))  # the sandbox's time, not real time
