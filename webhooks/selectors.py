"""Reads of the webhooks app."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import QuerySet

from tenants.errors import NotFound
from tenants.models import TenantRef
from webhooks.models import WebhookDelivery, WebhookEndpoint

ENDPOINT_NOT_FOUND = "No such webhook endpoint."
DELIVERY_NOT_FOUND = "No such webhook delivery."


def webhook_endpoint_get(*, tenant: TenantRef, endpoint_id: uuid.UUID | str) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.for_tenant(tenant).filter(pk=endpoint_id).first()
    if endpoint is None:
        raise NotFound(ENDPOINT_NOT_FOUND)
    return endpoint


def webhook_endpoints_active(*, tenant: TenantRef) -> QuerySet[Any]:
    """Active endpoints of the tenant; `endpoint.receives(type)` says which events each takes."""
    return WebhookEndpoint.objects.for_tenant(tenant).filter(active=True)


def webhook_delivery_list(*, tenant: TenantRef) -> QuerySet[Any]:
    """Deliveries of the tenant with their event and endpoint, ready to render."""
    return WebhookDelivery.objects.for_tenant(tenant).select_related("event", "endpoint")


def webhook_delivery_get(*, tenant: TenantRef, delivery_id: uuid.UUID | str) -> WebhookDelivery:
    delivery = webhook_delivery_list(tenant=tenant).filter(pk=delivery_id).first()
    if delivery is None:
        raise NotFound(DELIVERY_NOT_FOUND)
    return delivery
