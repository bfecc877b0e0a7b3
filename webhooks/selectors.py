"""Reads of the webhooks app."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import Q, QuerySet

from tenants.models import Tenant
from webhooks.models import WebhookDelivery, WebhookEndpoint


def webhook_endpoints_for_event_type(*, tenant: Tenant | uuid.UUID | str, event_type: str) -> QuerySet[Any]:
    """Active endpoints of the tenant that receive `event_type` (no types listed = all)."""
    return WebhookEndpoint.objects.for_tenant(tenant).filter(
        Q(event_types=[]) | Q(event_types__contains=[event_type]), active=True
    )


def webhook_delivery_list(*, tenant: Tenant | uuid.UUID | str) -> QuerySet[Any]:
    """Deliveries of the tenant with their event and endpoint, ready to render."""
    return WebhookDelivery.objects.for_tenant(tenant).select_related("event", "endpoint")
