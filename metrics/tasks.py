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
def alerts_evaluate_subscription(tenant_id: str, subscription_id: str) -> int:
    """Evaluate one subscription's alerts, scheduled (debounced) by the usage that may
    have crossed a threshold (metrics.alert_watch). Clears the pending mark first, so
    usage stored while it reads schedules another evaluation. Safe to run twice."""
    alert_watch.alert_pending_clear(uuid.UUID(subscription_id))
    return alert_evaluation.alerts_evaluate(tenant=uuid.UUID(tenant_id), subscription_ids=[uuid.UUID(subscription_id)])


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


def alerts_evaluate_later(tenant_id: uuid.UUID) -> Callable[[uuid.UUID], None]:
    """What `alert_watch` calls for each subscription it marks pending: the debounced task."""
    delay = settings.ALERTS_EVALUATION_DELAY_SECONDS

    def schedule(subscription_id: uuid.UUID) -> None:
        alerts_evaluate_subscription.apply_async(args=(str(tenant_id), str(subscription_id)), countdown=delay)

    return schedule
