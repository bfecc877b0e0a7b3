"""Writes of invoicing: runs, cancellation, voiding, and the upcoming-invoice preview.

The API, the beat task, the `run_invoices` command and the preview all go through
`invoices.billing`, so an invoice is computed the same way wherever it starts.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

import structlog
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Q

from audit.services import as_created, audit_record
from invoices import billing, grants, ledger, progressive, run_chunks, selectors
from invoices.ahead_counter import AheadCounter
from invoices.calculation import LineDraft
from invoices.instruments import INVOICE_RUN_SECONDS
from invoices.models import BalanceTransaction, Invoice, InvoiceRun
from invoices.serializers import invoice_body
from invoices.signals import invoice_run_finished
from plans.money import format_price
from subscriptions.models import Customer, Subscription
from subscriptions.selectors import subscription_get, subscription_get_for_update
from subscriptions.services import CUSTOMER_NOT_FOUND, SUBSCRIPTION_NOT_FOUND
from tenants import clock
from tenants.decimals import decimal_problem
from tenants.errors import Conflict, Invalid, Message, NotFound
from tenants.models import TenantRef, tenant_pk
from tenants.validators import currency_exponent
from webhooks.models import EventType
from webhooks.services import event_publish

log = structlog.get_logger(__name__)

INVOICE_NOT_FOUND = "No such invoice."
INVOICE_NOT_OPEN = "Only open invoices can be voided; this one is {status}."
SUBSCRIPTION_ALREADY_CANCELED = "This subscription is already canceled."
NO_UPCOMING_INVOICE = "This subscription will not be invoiced again: it is canceled, or ends with its trial."
SUBSCRIPTION_NOT_BILLABLE = "This subscription cannot be billed, so it was not canceled: {error}"
AS_OF_IN_THE_FUTURE = "as_of may be at most 5 minutes from now: a period is invoiced once it has ended."
# Room for the caller's clock running ahead of ours (as for usage timestamps); usage of
# those last minutes is not lost: it becomes late usage on the next invoice.
AS_OF_MAX_AHEAD = timedelta(minutes=5)
RUN_SWEEP_BATCH = 1000


# Runs


@dataclass
class RunTotals:
    subscriptions: int = 0
    invoices: list[Invoice] = field(default_factory=list)
    failures: list[dict[str, str]] = field(default_factory=list)

    def add(self, outcome: billing.BatchOutcome) -> None:
        self.subscriptions += outcome.subscriptions
        self.invoices += outcome.invoices
        self.failures += outcome.failures


def invoice_due_subscriptions(
    *,
    tenant: TenantRef,
    as_of: datetime,
    batch_size: int | None = None,
    on_batch: Callable[[billing.BatchOutcome], None] | None = None,
    skip: Collection[uuid.UUID] = (),
    within: tuple[uuid.UUID, uuid.UUID] | None = None,
) -> RunTotals:
    """Invoice every subscription of the tenant whose current period ended at or before
    `as_of`, batch by batch until none is due, then the late usage of canceled
    subscriptions on adjustment invoices. Safe to run twice or concurrently. A
    subscription that cannot be billed is reported in `failures` and skipped for the
    rest of the run (as are those in `skip`); the others are billed. With `within`
    (first, last subscription id: a chunk of a split run, `invoices.run_chunks`) only
    the due subscriptions in that range, and no adjustments (the run's last step).
    A large run's dimensional charges are counted once, beside its first batches
    (`billing.count_run_ahead` on its own connection: `ahead_counter.AheadCounter`)."""
    totals = RunTotals()
    size = batch_size or settings.INVOICE_RUN_BATCH_SIZE
    failed: set[uuid.UUID] = set(skip)
    ahead = AheadCounter(tenant=tenant, as_of=as_of, within=within, first_batch=size, skip=failed)
    try:
        while outcome := billing.bill_due_batch(
            tenant=tenant,
            as_of=as_of,
            now=clock.now(tenant),
            batch_size=size,
            skip=failed,
            within=within,
            ahead=ahead.ready(),
        ):
            failed |= {uuid.UUID(f["subscription_id"]) for f in outcome.failures}
            totals.add(outcome)
            if on_batch is not None:
                on_batch(outcome)
    finally:
        ahead.close()
    if within is not None:
        return totals
    cursor = billing.ZERO_UUID
    while found := billing.bill_adjustments_batch(tenant=tenant, now=clock.now(tenant), batch_size=size, after=cursor):
        outcome, cursor = found
        totals.add(outcome)
        if on_batch is not None:
            on_batch(outcome)
    # Progressive billing: the current periods' thresholds, after the ended ones are closed.
    totals.invoices += progressive.thresholds_check(tenant=tenant, now=clock.now(tenant))
    return totals


def invoice_run_as_of(*, tenant: TenantRef, as_of: datetime | None) -> datetime:
    """`as_of` of a run, the tenant's now by default. A later time would invoice
    periods that have not ended (finalized, with their usage still to come), so it is
    refused."""
    now = clock.now(tenant)
    if as_of is not None and as_of > now + AS_OF_MAX_AHEAD:
        raise Invalid({"as_of": [AS_OF_IN_THE_FUTURE]}, code="in_the_future")
    return now if as_of is None else as_of


def invoice_run_create(*, tenant: TenantRef, as_of: datetime | None = None) -> InvoiceRun:
    """A queued run; its Celery task is sent once the transaction commits."""
    tenant_id = tenant_pk(tenant)
    with transaction.atomic():
        run = InvoiceRun.objects.create(tenant_id=tenant_id, as_of=invoice_run_as_of(tenant=tenant_id, as_of=as_of))
        audit_record(tenant=tenant_id, action="invoice_run.created", obj=run, changes={"as_of": [None, run.as_of]})
        _queue_run_on_commit(tenant_id, run.pk)
    return run


def _queue_run_on_commit(tenant_id: uuid.UUID, run_id: uuid.UUID) -> None:
    from invoices import tasks  # tasks import this module

    def queue_invoice_run() -> None:
        tasks.invoice_run_tenant.delay(str(tenant_id), str(run_id))

    # robust: with the broker down the run stays queued and the API still answers;
    # invoice_runs_sweep sends it again once it is INVOICE_RUN_STALE_SECONDS old.
    transaction.on_commit(queue_invoice_run, robust=True)


def _stale_before(now: datetime) -> datetime:
    return now - timedelta(seconds=settings.INVOICE_RUN_STALE_SECONDS)


def _claimable(now: datetime) -> Q:
    """Runs a task may take: queued, failed (the task's retry), or running without a
    heartbeat (set at the start and after each batch) for INVOICE_RUN_STALE_SECONDS
    (its worker died). A run with a fresher heartbeat belongs to a live worker, however
    long it has been running, so a second message for it (a sweeper's, a redelivered
    one) does nothing instead of running it twice at once."""
    live = [InvoiceRun.Status.QUEUED, InvoiceRun.Status.FAILED]
    return Q(status__in=live) | Q(status=InvoiceRun.Status.RUNNING, heartbeat_at__lt=_stale_before(now))


def invoice_runs_sweep(*, now: datetime | None = None, limit: int = RUN_SWEEP_BATCH) -> int:
    """Send again, for every tenant, the task of each run whose task was lost: queued
    for longer than INVOICE_RUN_STALE_SECONDS (the broker was down when it was sent) or
    running without a heartbeat for that long (its worker was killed mid-run), and the
    task of each chunk of a split run (`invoices.run_chunks`) running without a
    heartbeat for that long. Returns how many it sent.

    Safe to send twice: only one task claims a run or a chunk, and billing is exactly
    once (what a dead worker committed stays, the next attempt bills what is left). A
    failed run or chunk is left to its task's retries.
    """
    now = now or clock.real_now()
    stale_before = _stale_before(now)
    stale = (
        InvoiceRun.unscoped()
        .filter(
            Q(status=InvoiceRun.Status.QUEUED, created_at__lt=stale_before)
            | Q(status=InvoiceRun.Status.RUNNING, heartbeat_at__lt=stale_before)
        )
        .order_by("created_at")
    )
    runs = list(stale.values_list("tenant_id", "pk")[:limit])
    for tenant_id, run_id in runs:
        _queue_run_on_commit(tenant_id, run_id)
    chunks = run_chunks.stale_chunks(now, limit)
    run_chunks.resend_chunks(chunks)
    if runs or chunks:
        sent = [str(run_id) for _, run_id in runs]
        log.warning("invoice_runs_requeued", runs=sent, chunks=[str(chunk_id) for _, chunk_id in chunks])
    return len(runs) + len(chunks)


def invoice_run_execute(*, tenant: TenantRef, run_id: uuid.UUID) -> InvoiceRun | None:
    """Carry out a queued (or failed, when retried, or stale) run and record its outcome.

    Returns None when the run is unknown, already finished, or running in a live worker
    (`_claimable`). A run with more than INVOICE_RUN_CHUNK_SIZE subscriptions due is
    split into chunks that workers of the `invoicing` queue bill (`invoices.run_chunks`):
    it is returned running, and its last chunk finishes it. A smaller one is billed
    here: a failure is recorded on the run and re-raised, so that the task's retry runs
    it again; whatever the failed attempt committed stays, and the next attempt
    invoices only what is left.
    """
    tenant_id = tenant_pk(tenant)
    now = clock.real_now()  # the run's own bookkeeping (started, heartbeat, finished) is real time
    claimed = InvoiceRun.objects.for_tenant(tenant_id).filter(_claimable(now), pk=run_id)
    if not claimed.update(status=InvoiceRun.Status.RUNNING, started_at=now, heartbeat_at=now, error=""):
        return None
    run = InvoiceRun.objects.get(pk=run_id)
    if run_chunks.run_split(run):
        return run
    InvoiceRun.objects.filter(pk=run_id).update(errors=[])  # billed again from the start (not split)
    started = time.perf_counter()
    try:
        totals = invoice_due_subscriptions(
            tenant=tenant_id, as_of=run.as_of, on_batch=lambda outcome: run_chunks.count_batch(run_id, outcome)
        )
    except Exception as exc:
        run.status, run.error, run.finished_at = (
            InvoiceRun.Status.FAILED,
            f"{type(exc).__name__}: {exc}",
            clock.real_now(),
        )
        run.save(update_fields=["status", "error", "finished_at"])
        log.exception("invoice_run_failed", run_id=str(run_id))
        raise
    finally:
        INVOICE_RUN_SECONDS.observe(time.perf_counter() - started)
    run.status, run.finished_at = InvoiceRun.Status.SUCCEEDED, clock.real_now()
    run.save(update_fields=["status", "finished_at"])
    run.refresh_from_db(fields=["invoices_created", "subscriptions_processed", "errors"])
    invoice_run_finished.send_robust(sender=InvoiceRun, tenant_id=tenant_id, run=run)
    log.info("invoice_run_succeeded", run_id=str(run_id), invoices=len(totals.invoices))
    return run


# Invoices


def open_invoice_locked(tenant_id: uuid.UUID, invoice_id: uuid.UUID, not_open: str) -> Invoice:
    """The open invoice, locked for the caller's transaction (so a payment racing a
    status change cannot both win); 404 when unknown, 409 `not_open` when not open."""
    invoice = Invoice.objects.for_tenant(tenant_id).select_for_update().filter(pk=invoice_id).first()
    if invoice is None:
        raise NotFound(INVOICE_NOT_FOUND)
    if invoice.status != Invoice.Status.OPEN:
        raise Conflict(not_open.format(status=invoice.status), code="invoice_not_open")
    return invoice


def invoice_void(*, tenant: TenantRef, invoice_id: uuid.UUID) -> Invoice:
    """open → void; what credit grants and the customer balance paid of it goes back to
    them; a credit purchase's grant is voided."""
    tenant_id = tenant_pk(tenant)
    with transaction.atomic():
        invoice = open_invoice_locked(tenant_id, invoice_id, INVOICE_NOT_OPEN)
        invoice.status, invoice.voided_at = Invoice.Status.VOID, clock.now(tenant_id)
        invoice.next_payment_attempt = None  # dunning stops
        invoice.save(update_fields=["status", "voided_at", "next_payment_attempt"])
        audit_record(
            tenant=tenant_id, action="invoice.voided", obj=invoice, changes={"status": ["open", invoice.status]}
        )
        _give_back_credits(invoice)
        event_publish(tenant=tenant_id, type=EventType.INVOICE_VOIDED, data=invoice_body(invoice))
    return invoice


def _give_back_credits(invoice: Invoice) -> None:
    """A voided invoice returns what it used of grants and of the customer balance
    (ledgers `invoice_voided`: `credits_applied` less what the grants took is the
    balance's part); a purchase's grant is voided with it."""
    from_grants = grants.grants_give_back(invoice)
    grants.purchase_grant_close(invoice, description=f"Invoice {invoice.number} voided")
    ledger.balance_credit(
        invoice=invoice,
        amount=invoice.credits_applied - from_grants,
        kind=BalanceTransaction.Kind.INVOICE_VOIDED,
        description=f"Invoice {invoice.number} voided",
    )


# Subscriptions: cancel and preview


def subscription_get_locked(tenant_id: uuid.UUID, subscription_id: uuid.UUID, *, lock: bool = True) -> Subscription:
    """The live subscription, locked for the caller's transaction (a cancellation, a
    plan change and the run take turns; a preview reads it unlocked); 404 when
    unknown, 409 when canceled."""
    read = subscription_get_for_update if lock else subscription_get
    sub = read(tenant=tenant_id, subscription_id=subscription_id)
    if sub is None:
        raise NotFound(SUBSCRIPTION_NOT_FOUND)
    if not sub.is_live:
        raise Conflict(SUBSCRIPTION_ALREADY_CANCELED, code="subscription_canceled")
    return sub


def subscription_cancel(
    *, tenant: TenantRef, subscription_id: uuid.UUID, at_period_end: bool, now: datetime | None = None
) -> tuple[Subscription, list[Invoice]]:
    """Either way, periods that already ended are billed first (as the next run would).
    At period end: flag it; the run bills the current period, then cancels (a trial
    ends unbilled). Immediately: a final invoice for the part of the current period up
    to now (fee prorated by seconds, usage to now), and cancel."""
    tenant_id = tenant_pk(tenant)
    with transaction.atomic():
        sub = subscription_get_locked(tenant_id, subscription_id)
        try:
            invoices = billing.bill_subscription_now(
                tenant=tenant_id, subscription=sub, now=now or clock.now(tenant_id), at_period_end=at_period_end
            )
        except billing.BillingFailed as exc:
            raise Conflict(SUBSCRIPTION_NOT_BILLABLE.format(error=exc), code="not_billable") from exc
        if sub.cancel_at_period_end and sub.is_live:  # canceling now is the walk's `subscription.canceled`
            changes = {"cancel_at_period_end": [False, True]}
            audit_record(tenant=tenant_id, action="subscription.cancel_scheduled", obj=sub, changes=changes)
    return sub, invoices


def final_invoice(invoices: list[Invoice]) -> Invoice | None:
    """The final invoice of a cancellation among the invoices it issued: periods that
    had ended are billed first either way, and only a cancellation now has one (not
    even then when the window it would bill is empty)."""
    return next((i for i in invoices if i.billing_reason == Invoice.BillingReason.CANCELLATION), None)


@dataclass
class InvoicePreview:
    invoice: Invoice
    lines: list[LineDraft]


def invoice_preview(*, tenant: TenantRef, subscription: Subscription) -> InvoicePreview:
    """The invoice the current period will produce at its end: the fee in full (or the
    current segment's proration after a plan change), the usage stored so far, late
    usage of earlier periods and the discounts that would apply, priced by the run's
    own code; nothing is stored, no number is taken and no discount is used. During a
    trial it is the first billed period's invoice (the trial itself is free)."""
    sub = Subscription.objects.select_related("plan", "pending_plan").get(pk=subscription.pk)
    bill = billing.upcoming_bill(sub, billing.Walk.of(tenant, [sub]))
    if bill is None:
        raise Conflict(NO_UPCOMING_INVOICE, code="no_upcoming_invoice")
    return upcoming(previews(tenant=tenant, bills=[bill], issued_at=[bill.end])[0])


def previews(*, tenant: TenantRef, bills: list[billing.Bill], issued_at: list[datetime]) -> list[InvoicePreview]:
    """`billing.preview_invoices` with their lines; 409 `not_billable` when one cannot be billed."""
    try:
        invoices = billing.preview_invoices(tenant=tenant, bills=bills, issued_at=issued_at)
    except billing.BillingFailed as exc:
        raise Conflict(SUBSCRIPTION_NOT_BILLABLE.format(error=exc), code="not_billable") from exc
    return [InvoicePreview(invoice, bill.lines) for invoice, bill in zip(invoices, bills, strict=True)]


def upcoming(preview: InvoicePreview) -> InvoicePreview:
    """An upcoming invoice is not finalized: it shows `open`, whatever it will be due."""
    preview.invoice.status, preview.invoice.paid_at = Invoice.Status.OPEN, None
    return preview


# Uncollectible

INVOICE_NOT_OPEN_FOR_UNCOLLECTIBLE = "Only open invoices can be marked uncollectible; this one is {status}."


def invoice_mark_uncollectible(*, tenant: TenantRef, invoice_id: uuid.UUID) -> Invoice:
    """open → uncollectible: the debt is written off, the invoice and its amounts stay
    (a payment that arrives after all still marks it paid). Locked like `invoice_void`."""
    tenant_id = tenant_pk(tenant)
    with transaction.atomic():
        invoice = open_invoice_locked(tenant_id, invoice_id, INVOICE_NOT_OPEN_FOR_UNCOLLECTIBLE)
        invoice.status, invoice.next_payment_attempt = Invoice.Status.UNCOLLECTIBLE, None  # dunning stops
        invoice.save(update_fields=["status", "next_payment_attempt"])
        changes = {"status": ["open", invoice.status]}
        audit_record(tenant=tenant_id, action="invoice.marked_uncollectible", obj=invoice, changes=changes)
        grants.purchase_grant_close(invoice, description=f"Invoice {invoice.number} marked uncollectible")
        event_publish(tenant=tenant_id, type=EventType.INVOICE_MARKED_UNCOLLECTIBLE, data=lambda: invoice_body(invoice))
    return invoice


# Customer balance

# Wide enough for any credit a person types in (JPY included); the balance stays far
# inside the ledger's column (invoices.models.AMOUNT_LIMIT).
ADJUSTMENT_MAX_INTEGER_DIGITS = 15
ADJUSTMENT_DESCRIPTION_MAX_LENGTH = 300
ADJUSTMENT_ZERO = "amount may not be 0: a credit is positive, a debit negative."
ADJUSTMENT_TOO_LARGE = f"amount has at most {ADJUSTMENT_MAX_INTEGER_DIGITS} digits before the decimal point."
ADJUSTMENT_TOO_PRECISE = "{currency} amounts have at most {places} decimal places."
ADJUSTMENT_DESCRIPTION_INVALID = f"description is 1 to {ADJUSTMENT_DESCRIPTION_MAX_LENGTH} characters."
BALANCE_BELOW_ZERO = (
    "This would take the customer's {currency} balance below 0: it is {balance}, and the adjustment is {amount}."
)


def _adjustment_problems(currency: str, amount: Decimal, description: str) -> dict[str, list[Message]]:
    try:
        places = currency_exponent(currency)
    except DjangoValidationError as exc:
        return {"currency": [Message(exc.messages[0], code="invalid_currency")]}
    problems: dict[str, list[Message]] = {}
    problem = decimal_problem(amount, integer_digits=ADJUSTMENT_MAX_INTEGER_DIGITS, decimal_places=places)
    if problem == "max_decimal_places":
        text = ADJUSTMENT_TOO_PRECISE.format(currency=currency, places=places)
        problems["amount"] = [Message(text, code="too_precise_for_currency")]
    elif problem:
        problems["amount"] = [Message(ADJUSTMENT_TOO_LARGE, code=problem)]
    elif not amount:
        problems["amount"] = [Message(ADJUSTMENT_ZERO, code="zero")]
    if not description.strip() or len(description) > ADJUSTMENT_DESCRIPTION_MAX_LENGTH or "\x00" in description:
        problems["description"] = [Message(ADJUSTMENT_DESCRIPTION_INVALID, code="invalid")]
    return problems


def balance_adjustment_create(
    *, tenant: TenantRef, customer: Customer, currency: str, amount: Decimal, description: str
) -> BalanceTransaction:
    """A manual entry (kind `adjustment`) on the customer's balance in `currency`:
    positive credits the customer, negative takes credit back. 400 for a bad currency
    or amount (0, too large, more decimal places than the currency has); 409 when it
    would take the balance below 0. Checked under the customer's lock, like every
    balance write, so two debits at once cannot both spend the same credit."""
    tenant_id = tenant_pk(tenant)
    if customer.tenant_id != tenant_id:
        raise NotFound(CUSTOMER_NOT_FOUND)
    problems = _adjustment_problems(currency, amount, description)
    if problems:
        raise Invalid(problems)
    with transaction.atomic():
        billing.lock_customers([customer.pk])
        balance = selectors.balance_for_customer(tenant=tenant_id, customer_id=customer.pk, currency=currency)
        if balance + amount < 0:
            shown = {"currency": currency, "balance": format_price(balance, currency)}
            text = BALANCE_BELOW_ZERO.format(**shown, amount=format_price(amount, currency))
            raise Conflict({"amount": [text]}, code="balance_below_zero")
        entry = BalanceTransaction.objects.create(
            tenant_id=tenant_id,
            customer_id=customer.pk,
            currency=currency,
            amount=amount,
            kind=BalanceTransaction.Kind.ADJUSTMENT,
            description=description,
        )
        changes = as_created(entry, "customer_id", "currency", "amount")
        audit_record(
            tenant=tenant_id, action="balance_transaction.created", obj=entry, changes=changes, reason=description
        )
        return entry
