"""Writes of usage: idempotent ingestion of one event or a batch, and corrections
(void and amend) of a stored event.

Both paths end in the same statement: the keys go into `usage_idempotencykey` with
`INSERT … ON CONFLICT (tenant_id, idempotency_key) DO NOTHING RETURNING`, then the
events whose key went in, so the database's unique key is what makes an event count
once, whatever Redis says or however many requests race.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import connection, transaction

from audit.services import audit_record, changed_since, snapshot
from tenants import clock
from tenants.errors import Conflict, Invalid, Message, NotFound, Unprocessable
from tenants.idempotency import KEY_IN_FLIGHT, KEY_REUSED
from tenants.models import TenantRef, tenant_pk
from usage import idempotency, partitions
from usage.idempotency import ClaimState
from usage.instruments import USAGE_BATCH_SIZE, USAGE_EVENTS
from usage.models import (
    EVENT_ID_SEQUENCE,
    SEQ_FENCE_CLASS,
    USAGE_SEQUENCE,
    UsageEvent,
    UsageEventRevision,
    UsageIdempotencyKey,
    seq_fence_key,
)
from usage.parsing import ParsedEvent, missing_unique_property
from usage.signals import usage_stored

BATCH_KEY_REUSED = "Idempotency key {key!r} was already used with a different event body."
USAGE_EVENT_NOT_FOUND = "Usage event not found."
ALREADY_VOIDED = "This usage event is voided already."
AMEND_VOIDED = "A voided usage event cannot be amended."

# One statement for any number of events. The rows travel as one JSON document that
# PostgreSQL unpacks in C (jsonb_to_recordset): adapting 9 arrays of 1000 Python values
# in the driver cost more than the insert itself. The fence (usage.models) is taken
# first, before a row takes its `seq`, and held until the transaction ends. Each row
# takes its id first, its key goes into `usage_idempotencykey` (the unique key: a key
# stored before, or by a transaction in flight, which it waits for, inserts nothing) and
# only the rows whose key went in are inserted into the events' partitions.
_INSERT_SQL = f"""
WITH fence AS MATERIALIZED (SELECT pg_advisory_xact_lock_shared(%(fence_class)s::int4, %(fence_key)s::int4)),
r AS MATERIALIZED (
    SELECT nextval('{EVENT_ID_SEQUENCE}') AS id, r.*
    FROM fence, jsonb_to_recordset(%(rows)s::jsonb) AS r(c uuid, m uuid, k text, v numeric, t timestamptz, p jsonb, f text)
),
keys AS (
    INSERT INTO usage_idempotencykey (tenant_id, idempotency_key, event_id, timestamp, fingerprint)
    SELECT %(tenant)s, r.k, r.id, r.t, r.f FROM r
    ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
    RETURNING event_id
)
INSERT INTO usage_usageevent
    (id, tenant_id, customer_id, meter_id, idempotency_key, value, timestamp, properties, fingerprint, created_at)
SELECT r.id, %(tenant)s, r.c, r.m, r.k, r.v, r.t, coalesce(r.p, '{{}}'::jsonb), r.f, %(created)s
FROM r JOIN keys ON keys.event_id = r.id
RETURNING idempotency_key, id
"""  # noqa: S608 - a constant


def insert_params(tenant_id: uuid.UUID, events: Sequence[ParsedEvent], now: datetime) -> dict[str, Any]:
    text: dict[uuid.UUID, str] = {}  # a batch names few customers and meters: str() each once
    rows = [
        {
            "c": text.get(e.customer_id) or text.setdefault(e.customer_id, str(e.customer_id)),
            "m": text.get(e.meter_id) or text.setdefault(e.meter_id, str(e.meter_id)),
            "k": e.idempotency_key,
            "v": str(e.value),
            "t": e.timestamp.isoformat(),
            "p": e.properties,
            "f": e.fingerprint,
        }
        for e in events
    ]
    return {
        "tenant": tenant_id,
        "rows": json.dumps(rows, separators=(",", ":")),
        "created": now,
        "fence_class": SEQ_FENCE_CLASS,
        "fence_key": seq_fence_key(tenant_id),
    }


def _insert(tenant_id: uuid.UUID, events: Sequence[ParsedEvent], now: datetime) -> dict[str, int]:
    """Insert the events that are new; returns {idempotency_key: id} of those inserted.
    The months of their timestamps get their partitions first (usage.partitions), so
    that no event is ever refused for want of one."""
    partitions.ensure_partitions(e.timestamp for e in events)
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_SQL, insert_params(tenant_id, events, now))
        return dict(cursor.fetchall())


def _stored_fingerprints(tenant_id: uuid.UUID, keys: Sequence[str]) -> dict[str, str]:
    rows = UsageIdempotencyKey.objects.for_tenant(tenant_id).filter(idempotency_key__in=keys)
    return dict(rows.values_list("idempotency_key", "fingerprint"))


def _stored_event(tenant_id: uuid.UUID, key: str) -> UsageEvent | None:
    """The event stored under `key`, found through its key row (one partition read), or
    None when no committed row has the key."""
    stored = UsageIdempotencyKey.objects.for_tenant(tenant_id).filter(idempotency_key=key).first()
    if stored is None:
        return None
    return UsageEvent.objects.for_tenant(tenant_id).get(pk=stored.event_id, timestamp=stored.timestamp)


@dataclass(frozen=True)
class IngestResult:
    event: UsageEvent
    created: bool


def usage_event_ingest(*, tenant: TenantRef, event: ParsedEvent) -> IngestResult:
    """Store one event once. First time: created. Same key and body: the stored event,
    not created. Same key, other body: 422. Same key still in flight: 409."""
    tenant_id = tenant_pk(tenant)
    claim = idempotency.claim(tenant_id, event.idempotency_key, event.fingerprint)
    if claim is ClaimState.TAKEN:
        # Claimed by another request seconds ago: the database says whether it is done.
        stored = _stored_event(tenant_id, event.idempotency_key)
        if stored is None:
            raise Conflict(KEY_IN_FLIGHT, code="idempotency_key_in_flight")
        return _replay(stored, event)
    try:
        return _ingest_in_database(tenant_id, event)
    except Exception:
        if claim is ClaimState.CLAIMED:
            idempotency.release(tenant_id, event.idempotency_key)
        raise


def _replay(stored: UsageEvent, event: ParsedEvent) -> IngestResult:
    if stored.fingerprint != event.fingerprint:
        raise Unprocessable(KEY_REUSED, code="idempotency_key_reused")
    USAGE_EVENTS.labels(outcome="duplicate").inc()
    return IngestResult(stored, created=False)


def _ingest_in_database(tenant_id: uuid.UUID, event: ParsedEvent) -> IngestResult:
    now = clock.real_now()  # created_at: when it was stored (its timestamp is business time)
    inserted = _insert(tenant_id, [event], now)
    if inserted:
        USAGE_EVENTS.labels(outcome="accepted").inc()
        stored = event.stored(pk=inserted[event.idempotency_key], tenant_id=tenant_id, created_at=now)
        _announce(tenant_id, {event.customer_id})
        return IngestResult(stored, created=True)
    existing = _stored_event(tenant_id, event.idempotency_key)
    if existing is None:  # not inserted, so a committed row has the key
        raise UsageEvent.DoesNotExist(event.idempotency_key)
    return _replay(existing, event)


@dataclass(frozen=True)
class BatchResult:
    accepted: int
    duplicates: int


class BatchKeyReused(Unprocessable):
    """422 naming the batch position (`events.N.idempotency_key`) whose key was already
    stored, or repeated in the batch, with another body."""

    def __init__(self, index: int, key: str) -> None:
        message = BATCH_KEY_REUSED.format(key=key)
        super().__init__({"events": {str(index): {"idempotency_key": [message]}}}, code="idempotency_key_reused")
        self.index = index
        self.message = message


def usage_events_ingest_batch(*, tenant: TenantRef, events: Sequence[ParsedEvent]) -> BatchResult:
    """Store a validated batch with one INSERT. Keys already stored (or repeated in the
    batch) with the same body count as duplicates; with another body the whole batch is
    refused (BatchKeyReused) and nothing is stored."""
    tenant_id = tenant_pk(tenant)
    first_by_key: dict[str, ParsedEvent] = {}
    for index, event in enumerate(events):
        seen = first_by_key.setdefault(event.idempotency_key, event)
        if seen.fingerprint != event.fingerprint:
            raise BatchKeyReused(index, event.idempotency_key)
    unique = list(first_by_key.values())
    with transaction.atomic():
        inserted = _insert(tenant_id, unique, clock.real_now())  # created_at
        stored_before = [e.idempotency_key for e in unique if e.idempotency_key not in inserted]
        if stored_before:  # a body mismatch raises, and the atomic block undoes the insert
            _check_stored(tenant_id, events, _stored_fingerprints(tenant_id, stored_before))
    if inserted:
        _announce(tenant_id, {e.customer_id for e in unique if e.idempotency_key in inserted})
    USAGE_BATCH_SIZE.observe(len(events))
    USAGE_EVENTS.labels(outcome="accepted").inc(len(inserted))
    USAGE_EVENTS.labels(outcome="duplicate").inc(len(events) - len(inserted))
    return BatchResult(accepted=len(inserted), duplicates=len(events) - len(inserted))


def _check_stored(tenant_id: uuid.UUID, events: Sequence[ParsedEvent], stored: dict[str, str]) -> None:
    for index, event in enumerate(events):
        if event.idempotency_key in stored and stored[event.idempotency_key] != event.fingerprint:
            raise BatchKeyReused(index, event.idempotency_key)


def _announce(tenant_id: uuid.UUID, customer_ids: set[uuid.UUID]) -> None:
    """Tell the apps after usage (alerts) whose usage changed, once it is committed."""
    transaction.on_commit(
        lambda: usage_stored.send_robust(sender=UsageEvent, tenant_id=tenant_id, customer_ids=customer_ids)
    )


def _take_fence_shared(tenant_id: uuid.UUID) -> None:
    """The ingestion fence in shared mode (usage.models): a correction takes a new `seq`
    like an insert does, so the invoice run's watermark must wait for it the same way."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock_shared(%s::int4, %s::int4)", [SEQ_FENCE_CLASS, seq_fence_key(tenant_id)]
        )


def _correct(tenant_id: uuid.UUID, event_id: int, action: str, actor: str, reason: str, **change: Any) -> UsageEvent:
    """Lock the event, refuse a voided one (409), record the revision it becomes and
    store its new state with a new `seq` (so the late-usage detector finds its window)."""
    events = UsageEvent.objects.for_tenant(tenant_id).select_related("customer", "meter")
    event = events.select_for_update(of=("self",)).filter(pk=event_id).first()
    if event is None:
        raise NotFound(USAGE_EVENT_NOT_FOUND)
    if event.voided_at is not None:
        voided = action == UsageEventRevision.Action.VOIDED
        raise Conflict(ALREADY_VOIDED if voided else AMEND_VOIDED, code="already_voided" if voided else "voided")
    now, before = clock.real_now(), snapshot(event, ("value", "properties", "voided_at"))
    revisions = []
    if event.revision == 1:  # never corrected: ingestion wrote no revision of it
        revisions.append(_revision(event, UsageEventRevision.Action.CREATED, "", "", event.created_at))
    if action == UsageEventRevision.Action.VOIDED:
        event.voided_at, event.void_reason = now, reason
    for name, new in change.items():  # an amend's value and/or properties
        if new is not None:
            setattr(event, name, new)
    event.revision += 1
    event.seq = _next_seq(tenant_id)
    revisions.append(_revision(event, action, actor, reason, now))
    UsageEventRevision.objects.bulk_create(revisions)
    UsageEvent.objects.for_tenant(tenant_id).filter(pk=event.pk, timestamp=event.timestamp).update(
        seq=event.seq, value=event.value, properties=event.properties, revision=event.revision,
        voided_at=event.voided_at, void_reason=event.void_reason,
    )  # fmt: skip
    changes = changed_since(before, event)
    audit_record(tenant=tenant_id, action=f"usage_event.{action}", obj=event, changes=changes, reason=reason)
    _announce(tenant_id, {event.customer_id})
    return event


def _next_seq(tenant_id: uuid.UUID) -> int:
    """A new `seq` for a corrected event, taken under the fence (as an insert takes it),
    and kept in its revision too: the provenance reads the event as of a watermark."""
    _take_fence_shared(tenant_id)
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s)", [USAGE_SEQUENCE])
        return int(cursor.fetchone()[0])


def _revision(event: UsageEvent, action: str, actor: str, reason: str, at: datetime) -> UsageEventRevision:
    """The revision `event` is now (its seq: the one it took with it, or revision 1's)."""
    return UsageEventRevision(
        tenant_id=event.tenant_id, event_id=event.pk, revision=event.revision, action=action,
        value=event.value, properties=event.properties, actor=actor, reason=reason, created_at=at, seq=event.seq,
    )  # fmt: skip


@transaction.atomic
def usage_event_void(*, tenant: TenantRef, event_id: int, actor: str, reason: str) -> UsageEvent:
    """Void a stored event: it stays stored, counts in no aggregate from now on, and its
    billed window gets a correction on the next invoice. 409 when voided already."""
    return _correct(tenant_pk(tenant), event_id, UsageEventRevision.Action.VOIDED, actor, reason)


@transaction.atomic
def usage_event_amend(
    *,
    tenant: TenantRef,
    event_id: int,
    actor: str,
    reason: str,
    value: Decimal | None = None,
    properties: dict[str, Any] | None = None,
) -> UsageEvent:
    """Give a stored event a new value and/or properties (its timestamp, customer and
    meter never change), keeping the old ones as a revision. 409 when voided."""
    tenant_id = tenant_pk(tenant)
    if properties is not None:
        event = UsageEvent.objects.for_tenant(tenant_id).select_related("meter").filter(pk=event_id).first()
        if event is not None and (problem := missing_unique_property(event.meter, properties)):
            raise Invalid({"properties": [Message(problem, "required")]})
    amended = UsageEventRevision.Action.AMENDED
    return _correct(tenant_id, event_id, action=amended, actor=actor, reason=reason, value=value, properties=properties)
