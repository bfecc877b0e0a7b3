"""Thin Celery tasks of the webhooks app: load ids, call a service, schedule the retry."""

from __future__ import annotations

import uuid

from celery import shared_task

from tenants.isolation import tenant_task
from webhooks import services
from webhooks.models import WebhookDelivery


@shared_task(ignore_result=True)
@tenant_task
def webhook_delivery_attempt(tenant_id: str, delivery_id: str) -> None:
    """One attempt; after a failure that will be retried, the next one is scheduled for
    `next_attempt_at`. A copy that runs early or twice does nothing (see the service)."""
    delivery = services.webhook_delivery_attempt(tenant=uuid.UUID(tenant_id), delivery_id=delivery_id)
    if delivery is not None and delivery.status == WebhookDelivery.Status.FAILED and delivery.next_attempt_at:
        webhook_delivery_attempt.apply_async((tenant_id, delivery_id), eta=delivery.next_attempt_at)


@shared_task(ignore_result=True)
def webhook_deliveries_sweep() -> int:
    """Periodic: queue deliveries whose queued message was lost (every minute is plenty)."""
    return services.webhook_deliveries_sweep()
