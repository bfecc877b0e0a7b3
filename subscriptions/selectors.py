"""Reads of the subscriptions app. Every selector takes `*, tenant` first."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from subscriptions.models import Customer
from tenants.models import Tenant

TenantRef = Tenant | uuid.UUID


def customer_list(*, tenant: TenantRef) -> QuerySet[Customer]:
    return Customer.objects.for_tenant(tenant).order_by("-created_at")


def customer_get(*, tenant: TenantRef, customer_id: uuid.UUID | str) -> Customer | None:
    return Customer.objects.for_tenant(tenant).filter(pk=customer_id).first()


def customer_get_by_external_id(*, tenant: TenantRef, external_id: str) -> Customer | None:
    """The customer a usage event names (`external_customer_id`), or None."""
    return Customer.objects.for_tenant(tenant).filter(external_id=external_id).first()
