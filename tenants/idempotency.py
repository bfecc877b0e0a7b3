"""`Idempotency-Key` on every `POST` and `DELETE` of a tenant route (API.md Part 2,
"Shared rules"); `TenantScopedApi` applies it to its subclasses' handlers.

- The header is optional: without it a request runs as it always did.
- Same key, method, concrete path and body (compared as canonical JSON) → the first
  answer again, same status and body, with `Idempotent-Replayed: true`.
- Same key and other body → 422. The first request still running → 409.
- Keys are per tenant, method and path; records are kept IDEMPOTENCY_TTL_SECONDS
  (24 hours by default, real time), then purged (`idempotency_records_purge`, and on read).

The database is the truth. The handler runs inside one transaction that first takes a
transaction-scoped advisory lock on (tenant, method, path, key): a second request with
the key while the first holds it answers 409 at once rather than waiting for it. Under
the lock, a stored record is replayed; otherwise the handler runs in a savepoint and its
answer is stored in the same transaction as its writes, so that either both stay or
neither does, and the unique constraint on the key backs the lock.

What is kept: 2xx answers, and 4xx answers other than 409 and 429, which may clear up
(the object in the way is gone, the throttle has passed), so a retry runs again. The
writes of any 4xx are rolled back. A 5xx is not kept: nothing of it stays and a retry
runs again (Stripe keeps 5xx answers too; a crash in the middle is better retried).

Usage ingestion (`POST …/usage`) keeps its own, faster mechanism (usage.services): its
key is the event's unique key, forever.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils.crypto import salted_hmac
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from tenants import clock, sealing
from tenants.errors import Conflict, Unprocessable
from tenants.models import IdempotencyRecord

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
METHODS = frozenset({"POST", "DELETE"})
IDEMPOTENCY_KEY_RE = re.compile(r"^[\x20-\x7e]{1,255}$")
IDEMPOTENCY_KEY_PATTERN = IDEMPOTENCY_KEY_RE.pattern

BAD_IDEMPOTENCY_KEY = "Idempotency-Key must be 1 to 255 printable ASCII characters."
KEY_IN_FLIGHT = "A request with this Idempotency-Key is still being processed; retry later."
KEY_REUSED = "This Idempotency-Key was already used with a different request body."

# Answers a retry may change: a conflict that was cleared, a throttle that passed.
_NOT_KEPT_CLIENT_ERRORS = frozenset({409, 429})
_FINGERPRINT_SALT = "tenants.idempotency.fingerprint"
PURGE_BATCH = 5000


def validate_idempotency_key(value: Any) -> str | None:
    """The error message for a bad key, or None."""
    # fullmatch: with match, "$" would also let a key end in a newline.
    if not isinstance(value, str) or not IDEMPOTENCY_KEY_RE.fullmatch(value):
        return BAD_IDEMPOTENCY_KEY
    return None


def request_fingerprint(data: Any) -> str:
    """Keyed SHA-256 of the body as canonical JSON: key order and spacing do not count.

    Keyed (HMAC with SECRET_KEY) because bodies carry passwords (`POST …/users`): a
    plain hash of a guessable body could be brute-forced from a database dump.
    """
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return salted_hmac(_FINGERPRINT_SALT, text, algorithm="sha256").hexdigest()


@dataclass(frozen=True)
class Scope:
    tenant_id: uuid.UUID
    method: str
    path: str
    key: str
    fingerprint: str

    @property
    def lock_id(self) -> int:
        """A signed 64-bit advisory lock id for the key (a collision only costs a 409)."""
        text = f"idempotency\n{self.tenant_id}\n{self.method}\n{self.path}\n{self.key}"
        return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big", signed=True)


def scope_for(request: Request, *, tenant_id: uuid.UUID) -> Scope | None:
    """The request's scope when it carries an Idempotency-Key, else None; a bad key is 400."""
    key = request.headers.get(HEADER)
    if key is None or request.method not in METHODS:
        return None
    problem = validate_idempotency_key(key)
    if problem:
        raise ValidationError({HEADER: [problem]})
    return Scope(tenant_id, request.method, request.path, key, request_fingerprint(request.data))


def run_once(scope: Scope, respond: Callable[[], Response], *, sealed: tuple[str, ...] = ()) -> Response:
    """The stored answer of `scope`, or `respond()`'s, stored when it is kept.

    `respond` renders every error as a Response (it does not raise for a 4xx). Top-level
    fields of the body named in `sealed` are stored encrypted (tenants.sealing).
    """
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [scope.lock_id])
            if not cursor.fetchone()[0]:
                raise Conflict(KEY_IN_FLIGHT, code="idempotency_key_in_flight")
        stored = _stored(scope)
        if stored is not None:
            return _replay(stored, scope, sealed)
        response = _respond_in_savepoint(respond)
        if _kept(response.status_code):
            _store(scope, response, sealed)
    return response


def _stored(scope: Scope) -> IdempotencyRecord | None:
    record = (
        IdempotencyRecord.objects.for_tenant(scope.tenant_id)
        .filter(method=scope.method, path=scope.path, key=scope.key)
        .first()
    )
    if record is not None and record.created_at <= expiry_cutoff(clock.real_now()):
        record.delete()  # expired: the key is free again
        return None
    return record


def _replay(record: IdempotencyRecord, scope: Scope, sealed: tuple[str, ...]) -> Response:
    if record.fingerprint != scope.fingerprint:
        raise Unprocessable(KEY_REUSED, code="idempotency_key_reused")
    body = json.loads(record.body) if record.body else None
    if isinstance(body, dict) and sealed:
        body = {name: sealing.unseal(value) if name in sealed else value for name, value in body.items()}
    return Response(body, status=record.status_code, headers={REPLAYED_HEADER: "true"})


def _respond_in_savepoint(respond: Callable[[], Response]) -> Response:
    with transaction.atomic():
        response = respond()
        if response.status_code >= 400:
            # A service that failed half-way may have written part of its work: an error
            # answer keeps none of it, whether or not the answer itself is kept.
            transaction.set_rollback(True)
    return response


def _kept(status_code: int) -> bool:
    return 200 <= status_code < 300 or (400 <= status_code < 500 and status_code not in _NOT_KEPT_CLIENT_ERRORS)


def _store(scope: Scope, response: Response, sealed: tuple[str, ...]) -> None:
    body = None if response.data is None else json.loads(JSONRenderer().render(response.data))
    if isinstance(body, dict) and sealed:
        body = {name: sealing.seal(value) if name in sealed and value else value for name, value in body.items()}
    text = "" if body is None else json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    try:
        with transaction.atomic():
            IdempotencyRecord.objects.create(
                tenant_id=scope.tenant_id,
                method=scope.method,
                path=scope.path,
                key=scope.key,
                fingerprint=scope.fingerprint,
                status_code=response.status_code,
                body=text,
            )
    except IntegrityError as exc:  # the lock makes this unreachable; the constraint still decides
        raise Conflict(KEY_IN_FLIGHT, code="idempotency_key_in_flight") from exc


def expiry_cutoff(now: datetime) -> datetime:
    """Records created at or before this instant have expired."""
    return now - timedelta(seconds=settings.IDEMPOTENCY_TTL_SECONDS)


def idempotency_records_purge(*, now: datetime | None = None) -> int:
    """Delete expired records of every tenant, a batch at a time (short transactions);
    returns how many. A cross-tenant sweep: one indexed range, no fan-out needed."""
    cutoff = expiry_cutoff(now or clock.real_now())
    deleted = 0
    while True:
        batch = list(
            IdempotencyRecord.unscoped().filter(created_at__lte=cutoff).values_list("pk", flat=True)[:PURGE_BATCH]
        )
        if not batch:
            return deleted
        deleted += IdempotencyRecord.unscoped().filter(pk__in=batch).delete()[0]
