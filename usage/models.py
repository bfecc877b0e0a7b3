"""Usage events: what a tenant's customers did, one row per event, counted once.

The events table is partitioned by month of `timestamp` (usage.partitions, and
docs/DESIGN.md "Usage events, partitioned by month"): its primary key in the database is
`(id, timestamp)`, `id` taken from one sequence (`usage_usageevent_id_seq`), so an `id`
names one event; Django knows `id` as the primary key, and `pk` lookups work (they probe
each partition's primary key index; a lookup that also gives `timestamp` reads one).

`(tenant_id, idempotency_key)` is unique in a table of its own, `UsageIdempotencyKey`
(a partitioned table's unique index must include the partition key): the database, not
Redis, decides whether an event was already stored. `fingerprint` is a SHA-256 of the
request's fields as sent, so a replay with the same key can be told apart from a
different body under that key.

`seq` is the order in which events were stored: every insert takes the next number of
one bigint sequence (`usage_event_seq`, CACHE 1: a session must not hold numbers back).
An invoice remembers how far the sequence was stored when it counted usage
(`Invoice.usage_seq`), so late usage is "events of the customer with a greater `seq`",
whatever the clocks say: a sandbox's business time and real time cannot be compared.

"Stored through W" needs a **fence**, since a number is taken before its transaction
commits: every insert of events first takes its tenant's fence in shared mode (in the
same statement, `usage.services`), and `usage.selectors.usage_stored_through` takes it
in exclusive mode, which waits for the inserts in flight to end, then reads the
sequence. Anything that stores events goes through `usage.services` (or takes the
fence the same way), or its events could be missed as late usage.

Corrections (`usage.services.usage_event_void` / `usage_event_amend`) change an event
in place but never lose what it was: each writes a `UsageEventRevision` (the first one
also records the event as it was stored), bumps `revision` and gives the event a new
`seq` under the same fence, so its window counts as changed for the late-usage
detector. Ingestion writes no revision: an event that was never corrected is its own
revision 1. A voided event stays stored (`voided_at`) and counts in no aggregate.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.postgres.indexes import BTreeIndex
from django.db import models, transaction
from django.utils import timezone

from plans.models import Meter
from plans.money import format_quantity
from subscriptions.models import Customer
from tenants.models import Tenant, TenantOwnedModel, nextval
from usage import partitions

VALUE_MAX_DIGITS = 32
VALUE_DECIMAL_PLACES = 12
USAGE_SEQUENCE = "usage_event_seq"
EVENT_ID_SEQUENCE = "usage_usageevent_id_seq"


# The fence's advisory locks: (SEQ_FENCE_CLASS, seq_fence_key(tenant)), the two-int4 form,
# which no other lock of the service uses.
SEQ_FENCE_CLASS = 0x5E9F


def seq_fence_key(tenant_id: uuid.UUID) -> int:
    return int.from_bytes(tenant_id.bytes[:4], "big", signed=True)


class UsageEvent(TenantOwnedModel):
    """One usage event of a customer on a meter at a moment.

    Indexes (checked with EXPLAIN, see usage/selectors.py):
    - `usage_cust_meter_ts_idx` (tenant, customer, meter, timestamp) INCLUDE (value, voided_at):
      "sum/count/max of one meter for one customer in a time range" and the invoice
      run's grouped query (a range scan per customer; `value` read from the index).
    - `usage_cust_seq_idx` (tenant, customer, seq): "events of these customers stored
      since the last invoice counted their usage", which finds late usage without
      rescanning history.
    - `usage_tenant_ts_idx` (tenant, timestamp): the event list's default order.
    Each is declared on the partitioned table, so every partition has its own.

    Events are stored by `usage.services`; `save()` of a new event (tests, scripts)
    makes sure its month has a partition and records its key in `UsageIdempotencyKey`,
    in one transaction. `bulk_create` does neither: it is for tests' bulk rows in
    months that have partitions.
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
    seq = models.BigIntegerField(
        db_default=nextval(USAGE_SEQUENCE),
        editable=False,
        help_text="Storage order: the usage sequence when it was stored (or last corrected)",
    )
    # Ingestion leaves these to the database's defaults (its INSERT names none of them).
    revision = models.PositiveIntegerField(db_default=1, editable=False)
    voided_at = models.DateTimeField(null=True, blank=True, editable=False)
    void_reason = models.CharField(max_length=500, blank=True, db_default="", editable=False)

    class Meta:
        ordering = ["-timestamp", "-id"]
        indexes = [
            BTreeIndex(
                fields=["tenant", "customer", "meter", "timestamp"],
                include=["value", "voided_at"],
                name="usage_cust_meter_ts_idx",
            ),
            models.Index(fields=["tenant", "customer", "seq"], name="usage_cust_seq_idx"),
            models.Index(fields=["tenant", "-timestamp", "-id"], name="usage_tenant_ts_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.idempotency_key} ({format_quantity(self.value)} at {self.timestamp:%Y-%m-%dT%H:%M:%SZ})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            super().save(*args, **kwargs)
            return
        partitions.ensure_partitions([models.DateTimeField().to_python(self.timestamp)])  # a string too
        with transaction.atomic():
            super().save(*args, **kwargs)
            UsageIdempotencyKey.objects.create(
                tenant_id=self.tenant_id, idempotency_key=self.idempotency_key, event_id=self.pk,
                timestamp=self.timestamp, fingerprint=self.fingerprint,
            )  # fmt: skip


class UsageIdempotencyKey(TenantOwnedModel):
    """An ingested event's idempotency key, unique per tenant: the row that makes an
    event count once (usage.services inserts it first, `ON CONFLICT DO NOTHING`, and the
    event only when the key was new). It also answers "same key, same body?" without
    reading the events (`fingerprint`) and points at the event (`event_id`, `timestamp`:
    a read of one partition). Not a foreign key: a key is kept as long as its event's
    partition (retention drops both, usage.partitions)."""

    pk = models.CompositePrimaryKey("tenant_id", "idempotency_key")
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+", db_index=False)
    idempotency_key = models.CharField(max_length=255)
    event_id = models.BigIntegerField()
    timestamp = models.DateTimeField()
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the request's fields as sent")

    class Meta:
        db_table = "usage_idempotencykey"

    def __str__(self) -> str:
        return f"{self.idempotency_key} → {self.event_id}"


# An event whose timestamp is older than this when it is stored (or corrected) is noted
# in `UsageLateMonth` by a trigger (migration 0007); the late-usage detection reads the
# events table from this far before its last invoice on, plus the months noted since.
LATE_HORIZON_DAYS = 32


class UsageLateMonth(TenantOwnedModel):
    """A month of a tenant's events that got an event stored, or corrected, when it was
    already older than LATE_HORIZON_DAYS, with the greatest `seq` noted for it: one
    upsert per statement (its first such row's seq), since no invoice reads a watermark
    between the seqs of one statement (it holds the fence).

    Written only by the database: an AFTER row trigger on the events table fires for
    those rows alone (`WHEN (timestamp < statement_timestamp() - 32 days)`: nothing for
    live traffic) and upserts the row. It is what lets the late-usage detection (invoices.billing) read
    only recent months' partitions: events stored since an invoice are either recent
    (the months read anyway) or noted here. Retention drops a month's row with the month.
    Concurrent backfills of the same tenant and month wait on this row, one at a time.
    """

    id = models.BigAutoField(primary_key=True)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+", db_index=False)
    month = models.DateField(help_text="The month's first day (UTC)")
    seq = models.BigIntegerField(help_text="The greatest seq noted for this month (one row's per statement)")

    class Meta:
        db_table = "usage_latemonth"
        ordering = ["-month"]
        constraints = [models.UniqueConstraint(fields=["tenant", "month"], name="usage_latemonth_unique")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} (seq {self.seq})"


class UsageEventRevision(TenantOwnedModel):
    """One revision of a usage event: its value and properties from then on, who made
    it and why. Written only by corrections (never by ingestion): the first correction
    of an event also writes revision 1, the event as it was stored. A void is a
    revision too (`action` void), with the value it had.

    `seq` is the `UsageEvent.seq` the event took with this revision (revision 1: the
    one it was stored with), so the event as it was when an invoice counted usage
    through `Invoice.usage_seq` = W is its latest revision with `seq` <= W (none: not
    stored yet then); see `usage.selectors.usage_events_as_of`."""

    class Action(models.TextChoices):
        CREATED = "created", "Created"
        AMENDED = "amended", "Amended"
        VOIDED = "voided", "Voided"

    id = models.BigAutoField(primary_key=True)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+", db_index=False)
    # No constraint in the database: a foreign key to a partitioned table needs a unique
    # key with the partition key in it. Revisions go with their events' partitions.
    event = models.ForeignKey(
        UsageEvent, on_delete=models.CASCADE, related_name="revisions", db_index=False, db_constraint=False
    )
    revision = models.PositiveIntegerField()
    action = models.CharField(max_length=16, choices=Action.choices)
    value = models.DecimalField(max_digits=VALUE_MAX_DIGITS, decimal_places=VALUE_DECIMAL_PLACES)
    properties = models.JSONField(default=dict, blank=True)
    actor = models.CharField(max_length=100, blank=True, default="", help_text="user:<id> or apikey:<id>")
    reason = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    seq = models.BigIntegerField(
        null=True,
        editable=False,
        help_text="The usage sequence the event took with this revision (its state from then on); "
        "null only for revisions older than this column",
    )

    class Meta:
        ordering = ["event", "revision"]
        constraints = [
            models.UniqueConstraint(fields=["event", "revision"], name="usage_revision_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} r{self.revision} ({self.action})"
