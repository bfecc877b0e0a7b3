"""Usage events: what a tenant's customers did, one row per event, counted once.

`(tenant_id, idempotency_key)` is unique: the database, not Redis, decides whether an
event was already stored. `fingerprint` is a SHA-256 of the request's fields as sent,
so a replay with the same key can be told apart from a different body under that key.
"""

from __future__ import annotations

from django.contrib.postgres.indexes import BTreeIndex
from django.db import models
from django.utils import timezone

from plans.models import Meter
from subscriptions.models import Customer
from tenants.models import Tenant, TenantOwnedModel

VALUE_MAX_DIGITS = 32
VALUE_DECIMAL_PLACES = 12


class UsageEvent(TenantOwnedModel):
    """One usage event of a customer on a meter at a moment.

    Indexes (checked with EXPLAIN, see usage/selectors.py):
    - `usage_cust_meter_ts_idx` (tenant, customer, meter, timestamp) INCLUDE (value):
      "sum/count/max of one meter for one customer in a time range" and the invoice
      run's grouped query (a range scan per customer; `value` read from the index).
    - `usage_cust_created_idx` (tenant, customer, created_at): "events of these customers
      stored since the last invoice", which finds late usage without rescanning history.
    - `usage_tenant_ts_idx` (tenant, timestamp): the event list's default order.
    """

    id = models.BigAutoField(primary_key=True)
    # Every index here leads with tenant_id already: the FK's own index would only slow ingestion.
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+", db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+", db_index=False)
    meter = models.ForeignKey(Meter, on_delete=models.PROTECT, related_name="+", db_index=False)
    idempotency_key = models.CharField(max_length=255)
    value = models.DecimalField(max_digits=VALUE_MAX_DIGITS, decimal_places=VALUE_DECIMAL_PLACES, default=1)
    timestamp = models.DateTimeField()
    properties = models.JSONField(default=dict, blank=True)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the request's fields as sent")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-timestamp", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "idempotency_key"], name="usage_idempotency_key_unique"),
        ]
        indexes = [
            BTreeIndex(
                fields=["tenant", "customer", "meter", "timestamp"], include=["value"], name="usage_cust_meter_ts_idx"
            ),
            models.Index(fields=["tenant", "customer", "created_at"], name="usage_cust_created_idx"),
            models.Index(fields=["tenant", "-timestamp", "-id"], name="usage_tenant_ts_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.idempotency_key} ({self.value} at {self.timestamp:%Y-%m-%dT%H:%M:%SZ})"
