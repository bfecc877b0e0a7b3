"""Reads of the webhooks app."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import QuerySet

from tenants.models import TenantRef
from webhooks.models import WebhookDelivery, WebhookEndpoint

ENDPOINT_NOT_FOUND = "No such webhook endpoint."
DELIVERY_NOT_FOUND = "No such webhook delivery."


def webhook_endpoint_get(*, tenant: TenantRef, endpoint_id: uuid.UUID | str) -> WebhookEndpoint | None:
    return WebhookEndpoint.objects.for_tenant(tenant).filter(pk=endpoint_id).first()


def webhook_endpoints_active(*, tenant: TenantRef) -> QuerySet[Any]:
    """Active endpoints of the tenant; `endpoint.receives(type)` says which events each takes."""
    return WebhookEndpoint.objects.for_tenant(tenant).filter(active=True)


def webhook_delivery_list(*, tenant: TenantRef) -> QuerySet[Any]:
    """Deliveries of the tenant with their event and endpoint, ready to render."""
    return WebhookDelivery.objects.for_tenant(tenant).select_related("event", "endpoint")
