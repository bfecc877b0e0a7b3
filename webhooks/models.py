"""Outbound webhooks: where a tenant wants to hear about events, the events, and
each attempt to tell one endpoint about one event.

An `Event` is stored once per thing that happened; `event_publish` (services.py) fans
it out into one `WebhookDelivery` per active endpoint subscribed to its type. A
delivery is retried with backoff until it succeeds or runs out of attempts (`dead`).
"""

from __future__ import annotations

import base64
import secrets
import uuid

from django.contrib.postgres.fields import ArrayField
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone

from tenants.models import TenantOwnedModel

EVENT_ID_PREFIX = "evt_"
SECRET_PREFIX = "whsec_"  # noqa: S105 - the Standard Webhooks prefix, not a secret


class EventType(models.TextChoices):
    """Every event the service publishes. Publishing any other type is a programming error."""

    SUBSCRIPTION_CREATED = "subscription.created", "Subscription created"
    SUBSCRIPTION_TRIAL_ENDED = "subscription.trial_ended", "Subscription trial ended"
    SUBSCRIPTION_CANCELED = "subscription.canceled", "Subscription canceled"
    SUBSCRIPTION_UPDATED = "subscription.updated", "Subscription updated"
    INVOICE_FINALIZED = "invoice.finalized", "Invoice finalized"
    INVOICE_PAID = "invoice.paid", "Invoice paid"
    INVOICE_PAYMENT_FAILED = "invoice.payment_failed", "Invoice payment failed"
    INVOICE_VOIDED = "invoice.voided", "Invoice voided"
    INVOICE_MARKED_UNCOLLECTIBLE = "invoice.marked_uncollectible", "Invoice marked uncollectible"
    CREDIT_NOTE_CREATED = "credit_note.created", "Credit note created"
    DISCOUNT_ENDED = "discount.ended", "Discount ended"
    CREDIT_GRANT_DEPLETED = "credit_grant.depleted", "Credit grant depleted"
    CREDIT_GRANT_EXPIRED = "credit_grant.expired", "Credit grant expired"
    ALERT_TRIGGERED = "alert.triggered", "Alert triggered"


def generate_webhook_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


class WebhookEndpoint(TenantOwnedModel):
    """A URL of the tenant that receives events, signed with the endpoint's own secret.

    `event_types` empty means every type. The secret is kept in clear because signing
    needs it; the API shows it only in the create response.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    url = models.URLField(max_length=2048)
    event_types = ArrayField(
        models.CharField(max_length=64, choices=EventType.choices),
        default=list,
        blank=True,
        help_text="Event types sent to this endpoint; empty means all",
    )
    description = models.CharField(max_length=500, blank=True, default="")
    secret = models.CharField(max_length=100, default=generate_webhook_secret, editable=False)
    active = models.BooleanField(default=True, help_text="Inactive endpoints receive no new events")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["tenant", "created_at"], name="webhook_endpoint_tenant_idx")]

    def __str__(self) -> str:
        return self.url

    def receives(self, event_type: str) -> bool:
        return not self.event_types or event_type in self.event_types


class Event(TenantOwnedModel):
    """Something that happened in a tenant, with the object it happened to (`data`,
    as the API renders it). Immutable once stored; its public id is `evt_<hex>`."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    type = models.CharField(max_length=64, choices=EventType.choices)
    data = models.JSONField(encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["tenant", "created_at"], name="webhook_event_tenant_idx")]

    def __str__(self) -> str:
        return f"{self.public_id} {self.type}"

    @property
    def public_id(self) -> str:
        return EVENT_ID_PREFIX + self.id.hex


class WebhookDelivery(TenantOwnedModel):
    """One event sent to one endpoint: its state, attempts so far, and when it is next due.

    `pending` (not tried yet, or re-queued by hand) → `succeeded` | `failed` (an attempt
    failed; `next_attempt_at` says when the next one is due) → … → `dead` (the last
    allowed attempt failed; only a manual retry sends it again).
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        DEAD = "dead", "Dead"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0, help_text="Attempts made since creation or the last manual retry")
    next_attempt_at = models.DateTimeField(
        null=True, blank=True, help_text="When the next attempt is due; empty once succeeded or dead"
    )
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(fields=["event", "endpoint"], name="webhook_delivery_once_per_endpoint"),
        ]
        indexes = [
            models.Index(fields=["tenant", "status", "created_at"], name="webhook_delivery_status_idx"),
            # The sweeper's query: due deliveries that are still in play.
            models.Index(
                fields=["next_attempt_at"],
                name="webhook_delivery_due_idx",
                condition=Q(status__in=["pending", "failed"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.endpoint_id} ({self.status})"
