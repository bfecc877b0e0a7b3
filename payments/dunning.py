"""Dunning: charging a failed invoice again on the tenant's schedule (API.md Part 2,
"Collections"; docs/payments.md, "Dunning").

- The first `payment.failed` of an open invoice starts its schedule: the charge is
  sent again at each of the tenant's `dunning_retry_days` after that failure
  (business time), `next_payment_attempt` shows the next one. Each failure publishes
  `invoice.payment_failed` with `attempt_count` (charge requests sent; the first is 1).
- The failure of the invoice's latest attempt once no retry is left takes the
  tenant's final action: `mark_uncollectible`, `cancel_subscription` (cancel now;
  an invoice without a live subscription to cancel is marked uncollectible), `none`.
- Retries are sent by `dunning_retries_send`: the beat sweeper's per-tenant task for
  live tenants, the clock's advance step (`DUNNING_STEP`) for sandboxes. Each due
  invoice is claimed under `SELECT … FOR NO KEY UPDATE SKIP LOCKED`, re-checking that
  it is still due, and its new charge attempt is created and its schedule moved in
  the same transaction; the collection task then sends that attempt with its id as
  `Idempotency-Key`. So two sweeps at once send exactly one charge per retry, and
  the task's own retries never charge twice.
- `invoice_pay` (`POST …/invoices/{id}/pay`) sends a charge now: it counts as an
  attempt and leaves the schedule as it is.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import structlog
from django.db import transaction
from django.db.models import Min

from invoices import services as invoice_services
from invoices.models import Invoice
from payments import services
from payments.models import ChargeAttempt
from tenants import clock
from tenants.errors import Conflict
from tenants.models import DunningFinalAction, Tenant, TenantRef, tenant_pk
from tenants.sandbox import AdvanceStep

log = structlog.get_logger(__name__)

INVOICE_NOT_OPEN_FOR_PAY = "Only open invoices can be paid; this one is {status}."
NOTHING_DUE = "This invoice has no amount due: there is nothing to charge."


def _retry_at(invoice: Invoice, retry_days: list[int]) -> datetime | None:
    """When the invoice's next scheduled retry is due: the next offset from its first
    failure, or None when none is left."""
    if invoice.first_failed_at is None or invoice.retries_sent >= len(retry_days):
        return None
    return invoice.first_failed_at + timedelta(days=retry_days[invoice.retries_sent])


def failure_record(invoice: Invoice, attempt: ChargeAttempt | None) -> bool:
    """A failed payment of the (locked, open) invoice: the first one starts the
    schedule. True when the final action is due: the failure is of the invoice's latest
    attempt and no retry is left."""
    tenant = Tenant.objects.get(pk=invoice.tenant_id)
    if invoice.first_failed_at is None:
        invoice.first_failed_at, invoice.retries_sent = clock.now(invoice.tenant_id), 0
        invoice.next_payment_attempt = _retry_at(invoice, tenant.dunning_retry_days)
    invoice.attempt_count = max(invoice.attempt_count, 1)  # charged some other way: that was one
    invoice.save(update_fields=["first_failed_at", "retries_sent", "next_payment_attempt", "attempt_count"])
    latest = invoice.charge_attempts.order_by("-created_at", "-pk").values_list("pk", flat=True).first()
    is_latest = attempt is None or latest == attempt.pk
    return is_latest and invoice.next_payment_attempt is None


def final_action_take(invoice: Invoice) -> None:
    """The tenant's final action after the invoice's last retry failed."""
    tenant = Tenant.objects.get(pk=invoice.tenant_id)
    action = tenant.dunning_final_action
    log.info("dunning_final_action", invoice_id=str(invoice.pk), action=action)
    if action == DunningFinalAction.CANCEL_SUBSCRIPTION:
        subscription = invoice.subscription if invoice.subscription_id else None
        if subscription is not None and subscription.is_live:
            try:
                invoice_services.subscription_cancel(
                    tenant=invoice.tenant_id, subscription_id=subscription.pk, at_period_end=False
                )
                return
            except Conflict as exc:  # not billable: the debt is written off instead
                log.warning("dunning_cancel_failed", invoice_id=str(invoice.pk), error=str(exc))
        action = DunningFinalAction.MARK_UNCOLLECTIBLE
    if action == DunningFinalAction.MARK_UNCOLLECTIBLE:
        invoice_services.invoice_mark_uncollectible(tenant=invoice.tenant_id, invoice_id=invoice.pk)


def _due(tenant_id: uuid.UUID, at: datetime) -> list[uuid.UUID]:
    return list(
        Invoice.objects.for_tenant(tenant_id)
        .filter(status=Invoice.Status.OPEN, next_payment_attempt__lte=at)
        .order_by("next_payment_attempt")
        .values_list("pk", flat=True)
    )


def _retry_claim(tenant: Tenant, invoice_id: uuid.UUID, at: datetime) -> bool:
    """Claim one due retry and create its charge attempt (one transaction): False when
    another sweep holds or already took it, or it is no longer due."""
    with transaction.atomic():
        invoice = (
            Invoice.objects.for_tenant(tenant.pk)
            .select_for_update(no_key=True, skip_locked=True)
            .filter(pk=invoice_id, status=Invoice.Status.OPEN, next_payment_attempt__lte=at)
            .first()
        )
        if invoice is None:
            return False
        invoice.retries_sent += 1
        invoice.next_payment_attempt = _retry_at(invoice, tenant.dunning_retry_days)
        invoice.save(update_fields=["retries_sent", "next_payment_attempt"])
        if invoice.amount_due <= 0:
            return False
        services.charge_attempt_create(invoice)
        services.collection_queue_on_commit(tenant.pk, [str(invoice.pk)])
    return True


def dunning_retries_send(*, tenant: TenantRef, at: datetime | None = None) -> int:
    """Send every retry due by `at` (default: the tenant's now); how many were sent."""
    tenant_row = Tenant.objects.get(pk=tenant_pk(tenant))
    at = at or clock.now(tenant_row)
    sent = sum(_retry_claim(tenant_row, invoice_id, at) for invoice_id in _due(tenant_row.pk, at))
    if sent:
        log.info("dunning_retries_sent", tenant_id=str(tenant_row.pk), count=sent)
    return sent


def dunning_tenants_due(*, now: datetime | None = None) -> list[uuid.UUID]:
    """Live tenants with a retry due (the beat's fan-out; sandboxes retry as their clock
    is advanced)."""
    rows = Invoice.unscoped().filter(
        status=Invoice.Status.OPEN,
        next_payment_attempt__lte=now or clock.real_now(),
        tenant__sandbox=False,
    )
    return list(rows.order_by().values_list("tenant_id", flat=True).distinct())


def invoice_pay(*, tenant: TenantRef, invoice_id: uuid.UUID) -> Invoice:
    """Charge the open invoice now: a new attempt (counted in `attempt_count`), sent
    once this commits (nothing is sent without PAYMENT_PROVIDER_URL, as for every
    charge); the dunning schedule stays as it is. 409 unless open with an amount due."""
    tenant_id = tenant_pk(tenant)
    with transaction.atomic():
        invoice = invoice_services.open_invoice_locked(tenant_id, invoice_id, INVOICE_NOT_OPEN_FOR_PAY)
        if invoice.amount_due <= 0:
            raise Conflict(NOTHING_DUE, code="nothing_due")
        services.charge_attempt_create(invoice)
        services.collection_queue_on_commit(tenant_id, [str(invoice.pk)])
    return invoice


# The sandbox clock's step

ORDER = 200  # after invoicing (100) at one moment


def _next_due(tenant_id: uuid.UUID, after: datetime) -> datetime | None:
    rows = Invoice.objects.for_tenant(tenant_id).filter(status=Invoice.Status.OPEN, next_payment_attempt__gt=after)
    return rows.aggregate(first=Min("next_payment_attempt"))["first"]


def _run(tenant_id: uuid.UUID, at: datetime) -> None:
    dunning_retries_send(tenant=tenant_id, at=at)


DUNNING_STEP = AdvanceStep(name="dunning", order=ORDER, next_due=_next_due, run=_run)
