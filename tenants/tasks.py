"""Thin Celery tasks of the tenants app."""

from __future__ import annotations

from celery import shared_task

from tenants import idempotency


@shared_task(ignore_result=True)
def idempotency_records_purge() -> int:
    """Periodic: delete the idempotency records older than IDEMPOTENCY_TTL_SECONDS."""
    return idempotency.idempotency_records_purge()
