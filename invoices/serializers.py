"""How invoices and runs look in the API and in webhook events (one shape for both)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rest_framework import serializers

from invoices.calculation import LineDraft
from invoices.models import CreditNote, Invoice, InvoiceLine, InvoiceRun
from invoices.totals import DELTA_KINDS
from plans.money import format_price, format_quantity
from tenants.formats import format_time


class InvoiceTierOutput(serializers.Serializer):
    # `from` (a Python keyword) is added below: the tier's exclusive lower bound.
    up_to = serializers.IntegerField(allow_null=True)
    quantity = serializers.CharField()
    unit_amount = serializers.CharField()
    flat_amount = serializers.CharField()
    amount = serializers.CharField()


InvoiceTierOutput._declared_fields = {
    "from": serializers.IntegerField(help_text="Quantities above this (the first tier starts at 0 inclusive)"),
    **InvoiceTierOutput._declared_fields,
}


class InvoiceLineOutput(serializers.Serializer):
    id = serializers.IntegerField(
        required=False,
        help_text="Stored lines (not previews): usage and delta lines list their events at "
        "…/invoices/{id}/lines/{line_id}/events",
    )
    kind = serializers.ChoiceField(choices=InvoiceLine.Kind.choices)
    description = serializers.CharField()
    meter = serializers.CharField(allow_null=True, required=False)
    model = serializers.CharField(allow_null=True, required=False)
    quantity = serializers.CharField()
    amount = serializers.CharField()
    tiers = InvoiceTierOutput(many=True, required=False)
    period_start = serializers.DateTimeField(allow_null=True, required=False)
    period_end = serializers.DateTimeField(allow_null=True, required=False)
    discount_id = serializers.UUIDField(
        required=False,
        help_text="Discount lines: the customer's discount it applies (its description names the coupon)",
    )
    filter = serializers.CharField(
        allow_null=True, required=False, help_text="Usage and delta lines of a charge with filters: the filter's name"
    )
    group = serializers.DictField(
        child=serializers.CharField(allow_null=True),
        allow_null=True,
        required=False,
        help_text='Usage and delta lines of a charge with group_by: {"workspace": "w1"}; null values: property missing',
    )


class InvoiceTaxOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    percentage = serializers.CharField(help_text='"8.875": a percentage, without trailing zeros')
    taxable = serializers.CharField(help_text="subtotal − discount (negative on a credit)")
    amount = serializers.CharField(help_text="round(taxable × percentage / 100), this rate alone")


class InvoiceOutput(serializers.Serializer):
    """Documents the invoice body; `invoice_body` renders it without queries."""

    id = serializers.UUIDField()
    number = serializers.CharField()
    customer_id = serializers.UUIDField()
    subscription_id = serializers.UUIDField(allow_null=True, help_text="null for a credit purchase")
    status = serializers.ChoiceField(choices=Invoice.Status.choices)
    billing_reason = serializers.ChoiceField(choices=Invoice.BillingReason.choices)
    currency = serializers.CharField()
    period_start = serializers.DateTimeField()
    period_end = serializers.DateTimeField()
    subtotal = serializers.CharField(help_text="Σ of the lines")
    discount = serializers.CharField(help_text="Σ of the discounts, shown positive")
    tax = serializers.CharField(help_text="Σ of taxes[].amount")
    taxes = InvoiceTaxOutput(many=True, help_text="One entry per tax rate, frozen at finalization")
    total = serializers.CharField(
        help_text="subtotal − discount + tax, never below 0 (a negative part goes to the customer balance)"
    )
    credits_applied = serializers.CharField(help_text="Paid by credit grants, then the customer balance")
    amount_credited = serializers.CharField(help_text="Σ of its credit notes")
    amount_paid = serializers.CharField(
        help_text="Collected by the payment provider for it (an excess goes to the customer balance)"
    )
    amount_due = serializers.CharField(help_text="total − credits_applied − pre-payment credit notes − amount_paid")
    issued_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    paid_at = serializers.DateTimeField(allow_null=True)
    voided_at = serializers.DateTimeField(allow_null=True)
    attempt_count = serializers.IntegerField(help_text="Charge requests sent for it (the first is 1)")
    next_payment_attempt = serializers.DateTimeField(
        allow_null=True, help_text="Dunning: when the charge is sent again (null: no retry scheduled)"
    )
    lines = InvoiceLineOutput(many=True)


def line_dimensions(line: InvoiceLine | LineDraft) -> dict[str, Any]:
    """A usage or delta line's `filter` and `group` (charge dimensions): both keys on a
    line that a filter priced or that has a group, none on the others (a plain
    charge's, or the unmatched events of a charge with filters but no group_by: the
    charge's own pricing), so that invoices without dimensions keep their shape."""
    found = (line.filter, line.group) if isinstance(line, LineDraft) else (line.filter_name, line.group_values)
    return {} if found == (None, None) else {"filter": found[0], "group": found[1]}


def line_body(line: InvoiceLine | LineDraft, currency: str) -> dict[str, Any]:
    """A stored line, or a draft the run or the preview has not stored (same fields)."""
    body: dict[str, Any] = {} if line.id is None else {"id": line.id}
    body |= {
        "kind": line.kind,
        "description": line.description,
        "quantity": format_quantity(line.quantity),
        "amount": format_price(line.amount, currency),
    }
    if line.kind in {InvoiceLine.Kind.USAGE, *DELTA_KINDS}:
        body.update(meter=line.meter_code, model=line.model, tiers=line.tiers)
        body.update(line_dimensions(line))
    if line.kind in DELTA_KINDS:
        body.update(period_start=format_time(line.period_start), period_end=format_time(line.period_end))
    if line.kind == InvoiceLine.Kind.DISCOUNT:
        body.update(discount_id=str(line.discount_id))
    return body


def invoice_body(invoice: Invoice, lines: Sequence[InvoiceLine | LineDraft] | None = None) -> dict[str, Any]:
    """The invoice as the API and its events show it. Pass `lines` when they are at
    hand (the run has them in memory); otherwise they are read (prefetch them)."""
    rows = invoice.lines.all() if lines is None else lines
    return {
        "id": str(invoice.id),
        "number": invoice.number,
        "customer_id": str(invoice.customer_id),
        "subscription_id": str(invoice.subscription_id) if invoice.subscription_id else None,
        "status": invoice.status,
        "billing_reason": invoice.billing_reason,
        "currency": invoice.currency,
        "period_start": format_time(invoice.period_start),
        "period_end": format_time(invoice.period_end),
        "subtotal": format_price(invoice.subtotal, invoice.currency),
        "discount": format_price(invoice.discount, invoice.currency),
        "tax": format_price(invoice.tax, invoice.currency),
        "taxes": invoice.taxes,
        "total": format_price(invoice.total, invoice.currency),
        "credits_applied": format_price(invoice.credits_applied, invoice.currency),
        "amount_credited": format_price(invoice.amount_credited, invoice.currency),
        "amount_paid": format_price(invoice.amount_paid, invoice.currency),
        "amount_due": format_price(invoice.amount_due, invoice.currency),
        "issued_at": format_time(invoice.issued_at),
        "due_at": format_time(invoice.due_at),
        "paid_at": format_time(invoice.paid_at),
        "voided_at": format_time(invoice.voided_at),
        "attempt_count": invoice.attempt_count,
        "next_payment_attempt": format_time(invoice.next_payment_attempt),
        "lines": [line_body(line, invoice.currency) for line in rows],
    }


class CreditNoteOutput(serializers.Serializer):
    """Documents the credit note body (API.md's fields in its order, then the customer
    and currency); `credit_note_body` renders it without queries."""

    id = serializers.UUIDField()
    number = serializers.CharField(help_text="CN- and six digits, gapless per tenant")
    invoice_id = serializers.UUIDField()
    amount = serializers.CharField()
    tax = serializers.CharField(help_text="Its share of the invoice's tax (part of amount)")
    refund_amount = serializers.CharField(help_text="Paid back through the payment provider")
    credit_amount = serializers.CharField(help_text="Credited to the customer balance")
    refund_status = serializers.ChoiceField(
        choices=CreditNote.RefundStatus.choices, allow_null=True, help_text="null when nothing is refunded"
    )
    reason = serializers.ChoiceField(choices=CreditNote.Reason.choices)
    memo = serializers.CharField()
    created_at = serializers.DateTimeField()
    customer_id = serializers.UUIDField()
    currency = serializers.CharField()


def credit_note_body(note: CreditNote) -> dict[str, Any]:
    """The credit note as the API and its events show it."""
    money = {
        name: format_price(getattr(note, name), note.currency)
        for name in ("amount", "tax", "refund_amount", "credit_amount")
    }
    return {
        "id": str(note.id),
        "number": note.number,
        "invoice_id": str(note.invoice_id),
        **money,
        "refund_status": note.refund_status or None,
        "reason": note.reason,
        "memo": note.memo,
        "created_at": format_time(note.created_at),
        "customer_id": str(note.customer_id),
        "currency": note.currency,
    }


# A run's progress, as the API and the admin show it (the admin's list without the errors).
RUN_PROGRESS_FIELDS = ("status", "as_of", "invoices_created", "subscriptions_processed", "started_at", "finished_at")


class InvoiceRunOutput(serializers.ModelSerializer):
    class Meta:
        model = InvoiceRun
        fields = ["id", *RUN_PROGRESS_FIELDS, "error", "errors", "created_at"]
        read_only_fields = fields
