"""Thin Celery tasks of the tenants app."""

from __future__ import annotations

import uuid

from celery import shared_task

from tenants import idempotency, sandbox
from tenants.isolation import tenant_task


@shared_task(ignore_result=True)
def idempotency_records_purge() -> int:
    """Periodic: delete the idempotency records older than IDEMPOTENCY_TTL_SECONDS."""
    return idempotency.idempotency_records_purge()


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=30, retry_backoff_max=600, max_retries=5)
@tenant_task
def clock_advance_execute(tenant_id: str) -> bool:
    """Move a sandbox's clock to where its advance goes; a failure is retried, and the
    retry goes on from where the clock stopped."""
    return sandbox.clock_advance_execute(tenant=uuid.UUID(tenant_id))


@shared_task(ignore_result=True)
def clock_advances_sweep() -> int:
    """Periodic: send again the advances that no worker holds."""
    return sandbox.clock_advances_sweep()
