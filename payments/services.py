"""Collecting payment: the call to the payment provider, and what its webhook does.

Out: an open invoice with a total above 0 is POSTed to `PAYMENT_PROVIDER_URL` once its
transaction commits, by a retried task, with the invoice id as `Idempotency-Key`.
With the URL empty, nothing is sent and invoices wait for a payment webhook or for
support staff.

In: the provider answers later through the signed payment webhook
(`payments.api`), which calls `payment_event_receive` once its signature and
body check out. Each webhook is applied at most once (`PaymentEvent.webhook_id` is
unique) under a lock of its invoice, so a success and a failure of the same invoice
arriving together leave it in one consistent state, whatever their order. See
docs/payments.md.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import requests
import structlog
from django.conf import settings
from django.db import IntegrityError, transaction

from invoices.models import Invoice
from invoices.serializers import invoice_body
from payments.models import PaymentEvent
from plans.money import format_price
from subscriptions.models import Subscription
from tenants import clock
from tenants.errors import Conflict, NotFound
from tenants.isolation import tenant_scope
from tenants.models import TenantRef
from webhooks.models import EventType
from webhooks.services import event_publish

log = structlog.get_logger(__name__)

PROVIDER_TIMEOUT_SECONDS = 10


class ProviderUnavailable(Exception):
    """The provider could not be reached or answered 5xx/429: retry later."""


def invoice_collect_payment(*, tenant: TenantRef, invoice_id: uuid.UUID) -> str:
    """Send the charge request; returns what happened (for the task result and logs)."""
    url = settings.PAYMENT_PROVIDER_URL
    if not url:
        return "skipped: no PAYMENT_PROVIDER_URL"
    invoice = Invoice.objects.for_tenant(tenant).filter(pk=invoice_id).first()
    if invoice is None or invoice.status != Invoice.Status.OPEN or invoice.amount_due <= 0:
        return "skipped: not an open invoice with an amount due"
    body = {
        "invoice_id": str(invoice.pk),
        "tenant_id": str(invoice.tenant_id),
        "customer_id": str(invoice.customer_id),
        "amount": format_price(invoice.charge_amount, invoice.currency),
        "currency": invoice.currency,
    }
    try:
        response = requests.post(
            url, json=body, headers={"Idempotency-Key": str(invoice.pk)}, timeout=PROVIDER_TIMEOUT_SECONDS
        )
    except requests.RequestException as exc:
        raise ProviderUnavailable(str(exc)) from exc
    if response.status_code >= 500 or response.status_code == 429:
        raise ProviderUnavailable(f"provider answered {response.status_code}")
    if response.status_code >= 400:
        # Asking again would get the same answer: the invoice waits for support staff.
        log.warning("payment_request_refused", invoice_id=str(invoice.pk), status=response.status_code)
        return f"refused: provider answered {response.status_code}"
    log.info("payment_requested", invoice_id=str(invoice.pk), status=response.status_code)
    return f"sent: provider answered {response.status_code}"


# The payment webhook

PAYMENT_INVOICE_NOT_FOUND = "No such invoice: {invoice_id}."
PAYMENT_AMOUNT_MISMATCH = (
    "The payment is for {amount} {currency} but invoice {number} is for {total} {invoice_currency}; "
    "nothing was applied, and support staff will look at it."
)
PAYMENT_INVOICE_NOT_PAYABLE = (
    "Invoice {number} is {status}: a payment cannot be applied to it; support staff will look at it."
)
PAYMENT_ALREADY_PAID = "Invoice {number} was already paid at {paid_at}; a second charge needs a refund."
PAYMENT_FAILURE_IGNORED = "Invoice {number} is {status}: a failed payment changes nothing."


@dataclass(frozen=True)
class PaymentNotice:
    """A verified and validated payment webhook."""

    webhook_id: str
    type: str
    invoice_id: uuid.UUID
    amount: Decimal
    currency: str
    failure_reason: str
    payload: dict[str, Any]


def _outcome(notice: PaymentNotice, invoice: Invoice) -> tuple[str, str]:
    """What the notice does to the invoice as it stands now: (outcome, detail)."""
    outcome = PaymentEvent.Outcome
    if notice.currency != invoice.currency or notice.amount != invoice.charge_amount:
        return outcome.AMOUNT_MISMATCH, PAYMENT_AMOUNT_MISMATCH.format(
            amount=format_price(notice.amount, notice.currency),
            currency=notice.currency,
            number=invoice.number,
            total=format_price(invoice.charge_amount, invoice.currency),
            invoice_currency=invoice.currency,
        )
    status = invoice.status
    if notice.type == PaymentEvent.Type.SUCCEEDED:
        if status == Invoice.Status.PAID:
            return outcome.ALREADY_PAID, PAYMENT_ALREADY_PAID.format(number=invoice.number, paid_at=invoice.paid_at)
        if status == Invoice.Status.VOID:
            return outcome.INVOICE_NOT_PAYABLE, PAYMENT_INVOICE_NOT_PAYABLE.format(number=invoice.number, status=status)
        return outcome.PAID, ""  # open, or uncollectible that got paid after all
    if status != Invoice.Status.OPEN:
        return outcome.IGNORED, PAYMENT_FAILURE_IGNORED.format(number=invoice.number, status=status)
    return outcome.PAYMENT_FAILED, ""


def _apply(event: PaymentEvent, invoice: Invoice) -> None:
    """The effects of an outcome: the invoice, its subscription, the tenant's event."""
    subscriptions = Subscription.objects.for_tenant(invoice.tenant_id).filter(pk=invoice.subscription_id)
    if event.outcome == PaymentEvent.Outcome.PAID:
        invoice.status, invoice.paid_at = Invoice.Status.PAID, clock.now(invoice.tenant_id)
        invoice.amount_paid, invoice.amount_due = event.amount, Decimal(0)
        invoice.save(update_fields=["status", "paid_at", "amount_paid", "amount_due"])
        # Back to active only when no other invoice of the subscription is open after a failure.
        other_failed = PaymentEvent.objects.for_tenant(invoice.tenant_id).filter(
            invoice__subscription_id=invoice.subscription_id,
            invoice__status=Invoice.Status.OPEN,
            outcome=PaymentEvent.Outcome.PAYMENT_FAILED,
        )
        if not other_failed.exists():
            subscriptions.filter(status=Subscription.Status.PAST_DUE).update(status=Subscription.Status.ACTIVE)
        event_publish(tenant=invoice.tenant_id, type=EventType.INVOICE_PAID, data=invoice_body(invoice))
    elif event.outcome == PaymentEvent.Outcome.PAYMENT_FAILED:
        subscriptions.filter(status=Subscription.Status.ACTIVE).update(status=Subscription.Status.PAST_DUE)
        event_publish(tenant=invoice.tenant_id, type=EventType.INVOICE_PAYMENT_FAILED, data=invoice_body(invoice))


def _store(notice: PaymentNotice, invoice: Invoice, outcome: str, detail: str) -> PaymentEvent | None:
    """The notice as a PaymentEvent; None when the same webhook was stored meanwhile."""
    try:
        with transaction.atomic():  # a savepoint: the caller goes on after a duplicate
            return PaymentEvent.objects.create(
                tenant_id=invoice.tenant_id,
                webhook_id=notice.webhook_id,
                type=notice.type,
                invoice=invoice,
                amount=notice.amount,
                currency=notice.currency,
                failure_reason=notice.failure_reason,
                outcome=outcome,
                detail=detail,
                payload=notice.payload,
            )
    except IntegrityError:
        return None


def payment_event_receive(*, notice: PaymentNotice) -> tuple[PaymentEvent, bool]:
    """Apply one payment webhook, once. Returns (the stored event, whether it is new).

    - A `webhook_id` seen before returns the first event with False: no second effect.
    - An unknown invoice raises NotFound and stores nothing: there is no invoice (and
      so no tenant) to attach it to, and the provider gets the same 404 on every retry.
    - `payment.succeeded` marks an open (or uncollectible) invoice paid, moves its
      `past_due` subscription back to `active` and publishes `invoice.paid`; on a paid
      invoice it changes nothing (`already_paid`).
    - `payment.failed` of an open invoice moves an `active` subscription to `past_due`
      and publishes `invoice.payment_failed`; the invoice stays open.
    - An amount or currency that differs from the invoice, or a payment of a void
      invoice, is stored (for support, in the admin) and then raises Conflict.

    The invoice row is locked (FOR NO KEY UPDATE, which late-usage lines referencing
    it do not wait for) before anything is decided, so a success and a failure of
    the same invoice are applied one after the other.
    """
    seen = PaymentEvent.unscoped().filter(webhook_id=notice.webhook_id).first()
    if seen is not None:
        return seen, False
    with transaction.atomic():
        # Unscoped until the invoice says whose payment this is.
        invoice = Invoice.unscoped().select_for_update(no_key=True).filter(pk=notice.invoice_id).first()
        if invoice is None:
            raise NotFound(PAYMENT_INVOICE_NOT_FOUND.format(invoice_id=notice.invoice_id))
        with tenant_scope(invoice.tenant_id):
            outcome, detail = _outcome(notice, invoice)
            event = _store(notice, invoice, outcome, detail)
            if event is None:  # the same webhook, delivered twice at once: the other one won
                return PaymentEvent.objects.get(webhook_id=notice.webhook_id), False
            _apply(event, invoice)
    fields = {"webhook_id": notice.webhook_id, "invoice_id": str(invoice.pk), "outcome": str(outcome)}
    if outcome in PaymentEvent.NEEDS_SUPPORT:
        log.warning("payment_webhook_needs_support", detail=detail, **fields)
        raise Conflict(detail, code=outcome)
    log.info("payment_webhook_received", **fields)
    return event, True
