"""What was asked of the payment provider (`ChargeAttempt`) and what it told us: one
row per inbound payment webhook (`PaymentEvent`)."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone

from invoices.models import CreditNote, Invoice, money_field
from plans.money import format_price
from tenants.models import TenantOwnedModel


class ChargeAttempt(TenantOwnedModel):
    """One charge request sent to the payment provider for an invoice: the invoice's
    `amount_due` at the moment it was sent, and what became of it. Its id is the
    request's `Idempotency-Key`, so the task's retries of one attempt never charge
    twice, while a later charge of another amount (after a credit note) is a new one.
    The payment webhook must name one attempt's amount (API.md Part 2, "Charges and the
    payment webhook"); what it collected beyond the invoice's current `amount_due` goes
    to the customer balance (`overpayment`)."""

    class Outcome(models.TextChoices):
        PENDING = "pending", "Sent, no answer yet"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        REFUSED = "refused", "Refused by the provider (4xx)"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="charge_attempts")
    amount = money_field(help_text="The invoice's amount_due when the charge was sent")
    currency = models.CharField(max_length=3)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.PENDING)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="charge_attempt_amount_positive")]

    def __str__(self) -> str:
        return f"{self.invoice_id} {format_price(self.amount, self.currency)} {self.currency}: {self.outcome}"


class PaymentEvent(TenantOwnedModel):
    """One payment webhook received from the provider, stored once per `webhook_id`:
    the unique constraint is what makes a redelivered webhook a no-op. It keeps the
    verified payload, what it did to its invoice (`outcome`) and, for the outcomes that
    need a person (an amount that differs, money for a void invoice), a sentence for
    support. Webhooks that fail the signature, fail validation or name an unknown
    invoice are not stored: there is nothing (and no tenant) to attach them to."""

    class Type(models.TextChoices):
        SUCCEEDED = "payment.succeeded", "Payment succeeded"
        FAILED = "payment.failed", "Payment failed"
        REFUND_SUCCEEDED = "refund.succeeded", "Refund succeeded"
        REFUND_FAILED = "refund.failed", "Refund failed"

    class Outcome(models.TextChoices):
        PAID = "paid", "Invoice paid"
        ALREADY_PAID = "already_paid", "Invoice already paid (no change)"
        PAYMENT_FAILED = "payment_failed", "Payment failed (subscription past due)"
        IGNORED = "ignored", "Failure of an invoice no longer open (no change)"
        AMOUNT_MISMATCH = "amount_mismatch", "Amount or currency differs from the invoice"
        INVOICE_NOT_PAYABLE = "invoice_not_payable", "Paid, but the invoice is void"
        OVERPAID = "overpaid", "Invoice already settled: the whole amount went to the customer balance"
        REFUNDED = "refunded", "Refund succeeded"
        REFUND_FAILED = "refund_failed", "Refund failed (credited to the customer balance)"
        REFUND_SETTLED = "refund_settled", "Refund already settled (no change)"

    NEEDS_SUPPORT = (Outcome.AMOUNT_MISMATCH, Outcome.INVOICE_NOT_PAYABLE)

    id = models.BigAutoField(primary_key=True)
    webhook_id = models.CharField(max_length=255, help_text="The provider's `webhook-id` header")
    type = models.CharField(max_length=32, choices=Type.choices)
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payment_events")
    charge_attempt = models.ForeignKey(
        ChargeAttempt, null=True, blank=True, on_delete=models.PROTECT, related_name="payment_events"
    )
    credit_note = models.ForeignKey(
        CreditNote, null=True, blank=True, on_delete=models.PROTECT, related_name="payment_events"
    )
    amount = money_field()
    currency = models.CharField(max_length=3)
    failure_reason = models.CharField(max_length=255, blank=True, default="")
    outcome = models.CharField(max_length=32, choices=Outcome.choices)
    detail = models.CharField(max_length=500, blank=True, default="", help_text="For support: why nothing changed")
    payload = models.JSONField(help_text="The verified body as received")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["webhook_id"], name="payment_event_webhook_id_unique")]
        indexes = [models.Index(fields=["tenant", "-created_at"], name="payment_event_tenant_idx")]
        # The table kept its name when the model moved here from invoices (migration
        # payments 0001): no copy, no downtime.
        db_table = "invoices_paymentevent"

    def __str__(self) -> str:
        return f"{self.webhook_id} {self.type}: {self.outcome}"
