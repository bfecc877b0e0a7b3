"""Thin Celery tasks of the metrics app."""

from __future__ import annotations

from celery import shared_task

from metrics import services


@shared_task(ignore_result=True, autoretry_for=(Exception,), retry_backoff=30, max_retries=3)
def revenue_metrics_refresh() -> str:
    """Refresh the revenue view: after every invoice run and every 15 minutes on beat.
    Safe to run twice (a refresh recomputes everything from the invoices)."""
    return services.revenue_metrics_refresh().isoformat()
