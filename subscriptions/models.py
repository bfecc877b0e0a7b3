"""Customers of a tenant and their subscriptions to plans."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone

from subscriptions.validators import validate_metadata
from tenants.models import TenantOwnedModel


class Customer(TenantOwnedModel):
    """Someone a tenant bills. `external_id` is the tenant's own id for them (usage
    events name the customer by it), unique in the tenant and fixed once created;
    `metadata` is a small free-form JSON object for the tenant's own use."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    external_id = models.CharField(max_length=255, help_text="The tenant's own id for this customer")
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True, default="")
    metadata = models.JSONField(
        default=dict, blank=True, validators=[validate_metadata], help_text="A JSON object: at most 50 keys and 8 KB"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "external_id"], name="customer_external_id_unique_per_tenant"),
        ]
        indexes = [models.Index(fields=["tenant", "-created_at"], name="customer_tenant_created_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.external_id})"
