"""Writes of usage: idempotent ingestion of one event or a batch.

Both paths end in the same multi-row `INSERT … ON CONFLICT (tenant_id,
idempotency_key) DO NOTHING RETURNING`, so the database's unique constraint is what
makes an event count once, whatever Redis says or however many requests race.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from psycopg.types.json import Jsonb
from rest_framework import status
from rest_framework.exceptions import ValidationError

from tenants.errors import ConflictError, UnprocessableError
from usage import idempotency
from usage.idempotency import ClaimState
from usage.metrics import USAGE_BATCH_SIZE, USAGE_EVENTS
from usage.models import UsageEvent
from usage.parsing import ParsedEvent

KEY_IN_FLIGHT = "A request with this Idempotency-Key is still being processed; retry later."
KEY_REUSED = "This Idempotency-Key was already used with a different request body."
BATCH_KEY_REUSED = "Idempotency key {key!r} was already used with a different event body."

_INSERT_SQL = """
INSERT INTO usage_usageevent
    (tenant_id, customer_id, meter_id, idempotency_key, value, timestamp, properties, fingerprint, created_at)
SELECT %(tenant)s, * FROM unnest(
    %(customers)s::uuid[], %(meters)s::uuid[], %(keys)s::text[], %(values)s::numeric[],
    %(stamps)s::timestamptz[], %(props)s::jsonb[], %(prints)s::text[], %(created)s::timestamptz[])
ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
RETURNING idempotency_key, id
"""


def _insert(tenant_id: uuid.UUID, events: Sequence[ParsedEvent], now: datetime) -> dict[str, int]:
    """Insert the events that are new; returns {idempotency_key: id} of those inserted."""
    params: dict[str, Any] = {
        "tenant": tenant_id,
        "customers": [e.customer_id for e in events],
        "meters": [e.meter_id for e in events],
        "keys": [e.idempotency_key for e in events],
        "values": [e.value for e in events],
        "stamps": [e.timestamp for e in events],
        "props": [Jsonb(e.properties) for e in events],
        "prints": [e.fingerprint for e in events],
        "created": [now] * len(events),
    }
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_SQL, params)
        return dict(cursor.fetchall())


def _stored_fingerprints(tenant_id: uuid.UUID, keys: Sequence[str]) -> dict[str, str]:
    rows = UsageEvent.objects.for_tenant(tenant_id).filter(idempotency_key__in=keys)
    return dict(rows.values_list("idempotency_key", "fingerprint"))


@dataclass(frozen=True)
class IngestResult:
    event: UsageEvent
    created: bool


def usage_event_ingest(*, tenant_id: uuid.UUID, event: ParsedEvent) -> IngestResult:
    """Store one event once. First time: created. Same key and body: the stored event,
    not created. Same key, other body: 422. Same key still in flight: 409."""
    claim = idempotency.claim(tenant_id, event.idempotency_key, event.fingerprint)
    if claim.state is ClaimState.IN_FLIGHT:
        raise ConflictError(KEY_IN_FLIGHT, code="idempotency_key_in_flight")
    if claim.state is ClaimState.DONE:
        if claim.fingerprint != event.fingerprint:
            raise UnprocessableError(KEY_REUSED, code="idempotency_key_reused")
        stored = UsageEvent.objects.for_tenant(tenant_id).filter(pk=claim.event_id).first()
        if stored is not None:
            USAGE_EVENTS.labels(outcome="duplicate").inc()
            return IngestResult(stored, created=False)
        # Redis remembers an event the database does not have: the database decides.
    try:
        result = _ingest_in_database(tenant_id, event)
    except Exception:
        if claim.state is ClaimState.CLAIMED:
            idempotency.release(tenant_id, event.idempotency_key)
        raise
    idempotency.complete(tenant_id, event.idempotency_key, event.fingerprint, result.event.pk)
    return result


def _ingest_in_database(tenant_id: uuid.UUID, event: ParsedEvent) -> IngestResult:
    now = timezone.now()
    inserted = _insert(tenant_id, [event], now)
    if inserted:
        USAGE_EVENTS.labels(outcome="accepted").inc()
        stored = UsageEvent(
            pk=inserted[event.idempotency_key],
            tenant_id=tenant_id,
            customer_id=event.customer_id,
            meter_id=event.meter_id,
            idempotency_key=event.idempotency_key,
            value=event.value,
            timestamp=event.timestamp,
            properties=event.properties,
            fingerprint=event.fingerprint,
            created_at=now,
        )
        return IngestResult(stored, created=True)
    existing = UsageEvent.objects.for_tenant(tenant_id).get(idempotency_key=event.idempotency_key)
    if existing.fingerprint != event.fingerprint:
        raise UnprocessableError(KEY_REUSED, code="idempotency_key_reused")
    USAGE_EVENTS.labels(outcome="duplicate").inc()
    return IngestResult(existing, created=False)


@dataclass(frozen=True)
class BatchResult:
    accepted: int
    duplicates: int


class BatchKeyReused(ValidationError):
    """422 naming the batch position (`events.N.idempotency_key`) whose key was already
    stored, or repeated in the batch, with another body."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY

    def __init__(self, index: int, key: str) -> None:
        message = BATCH_KEY_REUSED.format(key=key)
        super().__init__({"events": {str(index): {"idempotency_key": [message]}}}, code="idempotency_key_reused")
        self.index = index
        self.message = message


def usage_events_ingest_batch(*, tenant_id: uuid.UUID, events: Sequence[ParsedEvent]) -> BatchResult:
    """Store a validated batch with one INSERT. Keys already stored (or repeated in the
    batch) with the same body count as duplicates; with another body the whole batch is
    refused (BatchKeyReused) and nothing is stored."""
    first_by_key: dict[str, ParsedEvent] = {}
    for index, event in enumerate(events):
        seen = first_by_key.setdefault(event.idempotency_key, event)
        if seen.fingerprint != event.fingerprint:
            raise BatchKeyReused(index, event.idempotency_key)
    unique = list(first_by_key.values())
    with transaction.atomic():
        _check_stored(tenant_id, events, _stored_fingerprints(tenant_id, list(first_by_key)))
        inserted = _insert(tenant_id, unique, timezone.now())
        raced = [e.idempotency_key for e in unique if e.idempotency_key not in inserted]
        if raced:  # stored by a concurrent request since the check above: compare again
            _check_stored(tenant_id, events, _stored_fingerprints(tenant_id, raced))
    USAGE_BATCH_SIZE.observe(len(events))
    USAGE_EVENTS.labels(outcome="accepted").inc(len(inserted))
    USAGE_EVENTS.labels(outcome="duplicate").inc(len(events) - len(inserted))
    return BatchResult(accepted=len(inserted), duplicates=len(events) - len(inserted))


def _check_stored(tenant_id: uuid.UUID, events: Sequence[ParsedEvent], stored: dict[str, str]) -> None:
    for index, event in enumerate(events):
        if event.idempotency_key in stored and stored[event.idempotency_key] != event.fingerprint:
            raise BatchKeyReused(index, event.idempotency_key)
