"""The audit log: one row per change of a tenant's state, never changed afterwards."""

from __future__ import annotations

import uuid

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from tenants.models import TenantOwnedModel


class AuditEntry(TenantOwnedModel):
    """Who changed what, when and why (API.md Part 2, "Audit log"): written by the
    services in the transaction of the change (`audit.services.audit_record`), so a
    change that rolls back leaves no entry. Append-only: a database trigger refuses
    UPDATE, and DELETE except while the tenant-delete service deletes its tenant
    (migration 0001; docs/audit.md). `at` is real time, when it happened on this
    machine (a sandbox's clock may stand anywhere)."""

    class ActorType(models.TextChoices):
        USER = "user", "User"
        API_KEY = "api_key", "API key"
        STAFF = "staff", "Staff"
        SYSTEM = "system", "System"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+", db_index=False)
    at = models.DateTimeField(default=timezone.now, editable=False)
    actor_type = models.CharField(max_length=16, choices=ActorType.choices)
    actor_id = models.CharField(max_length=200, help_text="A user's or API key's id; a task's or command's name")
    actor_email = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=64, help_text="<object_type>.<what happened>, e.g. invoice.voided")
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    changes = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder, help_text="{field: [old, new]}")
    reason = models.TextField(blank=True)
    request_id = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(fields=["tenant", "-at", "-id"], name="audit_entry_tenant_at"),
            models.Index(fields=["tenant", "object_type", "object_id", "-at"], name="audit_entry_object"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type} {self.object_id}"
