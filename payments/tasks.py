"""Thin Celery tasks of payments: ids in, one service call, retries here."""

from __future__ import annotations

import uuid
from typing import Any

from celery import shared_task

from payments import dunning, services
from tenants.isolation import tenant_task

COLLECT_RETRIES: dict[str, Any] = {
    "acks_late": True,
    "autoretry_for": (services.ProviderUnavailable,),
    "retry_backoff": 30,
    "retry_backoff_max": 3600,
    "max_retries": 8,
}


@shared_task(**COLLECT_RETRIES)
@tenant_task
def invoice_collect_payment(tenant_id: str, invoice_id: str) -> str:
    """Ask the payment provider to charge an open invoice (the invoice id is the
    idempotency key, so a retried task never charges twice)."""
    return services.invoice_collect_payment(tenant=uuid.UUID(tenant_id), invoice_id=uuid.UUID(invoice_id))


# The task's name before it moved here from invoices: a message queued under it (by a
# worker of the previous release, or waiting for a retry) is still run. Nothing sends it.
@shared_task(name="invoices.tasks.invoice_collect_payment", **COLLECT_RETRIES)
@tenant_task
def invoice_collect_payment_old_name(tenant_id: str, invoice_id: str) -> str:
    return services.invoice_collect_payment(tenant=uuid.UUID(tenant_id), invoice_id=uuid.UUID(invoice_id))


@shared_task(**COLLECT_RETRIES)
@tenant_task
def credit_note_send_refund(tenant_id: str, credit_note_id: str) -> str:
    """Send a credit note's refund to the payment provider (the note's id is the
    idempotency key, so a retried task never refunds twice)."""
    return services.credit_note_send_refund(tenant=uuid.UUID(tenant_id), credit_note_id=uuid.UUID(credit_note_id))


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=30, retry_backoff_max=600, max_retries=5)
@tenant_task
def dunning_retries_send(tenant_id: str) -> int:
    """Send one tenant's due dunning retries (each claimed once, whatever runs at once)."""
    return dunning.dunning_retries_send(tenant=uuid.UUID(tenant_id))


@shared_task(ignore_result=True)
def dunning_sweep() -> int:
    """The beat job: one task per live tenant with a retry due (sandboxes retry as their
    clock is advanced)."""
    tenant_ids = dunning.dunning_tenants_due()
    for tenant_id in tenant_ids:
        dunning_retries_send.delay(str(tenant_id))
    return len(tenant_ids)
