"""Credit notes (API.md Part 2, "Credit notes"): issuing one, settling its refund, and
the reads of the routes.

`credit_note_create` works under the invoice's row lock (FOR NO KEY UPDATE, as the
payment webhook takes it), so two notes of one invoice, or a note and a payment, are
decided one after the other against the invoice as the other left it:

- Σ of the invoice's notes ≤ its total; a `void` or `uncollectible` invoice takes none;
- **open** (pre-payment): the note lowers `amount_due` (never below 0); at 0 the
  invoice is `paid` (and `invoice.paid` is published);
- **paid**: the amount is split into `refund_amount` (Σ over the invoice's notes ≤
  `amount_paid`: promotional credits are never paid out) and `credit_amount` (to the
  customer balance, ledger `credit_note`). The refund is sent to the payment provider
  once the transaction commits (payments receives `credit_note_issued`), or is
  `not_sent` without a provider;
- on a `credit_purchase` invoice the note also takes its amount off the grant it
  sold (`invoices.grants.purchase_grant_credit`: 409 when less is left).

The number comes from the tenant's `CN` series last, so its row lock is held for the
shortest time. `credit_note.created` is published in the same transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet, Sum

from audit.services import as_created, audit_record
from invoices import grants, ledger
from invoices.models import BalanceTransaction, CreditNote, Invoice
from invoices.numbering import Series, take_numbers
from invoices.serializers import credit_note_body, invoice_body
from invoices.services import INVOICE_NOT_FOUND
from invoices.signals import credit_note_issued
from invoices.totals import credit_note_tax
from plans.money import format_price, quantize_money
from tenants import clock
from tenants.errors import Conflict, Invalid, NotFound
from tenants.models import TenantRef, tenant_pk
from webhooks.models import EventType
from webhooks.services import event_publish

CREDIT_NOTE_NOT_FOUND = "No such credit note."
AMOUNT_NOT_POSITIVE = "amount must be greater than 0."
AMOUNT_TOO_PRECISE = "{field} has more decimal places than {currency} has ({places})."
AMOUNT_NEGATIVE = "{field} must be 0 or more."
SPLIT_ON_OPEN_INVOICE = (
    "An open invoice is credited before payment: the note lowers its amount due, so it takes no {field}."
)
SPLIT_MISMATCH = "On a paid invoice refund_amount + credit_amount must equal amount ({total} ≠ {amount})."
INVOICE_NOT_CREDITABLE = "Invoice {number} is {status}: it takes no credit notes."
EXCEEDS_TOTAL = "The invoice's credit notes would add up to {credited}, more than its total of {total}."
EXCEEDS_AMOUNT_DUE = "A credit note on an open invoice may not exceed its amount due ({amount_due})."
REFUND_EXCEEDS_PAID = (
    "The invoice's refunds would add up to {refunded}, more than the {paid} the payment provider collected; "
    "credit the rest to the balance instead."
)


@dataclass(frozen=True)
class CreditNoteRequest:
    """What a caller asks for; `refund_amount`/`credit_amount` None when absent."""

    amount: Decimal
    reason: str
    memo: str = ""
    refund_amount: Decimal | None = None
    credit_amount: Decimal | None = None


def _check_precision(request: CreditNoteRequest, currency: str) -> None:
    """400 for an amount of more decimal places than the currency has, or not > 0."""
    errors: dict[str, list[str]] = {}
    if request.amount <= 0:
        errors["amount"] = [AMOUNT_NOT_POSITIVE]
    for field in ("amount", "refund_amount", "credit_amount"):
        value = getattr(request, field)
        if value is None or field in errors:
            continue
        if value < 0:
            errors[field] = [AMOUNT_NEGATIVE.format(field=field)]
        elif quantize_money(value, currency) != value:
            places = -quantize_money(Decimal(0), currency).as_tuple().exponent  # type: ignore[operator]
            errors[field] = [AMOUNT_TOO_PRECISE.format(field=field, currency=currency, places=places)]
    if errors:
        raise Invalid(errors)


def _check_creditable(invoice: Invoice) -> None:
    """409 for a void or uncollectible invoice (before its input is read against it)."""
    if invoice.status not in (Invoice.Status.OPEN, Invoice.Status.PAID):
        detail = INVOICE_NOT_CREDITABLE.format(number=invoice.number, status=invoice.status)
        raise Conflict(detail, code="invoice_not_creditable")


def _split(invoice: Invoice, request: CreditNoteRequest) -> tuple[Decimal, Decimal]:
    """(refund_amount, credit_amount) of the note: both 0 on an open invoice; on a
    paid one, the caller's, adding up to the amount (absent counts as 0)."""
    if invoice.status == Invoice.Status.OPEN:
        given = [f for f in ("refund_amount", "credit_amount") if getattr(request, f) is not None]
        if given:
            raise Invalid({f: [SPLIT_ON_OPEN_INVOICE.format(field=f)] for f in given}, code="not_allowed")
        return Decimal(0), Decimal(0)
    refund, credit = request.refund_amount or Decimal(0), request.credit_amount or Decimal(0)
    if refund + credit != request.amount:
        price = lambda value: format_price(value, invoice.currency)  # noqa: E731
        detail = SPLIT_MISMATCH.format(total=price(refund + credit), amount=price(request.amount))
        raise Invalid({"refund_amount": [detail]}, code="split_mismatch")
    return refund, credit


def _check_state(invoice: Invoice, amount: Decimal, refund: Decimal, earlier: dict[str, Decimal]) -> None:
    """409s: Σ notes over the total; over the amount due (open); refunds over what the
    provider collected (paid)."""
    price = lambda value: format_price(value, invoice.currency)  # noqa: E731
    if invoice.amount_credited + amount > invoice.total:
        detail = EXCEEDS_TOTAL.format(credited=price(invoice.amount_credited + amount), total=price(invoice.total))
        raise Conflict({"amount": [detail]}, code="exceeds_invoice_total")
    if invoice.status == Invoice.Status.OPEN and amount > invoice.amount_due:
        detail = EXCEEDS_AMOUNT_DUE.format(amount_due=price(invoice.amount_due))
        raise Conflict({"amount": [detail]}, code="exceeds_amount_due")
    if refund and earlier["refund"] + refund > invoice.amount_paid:
        detail = REFUND_EXCEEDS_PAID.format(refunded=price(earlier["refund"] + refund), paid=price(invoice.amount_paid))
        raise Conflict({"refund_amount": [detail]}, code="refund_exceeds_amount_paid")


def _earlier_notes(invoice: Invoice) -> dict[str, Decimal]:
    sums = CreditNote.objects.filter(invoice=invoice).aggregate(tax=Sum("tax"), refund=Sum("refund_amount"))
    return {name: value or Decimal(0) for name, value in sums.items()}


def _locked_invoice(tenant_id: uuid.UUID, invoice_id: uuid.UUID) -> Invoice:
    invoice = Invoice.objects.for_tenant(tenant_id).select_for_update(no_key=True).filter(pk=invoice_id).first()
    if invoice is None:
        raise NotFound(INVOICE_NOT_FOUND)
    return invoice


def _refund_status(refund: Decimal) -> str:
    if not refund:
        return ""
    return CreditNote.RefundStatus.PENDING if settings.PAYMENT_PROVIDER_URL else CreditNote.RefundStatus.NOT_SENT


def _settle_invoice(invoice: Invoice, note: CreditNote) -> bool:
    """The note's effect on its invoice; True when it left the invoice paid."""
    invoice.amount_credited += note.amount
    fields = ["amount_credited"]
    settled = False
    if note.pre_payment:
        invoice.amount_due -= note.amount
        fields.append("amount_due")
        if not invoice.amount_due:
            invoice.status, invoice.paid_at, settled = Invoice.Status.PAID, clock.now(invoice.tenant_id), True
            fields += ["status", "paid_at"]
    invoice.save(update_fields=fields)
    if settled:
        grants.purchase_grant_activate(invoice)
    return settled


def credit_note_create(*, tenant: TenantRef, invoice_id: uuid.UUID, request: CreditNoteRequest) -> CreditNote:
    """Issue a credit note on a finalized invoice (see the module's docstring)."""
    tenant_id = tenant_pk(tenant)
    with transaction.atomic():
        invoice = _locked_invoice(tenant_id, invoice_id)
        _check_precision(request, invoice.currency)
        _check_creditable(invoice)
        refund, credit = _split(invoice, request)
        earlier = _earlier_notes(invoice)
        _check_state(invoice, request.amount, refund, earlier)
        tax = credit_note_tax(
            request.amount,
            credited_before=invoice.amount_credited,
            tax_before=earlier["tax"],
            invoice_total=invoice.total,
            invoice_tax=invoice.tax,
            currency=invoice.currency,
        )
        (number,) = take_numbers(tenant_id, Series.CREDIT_NOTE, 1)
        note = CreditNote.objects.create(
            **invoice.customer_fields,
            invoice=invoice,
            number=number,
            amount=request.amount,
            tax=tax,
            refund_amount=refund,
            credit_amount=credit,
            refund_status=_refund_status(refund),
            reason=request.reason,
            memo=request.memo,
            created_at=clock.real_now(),
        )
        grants.purchase_grant_credit(invoice, note)
        settled = _settle_invoice(invoice, note)
        changes = as_created(note, "number", "invoice_id", "amount", "tax", "refund_amount", "credit_amount")
        audit_record(tenant=tenant_id, action="credit_note.created", obj=note, changes=changes, reason=request.reason)
        ledger.balance_credit(
            invoice=invoice,
            amount=credit,
            kind=BalanceTransaction.Kind.CREDIT_NOTE,
            credit_note=note,
            description=f"Credit note {note.number}",
        )
        event_publish(tenant=tenant_id, type=EventType.CREDIT_NOTE_CREATED, data=lambda: credit_note_body(note))
        if settled:
            event_publish(tenant=tenant_id, type=EventType.INVOICE_PAID, data=lambda: invoice_body(invoice))
        # Payments sends the refund and wakes a past_due subscription, once this commits.
        credit_note_issued.send(sender=CreditNote, tenant_id=tenant_id, credit_note=note, invoice_settled=settled)
    return note


REFUND_NOT_PENDING = "The refund of {number} is {status}: it is not waiting for the provider."


def credit_note_refund_settle(*, tenant: TenantRef, credit_note: CreditNote, succeeded: bool, reason: str = "") -> None:
    """The provider's answer to a note's refund: `succeeded`, or `failed` and the
    amount credited to the customer balance (ledger `refund_failed`), so that nothing
    owed to the customer is lost. The caller holds the note's row lock and has checked
    that the refund is still waiting (pending, or not_sent and paid by hand)."""
    status, before = CreditNote.RefundStatus, credit_note.refund_status
    credit_note.refund_status = status.SUCCEEDED if succeeded else status.FAILED
    credit_note.save(update_fields=["refund_status"])
    changes = {"refund_status": [before, credit_note.refund_status]}
    audit_record(tenant=tenant, action="credit_note.refund_settled", obj=credit_note, changes=changes, reason=reason)
    if not succeeded:
        description = f"Refund of credit note {credit_note.number} failed" + (f": {reason}" if reason else "")
        ledger.balance_credit(
            invoice=credit_note.invoice,
            amount=credit_note.refund_amount,
            kind=BalanceTransaction.Kind.REFUND_FAILED,
            credit_note=credit_note,
            description=description[:300],
        )


def credit_note_locked(*, credit_note_id: uuid.UUID) -> CreditNote | None:
    """The note with its invoice, row-locked, of whichever tenant (the payment webhook
    does not know the tenant before it has found the note)."""
    return (
        CreditNote.unscoped()
        .select_related("invoice")
        .select_for_update(of=("self",), no_key=True)
        .filter(pk=credit_note_id)
        .first()
    )


def credit_note_list(*, tenant: TenantRef) -> QuerySet[CreditNote]:
    return CreditNote.objects.for_tenant(tenant_pk(tenant)).order_by("-created_at", "-number")
