"""Invoices, their lines, credit notes, invoice runs and the per-tenant number sequences.

What a period was billed for, per meter, is derived, not stored twice: its invoice's
usage line plus the late-usage lines that later invoices added for it
(`source_invoice`).

Invariants the database holds: one invoice per (subscription, period_start); numbers
unique per tenant and gapless (allocated from `NumberSequence` under a row lock, in
the transaction that writes the invoices, so a rollback gives the numbers back; credit
notes take theirs from their own series the same way). A finalized invoice never
changes its lines or amounts: only its status and what settles it (credit notes,
payments) move.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from plans.models import Meter
from plans.money import format_price
from subscriptions.models import Customer, Discount, Subscription
from tenants.models import Tenant, TenantOwnedModel, nextval

# Wide enough for any accepted usage times any accepted price: an event's value is
# below 10^15 (usage.parsing), a period adds up at most ~10^9 of them and a unit price
# is below 10^9, so amounts stay below 10^33; 36 integer digits leave room. A product
# that still does not fit is refused by the run for that subscription alone
# (`invoices.billing.line_fits`), never by the database for a whole batch.
AMOUNT_MAX_DIGITS = 48
AMOUNT_DECIMAL_PLACES = 12
AMOUNT_LIMIT = 10 ** (AMOUNT_MAX_DIGITS - AMOUNT_DECIMAL_PLACES)


def money_field(**kwargs: object) -> models.DecimalField:
    return models.DecimalField(max_digits=AMOUNT_MAX_DIGITS, decimal_places=AMOUNT_DECIMAL_PLACES, **kwargs)  # type: ignore[arg-type]


def quantity_field() -> models.DecimalField:
    return models.DecimalField(max_digits=AMOUNT_MAX_DIGITS, decimal_places=AMOUNT_DECIMAL_PLACES)


# The invoices that bill a window of a subscription's life (at most one per start);
# other reasons (adjustment, threshold, credit purchase) may share a start.
WINDOW_REASONS = ("period", "cancellation", "plan_change")


class Invoice(TenantOwnedModel):
    """What a customer owes for one billing period (or the part of one, when canceled
    early), issued in arrears: the flat fee plus usage charges plus late usage of
    earlier periods. Its amounts come from `invoices.totals`: `subtotal` is the sum of
    the lines, each rounded to the currency; `discount` what discounts took off; `tax`
    the sum of `taxes` (one entry per rate, frozen at finalization); `total` =
    subtotal − discount + tax, never below 0 (a negative part is credited to the
    customer balance); `amount_credited` the sum of its credit notes; `amount_paid`
    what the payment provider collected for it (an excess went to the balance);
    `amount_due` = total − credits_applied − pre-payment credit notes − amount_paid.

    `billing_reason` says why the invoice exists (API.md Part 2): `period` (a period's
    end), `cancellation` (cancel now), `adjustment` (late usage of a subscription that
    has no next invoice), `threshold` (progressive billing: usage so far of the current
    segment reached a threshold of its plan, `threshold_amount`; see
    `invoices.progressive`); the others come with plan changes and credits."""

    class BillingReason(models.TextChoices):
        PERIOD = "period", "Period"
        CANCELLATION = "cancellation", "Cancellation"
        PLAN_CHANGE = "plan_change", "Plan change"
        THRESHOLD = "threshold", "Threshold"
        ADJUSTMENT = "adjustment", "Adjustment"
        CREDIT_PURCHASE = "credit_purchase", "Credit purchase"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        PAID = "paid", "Paid"
        VOID = "void", "Void"
        UNCOLLECTIBLE = "uncollectible", "Uncollectible"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # The composite indexes and constraints below lead with these columns; the FKs' own
    # indexes would only slow the invoice run's inserts.
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+", db_index=False)
    number = models.CharField(max_length=16, help_text="INV- and six digits, gapless per tenant")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="invoices", db_index=False)
    subscription = models.ForeignKey(
        Subscription,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoices",
        db_index=False,
        help_text="None for a credit purchase (it bills no subscription)",
    )
    status = models.CharField(max_length=16, choices=Status.choices)
    billing_reason = models.CharField(max_length=16, choices=BillingReason.choices, default=BillingReason.PERIOD)
    currency = models.CharField(max_length=3)
    period_start = models.DateTimeField()
    period_end = models.DateTimeField(help_text="Exclusive")
    subtotal = money_field()
    discount = money_field(default=Decimal(0), help_text="Σ of the discounts (positive)")
    tax = money_field(default=Decimal(0), help_text="Σ of taxes[].amount")
    taxes = models.JSONField(
        default=list,
        blank=True,
        help_text="Per rate, frozen at finalization: [{code, name, percentage, taxable, amount}] (decimal strings)",
    )
    total = money_field(help_text="subtotal − discount + tax, never below 0")
    credits_applied = money_field(
        default=0, help_text="Paid by credit grants, then the customer balance, at finalization"
    )
    amount_credited = money_field(default=Decimal(0), help_text="Σ of its credit notes")
    amount_paid = money_field(
        default=0, help_text="Collected by the payment provider for it (an excess went to the customer balance)"
    )
    amount_due = money_field(default=0, help_text="total − credits_applied − pre-payment credit notes − amount_paid")
    issued_at = models.DateTimeField()
    due_at = models.DateTimeField()
    paid_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    attempt_count = models.PositiveIntegerField(default=0, help_text="Charge requests sent for it (the first is 1)")
    next_payment_attempt = models.DateTimeField(
        null=True, blank=True, help_text="Dunning: when the charge is sent again (business time)"
    )
    first_failed_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="Dunning: its first failed payment (business time)"
    )
    retries_sent = models.PositiveSmallIntegerField(
        default=0, editable=False, help_text="Dunning: scheduled retries sent so far"
    )
    threshold_amount = money_field(
        null=True,
        blank=True,
        editable=False,
        help_text="Threshold invoices: the highest usage threshold of the plan it was issued for",
    )
    usage_seq = models.BigIntegerField(
        default=0,
        editable=False,
        help_text="How far usage was stored when this invoice counted it (usage.models, seq): later events are late",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-issued_at", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "period_start"],
                condition=Q(billing_reason__in=WINDOW_REASONS),
                name="invoice_once_per_period",
            ),
            # Progressive billing: one threshold invoice per threshold of a segment's
            # window (invoices.progressive), whatever its status and however many triggers race.
            models.UniqueConstraint(
                fields=["subscription", "period_start", "threshold_amount"],
                condition=Q(billing_reason="threshold"),
                name="invoice_once_per_threshold",
            ),
            models.UniqueConstraint(fields=["tenant", "number"], name="invoice_number_unique_per_tenant"),
            models.CheckConstraint(
                condition=Q(status__in=["open", "paid", "void", "uncollectible"]), name="invoice_status_valid"
            ),
            models.CheckConstraint(condition=Q(total__gte=0, amount_due__gte=0), name="invoice_amounts_not_negative"),
            # Credit notes never add up to more than the invoice (API.md, "Credit notes").
            models.CheckConstraint(
                condition=Q(amount_credited__gte=0, amount_credited__lte=F("total")),
                name="invoice_credited_within_total",
            ),
            models.CheckConstraint(condition=Q(discount__gte=0), name="invoice_discount_not_negative"),
        ]
        indexes = [
            models.Index(fields=["tenant", "-created_at"], name="invoice_tenant_created_idx"),
            models.Index(fields=["customer", "-period_start"], name="invoice_customer_idx"),
            # Late usage and adjustments look invoices up by subscription, whatever the
            # reason (the unique index above only covers the window reasons).
            models.Index(fields=["subscription", "period_start"], name="invoice_subscription_idx"),
            # Revenue by month (metrics.selectors.revenue_by_month): the invoices of a
            # range's first and last months that fall outside the range.
            models.Index(fields=["tenant", "issued_at"], name="invoice_tenant_issued_idx"),
            models.Index(
                fields=["tenant", "paid_at"], condition=Q(paid_at__isnull=False), name="invoice_tenant_paid_idx"
            ),
            # The dunning sweeper's due retries.
            models.Index(
                fields=["tenant", "next_payment_attempt"],
                condition=Q(next_payment_attempt__isnull=False),
                name="invoice_next_attempt_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def customer_fields(self) -> dict[str, Any]:
        """The tenant, customer and currency that rows following from this invoice take
        (its credit notes, its balance ledger entries)."""
        return {"tenant_id": self.tenant_id, "customer_id": self.customer_id, "currency": self.currency}

    @property
    def charge_amount(self) -> Decimal:
        """What one charge of the whole invoice collects: the total less what the
        balance and the pre-payment credit notes took off (amount_due before payments)."""
        return self.amount_due + self.amount_paid


def _line_reference(to: type[models.Model], related_name: str, help_text: str) -> models.ForeignKey:
    """A key that some kinds of lines carry (the partial indexes below serve them)."""
    return models.ForeignKey(
        to,
        null=True,
        blank=True,
        db_index=False,
        on_delete=models.PROTECT,
        related_name=related_name,
        help_text=help_text,
    )


class InvoiceLine(TenantOwnedModel):
    """One line of an invoice. Usage lines keep the meter, the charge model, the
    quantity and the tier breakdown they were priced with; late-usage lines also keep
    the earlier period they correct. A discount line (negative) names the discount it
    comes from and the billing period it counts in (`period_start`, `period_end`):
    the discount's use is read from these lines."""

    class Kind(models.TextChoices):
        FLAT_FEE = "flat_fee", "Flat fee"
        USAGE = "usage", "Usage"
        LATE_USAGE = "late_usage", "Late usage"
        CORRECTION = "correction", "Correction"
        PRORATION = "proration", "Proration"
        MINIMUM_TRUE_UP = "minimum_true_up", "Minimum commitment true-up"
        PROGRESSIVE_BILLING_CREDIT = "progressive_billing_credit", "Progressive billing credit"
        DISCOUNT = "discount", "Discount"
        CREDIT_PURCHASE = "credit_purchase", "Credit purchase"

    id = models.BigAutoField(primary_key=True)
    # Lines are read by invoice (the unique (invoice, position) index) or, for late usage,
    # by source invoice (a partial index); other FK indexes would only slow the run.
    # Each key is checked on the primary key it references (migration 0021 says why not
    # on the pair (invoice_id, tenant_id)): a line's tenant is written from its invoice.
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+", db_index=False)
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines", db_index=False)
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=32, choices=Kind.choices)
    description = models.CharField(max_length=300)
    meter = models.ForeignKey(Meter, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False)
    meter_code = models.CharField(max_length=100, blank=True, default="")
    model = models.CharField(max_length=16, blank=True, default="", help_text="The charge model, for usage lines")
    quantity = quantity_field()
    amount = money_field()
    tiers = models.JSONField(default=list, blank=True)
    period_start = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Late usage: the period it belongs to; discount: the billing period it counts in",
    )
    period_end = models.DateTimeField(null=True, blank=True)
    source_invoice = _line_reference(Invoice, "late_lines", "Late usage: the earlier invoice whose period it corrects")
    discount = _line_reference(Discount, "lines", "Discount lines: the discount it applies")
    filter_name = models.CharField(  # noqa: DJ001 - null: no filter priced it (a filter's name is never empty)
        max_length=100, null=True, blank=True, help_text="Dimensional charges: the filter that priced it (null: none)"
    )
    group_values = models.JSONField(
        null=True, blank=True, help_text='Dimensional charges with group_by: the group, {"workspace": "w1"}'
    )

    class Meta:
        ordering = ["invoice", "position"]
        constraints = [models.UniqueConstraint(fields=["invoice", "position"], name="invoice_line_position_unique")]
        indexes = [
            models.Index(
                fields=["source_invoice"], condition=Q(source_invoice__isnull=False), name="invoice_line_source_idx"
            ),
            # What a discount already took off in a billing period (the amount_off cap).
            models.Index(
                fields=["discount", "period_start"],
                condition=Q(discount__isnull=False),
                name="invoice_line_discount_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.description}: {format_price(self.amount, self.invoice.currency)} {self.invoice.currency}"


LEDGER_SEQUENCE = "invoices_balancetransaction_seq"


class BalanceTransaction(TenantOwnedModel):
    """One entry of a customer's balance ledger: money the tenant owes the customer,
    per currency (API.md Part 2, "Customer balance"). The balance is the sum of the
    entries, always; it is never stored elsewhere and never below 0. Entries are
    written in the transaction of the invoice (or the adjustment) that causes them,
    under a row lock on the customer, so two invoices finalized at once never use the
    same credit. The database backs this (migration 0007's triggers): an entry that
    would take the balance below 0 is refused, and an entry's amount, currency and
    customer never change.
    """

    class Kind(models.TextChoices):
        ADJUSTMENT = "adjustment", "Manual adjustment"
        CREDIT_NOTE = "credit_note", "Credit note"
        NEGATIVE_INVOICE = "negative_invoice", "Negative invoice"
        OVERPAYMENT = "overpayment", "Overpayment"
        REFUND_FAILED = "refund_failed", "Refund failed"
        APPLIED_TO_INVOICE = "applied_to_invoice", "Applied to an invoice"
        INVOICE_VOIDED = "invoice_voided", "Invoice voided"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # The order entries were written in, from a database sequence: the ledger's order,
    # which neither random ids nor `created_at` (one instant for a whole run) can give.
    seq = models.BigIntegerField(
        db_default=nextval(LEDGER_SEQUENCE),
        editable=False,
        unique=True,
    )
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="balance_transactions")
    currency = models.CharField(max_length=3)
    amount = money_field(help_text="Positive: a credit to the customer; negative: a use of it")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    invoice = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="balance_transactions"
    )
    credit_note = models.ForeignKey(
        "CreditNote", null=True, blank=True, on_delete=models.PROTECT, related_name="balance_transactions"
    )
    description = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-seq"]
        indexes = [models.Index(fields=["tenant", "customer", "currency"], name="balance_customer_idx")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.kind} {format_price(self.amount, self.currency)} {self.currency}"


class NumberSequence(TenantOwnedModel):
    """The last number handed out in a tenant's series (`INV` invoices, `CN` credit
    notes). Numbers are taken with `INSERT … ON CONFLICT DO UPDATE SET last_number =
    last_number + n RETURNING` (`invoices.numbering`) in the transaction that writes
    what they number: the row lock orders concurrent writers, and a rollback returns
    them, so each series is gapless."""

    class Series(models.TextChoices):
        INVOICE = "INV", "Invoices"
        CREDIT_NOTE = "CN", "Credit notes"

    series = models.CharField(max_length=8, choices=Series.choices, default=Series.INVOICE)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "series"], name="number_sequence_one_per_series")]

    def __str__(self) -> str:
        return f"{self.tenant_id} {self.series}: {self.last_number}"


class CreditNote(TenantOwnedModel):
    """A correction of a finalized invoice that lowers what the customer owes for it
    (API.md Part 2, "Credit notes"); it never changes once issued, except for the
    state of its refund. On an open invoice (pre-payment) it lowers `amount_due`
    (`refund_amount` and `credit_amount` are 0); on a paid one its amount is split
    into `refund_amount` (paid back through the payment provider, never more than the
    invoice's `amount_paid`) and `credit_amount` (credited to the customer balance).
    `tax` is its share of the invoice's tax, rounded cumulatively over the invoice's
    notes, so that the shares add up to the invoice's tax when the notes reach its
    total. Σ of an invoice's notes ≤ its total (checked under the invoice's row lock).
    """

    class Reason(models.TextChoices):
        DUPLICATE = "duplicate", "Duplicate"
        FRAUDULENT = "fraudulent", "Fraudulent"
        ORDER_CHANGE = "order_change", "Order change"
        PRODUCT_UNSATISFACTORY = "product_unsatisfactory", "Product unsatisfactory"
        OTHER = "other", "Other"

    class RefundStatus(models.TextChoices):
        PENDING = "pending", "Sent to the provider"
        SUCCEEDED = "succeeded", "Refunded"
        FAILED = "failed", "Failed (credited to the balance)"
        NOT_SENT = "not_sent", "Not sent (no payment provider)"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    number = models.CharField(max_length=16, help_text="CN- and six digits, gapless per tenant")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_notes")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="credit_notes", db_index=False)
    currency = models.CharField(max_length=3)
    amount = money_field()
    tax = money_field(default=Decimal(0), help_text="Its share of the invoice's tax (included in amount)")
    refund_amount = money_field(default=Decimal(0))
    credit_amount = money_field(default=Decimal(0))
    refund_status = models.CharField(
        max_length=16, choices=RefundStatus.choices, blank=True, default="", help_text="Empty when nothing is refunded"
    )
    reason = models.CharField(max_length=32, choices=Reason.choices)
    memo = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "number"], name="credit_note_number_unique_per_tenant"),
            models.CheckConstraint(
                condition=Q(amount__gt=0, refund_amount__gte=0, credit_amount__gte=0),
                name="credit_note_amounts_positive",
            ),
            models.CheckConstraint(
                condition=Q(refund_amount=0) | ~Q(refund_status=""), name="credit_note_refund_has_status"
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "-created_at"], name="credit_note_tenant_idx"),
            models.Index(fields=["customer", "-created_at"], name="credit_note_customer_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def pre_payment(self) -> bool:
        """Issued on an open invoice: it lowered the amount due."""
        return not self.refund_amount and not self.credit_amount


class InvoiceRun(TenantOwnedModel):
    """One invoicing job of a tenant (from the API, beat, or the command)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    as_of = models.DateTimeField()
    invoices_created = models.PositiveIntegerField(default=0)
    subscriptions_processed = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="Last sign of life of its worker: set at start and after each batch"
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    errors = models.JSONField(
        default=list, blank=True, help_text="Subscriptions that could not be billed: [{subscription_id, error}]"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["tenant", "-created_at"], name="invoice_run_tenant_idx")]

    def __str__(self) -> str:
        return f"run {self.id} ({self.status})"


class InvoiceRunChunk(TenantOwnedModel):
    """A slice of a large invoice run (`invoices.run_chunks`): the subscriptions due at
    the run's `as_of` whose ids are in [first_id, last_id], billed by whichever worker
    process of the `invoicing` queue takes its task. A task claims the chunk with a
    conditional UPDATE (queued, failed, or running without a heartbeat for
    INVOICE_RUN_STALE_SECONDS: its worker died), which counts an `attempt` and records
    the `worker`'s hostname; a task whose attempt is no longer the chunk's stops.
    Billing stays exactly once per subscription whoever runs it: each batch locks its
    subscriptions with SKIP LOCKED and a billed one is no longer due."""

    Status = InvoiceRun.Status  # a chunk goes through the states of its run

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    run = models.ForeignKey(InvoiceRun, on_delete=models.CASCADE, related_name="chunks")
    position = models.PositiveIntegerField(help_text="0, 1, … in subscription id order")
    first_id = models.UUIDField(help_text="The lowest subscription id of the chunk")
    last_id = models.UUIDField(help_text="The highest subscription id of the chunk")
    planned = models.PositiveIntegerField(help_text="Subscriptions due in the range when the run was split")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(default=0, help_text="Claims so far (a retry, a dead worker's successor)")
    worker = models.CharField(max_length=255, blank=True, default="", help_text="Hostname of the last claimer")
    invoices_created = models.PositiveIntegerField(default=0)
    subscriptions_processed = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["run", "position"]
        constraints = [models.UniqueConstraint(fields=["run", "position"], name="invoice_run_chunk_position_uniq")]
        indexes = [
            models.Index(
                fields=["heartbeat_at"],
                name="invoice_run_chunk_live_idx",
                condition=Q(status__in=["queued", "running"]),
            )
        ]

    def __str__(self) -> str:
        return f"chunk {self.position} of run {self.run_id} ({self.status})"


class CreditGrant(TenantOwnedModel):
    """Prepaid credits of a customer in one currency (API.md Part 2, "Prepaid credits"):
    `paid` (bought, with a `credit_purchase` invoice: `pending` until it is paid) or
    `promotional`. At finalization a grant pays invoices of its currency whose
    `period_end` is in [effective_at, expires_at), after tax and before the customer
    balance, lowest `priority` first, then earliest `expires_at` (none last), then
    oldest (the model's ordering).

    `remaining` = amount − used − expired − voided, never below 0: the counters move
    only with an entry of its ledger (`CreditGrantEntry`, whose sums they equal),
    under the customer's row lock (as the balance ledger's), and a CHECK constraint
    refuses a write that would take `remaining` below 0 whatever the code does."""

    class Category(models.TextChoices):
        PAID = "paid", "Paid"
        PROMOTIONAL = "promotional", "Promotional"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending (purchase invoice not paid)"
        ACTIVE = "active", "Active"
        DEPLETED = "depleted", "Depleted"
        EXPIRED = "expired", "Expired"
        VOIDED = "voided", "Voided"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="credit_grants", db_index=False)
    name = models.CharField(max_length=200, blank=True, default="")
    category = models.CharField(max_length=16, choices=Category.choices)
    currency = models.CharField(max_length=3)
    amount = money_field()
    used = money_field(default=Decimal(0), help_text="Σ of what invoices used (less what voided invoices gave back)")
    expired = money_field(default=Decimal(0), help_text="Forfeited at expires_at")
    voided = money_field(default=Decimal(0), help_text="Taken off by a void or a credit note of the purchase")
    priority = models.PositiveSmallIntegerField(default=50, help_text="1–100; lowest is used first")
    effective_at = models.DateTimeField(help_text="Pays invoices whose period ends at or after it (business time)")
    expires_at = models.DateTimeField(null=True, blank=True, help_text="What remains is forfeited then; none: never")
    status = models.CharField(max_length=16, choices=Status.choices)
    invoice = models.OneToOneField(
        Invoice,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_grant",
        help_text="Paid grants: the credit_purchase invoice that sells it",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["priority", F("expires_at").asc(nulls_last=True), "created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="credit_grant_amount_positive"),
            models.CheckConstraint(
                condition=Q(used__gte=0, expired__gte=0, voided__gte=0), name="credit_grant_counters_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=F("used") + F("expired") + F("voided")),
                name="credit_grant_remaining_not_negative",
            ),
            models.CheckConstraint(condition=Q(priority__gte=1, priority__lte=100), name="credit_grant_priority_range"),
            models.CheckConstraint(
                condition=Q(expires_at__isnull=True) | Q(expires_at__gt=F("effective_at")),
                name="credit_grant_expires_after_effective",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "active", "depleted", "expired", "voided"]),
                name="credit_grant_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "customer", "currency", "status"], name="credit_grant_customer_idx"),
            # The expiry sweeper's and the clock step's due grants.
            models.Index(
                fields=["tenant", "expires_at"],
                condition=Q(status__in=["pending", "active"], expires_at__isnull=False),
                name="credit_grant_expiry_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name or 'Credit grant'} ({format_price(self.amount, self.currency)} {self.currency})"

    @property
    def remaining(self) -> Decimal:
        return self.amount - self.used - self.expired - self.voided

    def pays(self, period_end: datetime) -> bool:
        """Whether it may pay an invoice whose period ends at `period_end` (whatever the
        clock when the invoice is made: an invoice finalized after `expires_at` by a
        late run still cannot use it)."""
        in_window = self.effective_at <= period_end and (self.expires_at is None or period_end < self.expires_at)
        return self.status == self.Status.ACTIVE and in_window and self.remaining > 0


class CreditGrantEntry(TenantOwnedModel):
    """One entry of a grant's ledger: what an invoice used (`used`), what a voided
    invoice gave back (`invoice_voided`, negative), what was forfeited at expiry
    (`expired`), what a void or a credit note of the purchase took off (`voided`).
    Written with the grant's counters, in one transaction; never changed."""

    class Kind(models.TextChoices):
        USED = "used", "Used by an invoice"
        INVOICE_VOIDED = "invoice_voided", "Given back by a voided invoice"
        EXPIRED = "expired", "Expired"
        VOIDED = "voided", "Voided"

    id = models.BigAutoField(primary_key=True)
    grant = models.ForeignKey(CreditGrant, on_delete=models.CASCADE, related_name="entries")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    amount = money_field(help_text="What it took off the grant's remaining (negative: gave back)")
    invoice = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="grant_entries", db_index=False
    )
    credit_note = models.ForeignKey(
        CreditNote, null=True, blank=True, on_delete=models.PROTECT, related_name="grant_entries", db_index=False
    )
    description = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["invoice"], condition=Q(invoice__isnull=False), name="credit_grant_entry_invoice_idx")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount}"
