"""Thin Celery tasks of the metrics app."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from celery import shared_task
from django.conf import settings

from metrics import alert_evaluation, alert_watch, services
from tenants.isolation import tenant_task


@shared_task(ignore_result=True, autoretry_for=(Exception,), retry_backoff=30, max_retries=3)
def revenue_metrics_refresh() -> str:
    """Refresh the revenue view: after every invoice run and every 15 minutes on beat.
    Safe to run twice (a refresh recomputes everything from the invoices)."""
    return services.revenue_metrics_refresh().isoformat()


@shared_task(ignore_result=True, autoretry_for=(Exception,), retry_backoff=5, max_retries=3)
@tenant_task
def alerts_evaluate_subscriptions(tenant_id: str, subscription_ids: list[str]) -> int:
    """Evaluate these subscriptions' alerts, scheduled (debounced) by the usage that may
    have crossed a threshold (metrics.alert_watch: one task for the subscriptions a
    request marked). Clears their pending marks first, so usage stored while it reads
    schedules another evaluation. Safe to run twice."""
    ids = [uuid.UUID(s) for s in subscription_ids]
    alert_watch.alert_pending_clear(ids)
    return alert_evaluation.alerts_evaluate(tenant=uuid.UUID(tenant_id), subscription_ids=ids)


@shared_task(ignore_result=True, autoretry_for=(Exception,), retry_backoff=5, max_retries=3)
@tenant_task
def alerts_evaluate_subscription(tenant_id: str, subscription_id: str) -> int:
    """One subscription's: what ingestion queued before alerts_evaluate_subscriptions
    (kept so that tasks queued by the previous release still run)."""
    return alerts_evaluate_subscriptions(tenant_id, [subscription_id])


@shared_task(ignore_result=True, autoretry_for=(Exception,), retry_backoff=5, max_retries=3)
@tenant_task
def alerts_evaluate_tenant(tenant_id: str, customer_ids: list[str] | None = None) -> int:
    """Evaluate the tenant's alerts (of these customers' subscriptions, when given):
    after an invoice run, a clock advance, invoices that used credits, a grant."""
    tenant = uuid.UUID(tenant_id)
    if customer_ids is None:
        return alert_evaluation.alerts_evaluate(tenant=tenant)
    ids = alert_evaluation.alerting_subscription_ids(tenant=tenant, customer_ids=[uuid.UUID(c) for c in customer_ids])
    return alert_evaluation.alerts_evaluate(tenant=tenant, subscription_ids=ids) if ids else 0


def alerts_evaluate_later(tenant_id: uuid.UUID) -> Callable[[list[uuid.UUID]], None]:
    """What `alert_watch` calls with the subscriptions it marked pending: the debounced
    task, one per EVALUATION_BATCH of them (a task is about 3 ms of the request's CPU)."""
    delay = settings.ALERTS_EVALUATION_DELAY_SECONDS
    size = alert_evaluation.EVALUATION_BATCH

    def schedule(subscription_ids: list[uuid.UUID]) -> None:
        for first in range(0, len(subscription_ids), size):
            chunk = [str(s) for s in subscription_ids[first : first + size]]
            alerts_evaluate_subscriptions.apply_async(args=(str(tenant_id), chunk), countdown=delay)

    return schedule
