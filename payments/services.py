"""Collecting payment and paying refunds: the calls to the payment provider, and what
its webhook does.

Out: an open invoice with an amount due is charged once its transaction commits, by a
retried task: each charge is a `ChargeAttempt` of the invoice's `amount_due` at that
moment, POSTed to `PAYMENT_PROVIDER_URL` with the attempt's id as `Idempotency-Key`
(a retried task sends the same attempt again). A credit note's refund is POSTed there
too (`{"type": "refund", ...}`, the note's id as key). With the URL empty, nothing is
sent and invoices wait for a payment webhook or for support staff.

In: the provider answers later through the signed payment webhook
(`payments.api`), which calls `payment_event_receive` once its signature and
body check out. Each webhook is applied at most once (`PaymentEvent.webhook_id` is
unique) under a lock of its invoice (or credit note), so a success and a failure of
the same charge arriving together leave it in one consistent state, whatever their
order. See docs/payments.md.
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

from audit.services import audit_record, changed_since, snapshot
from invoices import credit_notes, ledger
from invoices.grants import purchase_grant_activate
from invoices.models import BalanceTransaction, CreditNote, Invoice
from invoices.serializers import invoice_body
from payments import dunning
from payments.models import ChargeAttempt, PaymentEvent
from plans.money import format_price
from subscriptions.models import Subscription
from tenants import clock
from tenants.errors import Conflict, NotFound
from tenants.isolation import tenant_scope
from tenants.models import TenantRef, tenant_pk
from webhooks.models import EventType
from webhooks.services import event_publish

log = structlog.get_logger(__name__)

PROVIDER_TIMEOUT_SECONDS = 10


class ProviderUnavailable(Exception):
    """The provider could not be reached or answered 5xx/429: retry later."""


def _post_to_provider(body: dict[str, Any], key: str) -> int:
    """POST `body` to the provider with `key` as its Idempotency-Key; the status of an
    answer below 500 (other than 429), else ProviderUnavailable (the task retries)."""
    try:
        response = requests.post(
            settings.PAYMENT_PROVIDER_URL, json=body, headers={"Idempotency-Key": key}, timeout=PROVIDER_TIMEOUT_SECONDS
        )
    except requests.RequestException as exc:
        raise ProviderUnavailable(str(exc)) from exc
    if response.status_code >= 500 or response.status_code == 429:
        raise ProviderUnavailable(f"provider answered {response.status_code}")
    return response.status_code


def _money_body(ids: dict[str, str], amount: Decimal, currency: str) -> dict[str, str]:
    return {**ids, "amount": format_price(amount, currency), "currency": currency}


def _request(kind: str, body: dict[str, str], key: str) -> int:
    """POST a charge or refund (`kind`) request, logged; the provider's status."""
    status = _post_to_provider(body, key)
    fields = {name: value for name, value in body.items() if name.endswith("_id")}
    if status >= 400:
        log.warning(f"{kind}_request_refused", key=key, status=status, **fields)
    else:
        log.info(f"{kind}_requested", key=key, status=status, **fields)
    return status


def _answer(status: int) -> str:
    """What the task reports: a 4xx is a refusal (asking again gets the same answer)."""
    return f"{'refused' if status >= 400 else 'sent'}: provider answered {status}"


def _charge_attempt(tenant: TenantRef, invoice_id: uuid.UUID) -> ChargeAttempt | None:
    """The attempt to send: the latest pending one when it is for the current amount
    due (a retry of the same charge: same key, never charged twice), else a new one;
    None when the invoice is not open with an amount due."""
    with transaction.atomic():
        invoice = Invoice.objects.for_tenant(tenant).select_for_update(no_key=True).filter(pk=invoice_id).first()
        if invoice is None or invoice.status != Invoice.Status.OPEN or invoice.amount_due <= 0:
            return None
        pending = invoice.charge_attempts.filter(outcome=ChargeAttempt.Outcome.PENDING).order_by("-created_at").first()
        if pending is not None and pending.amount == invoice.amount_due:
            return pending
        return charge_attempt_create(invoice)


def charge_attempt_create(invoice: Invoice) -> ChargeAttempt:
    """A new charge attempt of the (locked, open) invoice's amount due, counted in its
    `attempt_count`; the caller sends it (`collection_queue_on_commit`)."""
    invoice.attempt_count += 1
    invoice.save(update_fields=["attempt_count"])
    changes = {"attempt_count": [invoice.attempt_count - 1, invoice.attempt_count]}
    audit_record(tenant=invoice.tenant_id, action="invoice.charge_sent", obj=invoice, changes=changes)
    return ChargeAttempt.objects.create(
        tenant_id=invoice.tenant_id,
        invoice=invoice,
        amount=invoice.amount_due,
        currency=invoice.currency,
        created_at=clock.real_now(),
    )


def collection_queue_on_commit(tenant: TenantRef, invoice_ids: list[str]) -> None:
    """Queue the collection task of each invoice once the transaction commits (if a
    provider is configured): it sends the invoice's latest pending attempt."""
    if not invoice_ids or not settings.PAYMENT_PROVIDER_URL:
        return
    from payments import tasks  # tasks import this module

    tenant_id = str(tenant_pk(tenant))

    def queue_payment_collection() -> None:
        for invoice_id in invoice_ids:
            tasks.invoice_collect_payment.delay(tenant_id, invoice_id)

    transaction.on_commit(queue_payment_collection, robust=True)


def invoice_collect_payment(*, tenant: TenantRef, invoice_id: uuid.UUID) -> str:
    """Send the charge request of the invoice's amount due; returns what happened (for
    the task result and logs). The attempt is committed before it is sent."""
    if not settings.PAYMENT_PROVIDER_URL:
        return "skipped: no PAYMENT_PROVIDER_URL"
    attempt = _charge_attempt(tenant, invoice_id)
    if attempt is None:
        return "skipped: not an open invoice with an amount due"
    invoice = attempt.invoice
    ids = {"invoice_id": str(invoice.pk), "tenant_id": str(invoice.tenant_id), "customer_id": str(invoice.customer_id)}
    status = _request("payment", _money_body(ids, attempt.amount, attempt.currency), str(attempt.pk))
    if status >= 400:
        # Asking again would get the same answer: the invoice waits for support staff.
        ChargeAttempt.objects.filter(pk=attempt.pk).update(outcome=ChargeAttempt.Outcome.REFUSED)
    return _answer(status)


REFUND_REFUSED = "the payment provider refused the refund ({status})"


def credit_note_send_refund(*, tenant: TenantRef, credit_note_id: uuid.UUID) -> str:
    """Send a credit note's refund to the provider (the note's id as Idempotency-Key).
    A refusal (4xx) is final: the refund failed, and its amount is credited to the
    customer balance (`refund_failed`), as when the provider reports a failure."""
    if not settings.PAYMENT_PROVIDER_URL:
        return "skipped: no PAYMENT_PROVIDER_URL"
    note = CreditNote.objects.for_tenant(tenant).filter(pk=credit_note_id).first()
    if note is None or note.refund_status != CreditNote.RefundStatus.PENDING:
        return "skipped: no refund waiting to be sent"
    ids = {"type": "refund", "credit_note_id": str(note.pk), "invoice_id": str(note.invoice_id)}
    status = _request("refund", _money_body(ids, note.refund_amount, note.currency), str(note.pk))
    if status >= 400:
        with transaction.atomic():
            locked = credit_notes.credit_note_locked(credit_note_id=note.pk)
            if locked is not None and locked.refund_status == CreditNote.RefundStatus.PENDING:
                reason = REFUND_REFUSED.format(status=status)
                credit_notes.credit_note_refund_settle(
                    tenant=tenant, credit_note=locked, succeeded=False, reason=reason
                )
    return _answer(status)


def subscription_back_to_active(invoice: Invoice) -> None:
    """A paid invoice brings its `past_due` subscription back to `active`, unless
    another open invoice of it has a failed payment (a conditional update: it never
    undoes a cancellation). A credit purchase has no subscription."""
    if invoice.subscription_id is None:
        return
    other_failed = PaymentEvent.objects.for_tenant(invoice.tenant_id).filter(
        invoice__subscription_id=invoice.subscription_id,
        invoice__status=Invoice.Status.OPEN,
        outcome=PaymentEvent.Outcome.PAYMENT_FAILED,
    )
    if not other_failed.exists():
        Subscription.objects.for_tenant(invoice.tenant_id).filter(
            pk=invoice.subscription_id, status=Subscription.Status.PAST_DUE
        ).update(status=Subscription.Status.ACTIVE)


# The payment webhook

PAYMENT_INVOICE_NOT_FOUND = "No such invoice: {invoice_id}."
PAYMENT_CREDIT_NOTE_NOT_FOUND = "No such credit note: {credit_note_id}."
PAYMENT_AMOUNT_MISMATCH = (
    "The payment is for {amount} {currency} but invoice {number} is for {total} {invoice_currency}; "
    "nothing was applied, and support staff will look at it."
)
REFUND_AMOUNT_MISMATCH = (
    "The refund is for {amount} {currency} but credit note {number} refunds {refund} {note_currency}; "
    "nothing was applied, and support staff will look at it."
)
PAYMENT_INVOICE_NOT_PAYABLE = (
    "Invoice {number} is {status}: a payment cannot be applied to it; support staff will look at it."
)
PAYMENT_ALREADY_PAID = "Invoice {number} was already paid at {paid_at}; a second charge needs a refund."
PAYMENT_FAILURE_IGNORED = "Invoice {number} is {status}: a failed payment changes nothing."
PAYMENT_OVERPAID = "Invoice {number} was already settled: the {amount} {currency} went to the customer balance."
REFUND_ALREADY_SETTLED = "The refund of credit note {number} is already {status}: this report changes nothing."
AMOUNTS_JOINER = " or "


@dataclass(frozen=True)
class PaymentNotice:
    """A verified and validated payment webhook: a charge's (`payment.*`, with
    `invoice_id`) or a refund's (`refund.*`, with `credit_note_id`)."""

    webhook_id: str
    type: str
    invoice_id: uuid.UUID | None
    amount: Decimal
    currency: str
    failure_reason: str
    payload: dict[str, Any]
    credit_note_id: uuid.UUID | None = None

    @property
    def is_refund(self) -> bool:
        return self.type in (PaymentEvent.Type.REFUND_SUCCEEDED, PaymentEvent.Type.REFUND_FAILED)


@dataclass
class Decision:
    """What a notice does, decided under the lock: its outcome, a sentence for support,
    and what it is about."""

    invoice: Invoice
    outcome: str
    detail: str = ""
    attempt: ChargeAttempt | None = None
    credit_note: CreditNote | None = None


def _matching_attempt(notice: PaymentNotice, attempts: list[ChargeAttempt]) -> ChargeAttempt | None:
    """The attempt the notice reports: one of its amount, a pending one first."""
    matching = [a for a in attempts if a.amount == notice.amount and a.currency == notice.currency]
    pending = [a for a in matching if a.outcome == ChargeAttempt.Outcome.PENDING]
    return next(iter(pending or matching), None)


def _mismatch(notice: PaymentNotice, invoice: Invoice, expected: list[Decimal]) -> Decision:
    detail = PAYMENT_AMOUNT_MISMATCH.format(
        amount=format_price(notice.amount, notice.currency),
        currency=notice.currency,
        number=invoice.number,
        total=AMOUNTS_JOINER.join(format_price(amount, invoice.currency) for amount in expected),
        invoice_currency=invoice.currency,
    )
    return Decision(invoice, PaymentEvent.Outcome.AMOUNT_MISMATCH, detail)


def _charge_decision(notice: PaymentNotice, invoice: Invoice) -> Decision:
    """What a `payment.*` notice does to the invoice as it stands now. Its amount must
    be one charge attempt's; an invoice never charged (no provider: a payment made
    another way) takes the amount of one whole charge (`charge_amount`)."""
    outcome = PaymentEvent.Outcome
    attempts = list(invoice.charge_attempts.order_by("-created_at"))
    attempt = _matching_attempt(notice, attempts)
    if attempts and attempt is None:
        return _mismatch(notice, invoice, sorted({a.amount for a in attempts}))
    if not attempts and (notice.currency != invoice.currency or notice.amount != invoice.charge_amount):
        return _mismatch(notice, invoice, [invoice.charge_amount])
    status = invoice.status
    if notice.type == PaymentEvent.Type.FAILED:
        if status != Invoice.Status.OPEN:
            detail = PAYMENT_FAILURE_IGNORED.format(number=invoice.number, status=status)
            return Decision(invoice, outcome.IGNORED, detail, attempt)
        return Decision(invoice, outcome.PAYMENT_FAILED, "", attempt)
    if status == Invoice.Status.VOID:
        detail = PAYMENT_INVOICE_NOT_PAYABLE.format(number=invoice.number, status=status)
        return Decision(invoice, outcome.INVOICE_NOT_PAYABLE, detail, attempt)
    collected = attempt.outcome == ChargeAttempt.Outcome.SUCCEEDED if attempt else status == Invoice.Status.PAID
    if collected:  # this charge was reported paid before (under another webhook-id)
        detail = PAYMENT_ALREADY_PAID.format(number=invoice.number, paid_at=invoice.paid_at)
        return Decision(invoice, outcome.ALREADY_PAID, detail, attempt)
    if status == Invoice.Status.PAID:  # settled by credit notes while the charge was in flight
        amount = format_price(notice.amount, notice.currency)
        detail = PAYMENT_OVERPAID.format(number=invoice.number, amount=amount, currency=notice.currency)
        return Decision(invoice, outcome.OVERPAID, detail, attempt)
    return Decision(invoice, outcome.PAID, "", attempt)  # open, or uncollectible that got paid after all


def _refund_decision(notice: PaymentNotice, note: CreditNote) -> Decision:
    """What a `refund.*` notice does to the note's refund: its amount must be the
    note's `refund_amount`; a refund already settled changes nothing."""
    outcome, status = PaymentEvent.Outcome, CreditNote.RefundStatus
    if notice.amount != note.refund_amount or notice.currency not in ("", note.currency):
        detail = REFUND_AMOUNT_MISMATCH.format(
            amount=format_price(notice.amount, notice.currency or note.currency),
            currency=notice.currency or note.currency,
            number=note.number,
            refund=format_price(note.refund_amount, note.currency),
            note_currency=note.currency,
        )
        return Decision(note.invoice, outcome.AMOUNT_MISMATCH, detail, credit_note=note)
    if note.refund_status not in (status.PENDING, status.NOT_SENT):
        detail = REFUND_ALREADY_SETTLED.format(number=note.number, status=note.refund_status)
        return Decision(note.invoice, outcome.REFUND_SETTLED, detail, credit_note=note)
    succeeded = notice.type == PaymentEvent.Type.REFUND_SUCCEEDED
    return Decision(note.invoice, outcome.REFUNDED if succeeded else outcome.REFUND_FAILED, credit_note=note)


def _apply_payment(event: PaymentEvent, invoice: Invoice) -> None:
    """A collected charge: what the invoice still owes is paid (`amount_paid`), and
    what exceeds it (a credit note issued while the charge was in flight) goes to the
    customer balance (`overpayment`)."""
    applied = min(event.amount, invoice.amount_due)
    invoice.amount_paid += applied
    invoice.amount_due -= applied
    fields = ["amount_paid", "amount_due"]
    settled = not invoice.amount_due and invoice.status != Invoice.Status.PAID
    if settled:
        invoice.status, invoice.paid_at = Invoice.Status.PAID, clock.now(invoice.tenant_id)
        invoice.next_payment_attempt = None  # dunning stops
        fields += ["status", "paid_at", "next_payment_attempt"]
    invoice.save(update_fields=fields)
    ledger.balance_credit(
        invoice=invoice,
        amount=event.amount - applied,
        kind=BalanceTransaction.Kind.OVERPAYMENT,
        description=f"Overpayment of invoice {invoice.number}",
    )
    if settled:
        purchase_grant_activate(invoice)
        subscription_back_to_active(invoice)
        event_publish(tenant=invoice.tenant_id, type=EventType.INVOICE_PAID, data=invoice_body(invoice))


def _apply(event: PaymentEvent, decision: Decision) -> None:
    """The effects of an outcome: the invoice or the refund, the charge attempt, the
    subscription, the tenant's event."""
    outcome, invoice = PaymentEvent.Outcome, decision.invoice
    attempt_outcome: dict[str, str] = {
        outcome.PAID: ChargeAttempt.Outcome.SUCCEEDED,
        outcome.OVERPAID: ChargeAttempt.Outcome.SUCCEEDED,
        outcome.PAYMENT_FAILED: ChargeAttempt.Outcome.FAILED,
    }
    if decision.attempt is not None and event.outcome in attempt_outcome:
        ChargeAttempt.objects.filter(pk=decision.attempt.pk).update(outcome=attempt_outcome[event.outcome])
    if event.outcome in (outcome.PAID, outcome.OVERPAID):
        _apply_payment(event, invoice)
    elif event.outcome == outcome.PAYMENT_FAILED:
        subscriptions = Subscription.objects.for_tenant(invoice.tenant_id).filter(pk=invoice.subscription_id)
        subscriptions.filter(status=Subscription.Status.ACTIVE).update(status=Subscription.Status.PAST_DUE)
        final = dunning.failure_record(invoice, decision.attempt)
        event_publish(tenant=invoice.tenant_id, type=EventType.INVOICE_PAYMENT_FAILED, data=invoice_body(invoice))
        if final:
            dunning.final_action_take(invoice)
    elif event.outcome in (outcome.REFUNDED, outcome.REFUND_FAILED) and decision.credit_note is not None:
        credit_notes.credit_note_refund_settle(
            tenant=invoice.tenant_id,
            credit_note=decision.credit_note,
            succeeded=event.outcome == outcome.REFUNDED,
            reason=event.failure_reason,
        )


def _store(notice: PaymentNotice, decision: Decision) -> PaymentEvent | None:
    """The notice as a PaymentEvent; None when the same webhook was stored meanwhile."""
    try:
        with transaction.atomic():  # a savepoint: the caller goes on after a duplicate
            return PaymentEvent.objects.create(
                tenant_id=decision.invoice.tenant_id,
                webhook_id=notice.webhook_id,
                type=notice.type,
                invoice=decision.invoice,
                charge_attempt=decision.attempt,
                credit_note=decision.credit_note,
                amount=notice.amount,
                currency=notice.currency or decision.invoice.currency,
                failure_reason=notice.failure_reason,
                outcome=decision.outcome,
                detail=decision.detail,
                payload=notice.payload,
            )
    except IntegrityError:
        return None


def _decide(notice: PaymentNotice) -> Decision:
    """Lock what the notice is about (unscoped: its tenant is not known before) and
    decide, in that tenant's scope; NotFound when there is no such invoice or note."""
    if notice.is_refund:
        note = credit_notes.credit_note_locked(credit_note_id=notice.credit_note_id)  # type: ignore[arg-type]
        if note is None:
            raise NotFound(PAYMENT_CREDIT_NOTE_NOT_FOUND.format(credit_note_id=notice.credit_note_id))
        with tenant_scope(note.tenant_id):
            return _refund_decision(notice, note)
    invoice = Invoice.unscoped().select_for_update(no_key=True).filter(pk=notice.invoice_id).first()
    if invoice is None:
        raise NotFound(PAYMENT_INVOICE_NOT_FOUND.format(invoice_id=notice.invoice_id))
    with tenant_scope(invoice.tenant_id):
        return _charge_decision(notice, invoice)


# What a payment webhook's audit entry shows of the invoice.
PAYMENT_FIELDS = ("status", "amount_paid", "amount_due", "paid_at")


def payment_event_receive(*, notice: PaymentNotice) -> tuple[PaymentEvent, bool]:
    """Apply one payment webhook, once. Returns (the stored event, whether it is new).

    - A `webhook_id` seen before returns the first event with False: no second effect.
    - An unknown invoice (or credit note) raises NotFound and stores nothing: there is
      nothing (and so no tenant) to attach it to, and the provider gets the same 404
      on every retry.
    - `payment.succeeded` of one of the invoice's charge attempts pays what the
      invoice still owes (`amount_paid`); an open (or uncollectible) invoice that
      owes nothing more is `paid`, its `past_due` subscription back to `active`, and
      `invoice.paid` published; what exceeds the amount due goes to the customer
      balance (`overpayment`, outcome `overpaid` when the invoice was already settled
      by credit notes). The same charge reported again changes nothing (`already_paid`).
    - `payment.failed` of an open invoice moves an `active` subscription to `past_due`
      and publishes `invoice.payment_failed`; the invoice stays open.
    - `refund.succeeded` marks the credit note's refund `succeeded`; `refund.failed`
      marks it `failed` and credits its amount to the balance (`refund_failed`).
    - An amount that no charge attempt (or refund) had, or a payment of a void
      invoice, is stored (for support, in the admin) and then raises Conflict.

    The invoice (or credit note) row is locked (FOR NO KEY UPDATE, which rows
    referencing it do not wait for) before anything is decided, so two reports of the
    same charge are applied one after the other.
    """
    seen = PaymentEvent.unscoped().filter(webhook_id=notice.webhook_id).first()
    if seen is not None:
        return seen, False
    with transaction.atomic():
        decision = _decide(notice)
        with tenant_scope(decision.invoice.tenant_id):
            event = _store(notice, decision)
            if event is None:  # the same webhook, delivered twice at once: the other one won
                return PaymentEvent.objects.get(webhook_id=notice.webhook_id), False
            before = snapshot(decision.invoice, PAYMENT_FIELDS)
            _apply(event, decision)
            if not notice.is_refund:  # a refund's entry is the credit note's (credit_note_refund_settle)
                changes, reason = changed_since(before, decision.invoice), event.failure_reason
                audit_record(
                    tenant=event.tenant_id,
                    action=f"invoice.{event.outcome}",
                    obj=decision.invoice,
                    changes=changes,
                    reason=reason,
                )
    fields = {"webhook_id": notice.webhook_id, "invoice_id": str(decision.invoice.pk), "outcome": str(event.outcome)}
    if event.outcome in PaymentEvent.NEEDS_SUPPORT:
        log.warning("payment_webhook_needs_support", detail=event.detail, **fields)
        raise Conflict(event.detail, code=event.outcome)
    log.info("payment_webhook_received", **fields)
    return event, True


def refund_queue_on_commit(*, tenant: TenantRef, credit_note: CreditNote) -> None:
    """Queue the sending of a note's pending refund once the transaction commits."""
    if credit_note.refund_status != CreditNote.RefundStatus.PENDING:
        return
    from payments import tasks  # tasks import this module

    tenant_id, note_id = str(tenant_pk(tenant)), str(credit_note.pk)
    transaction.on_commit(lambda: tasks.credit_note_send_refund.delay(tenant_id, note_id), robust=True)
