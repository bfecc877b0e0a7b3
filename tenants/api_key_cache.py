"""The API keys this process has found, remembered until PostgreSQL says they changed.

Every ingestion request authenticates with an API key; looking its hash up costs one
database round trip per request. Here a found key (its id and tenant, by hash) is
remembered in the process, and forgotten the moment the database says the row changed:

- A trigger on `tenants_apikey` (migration 0005) sends `NOTIFY billing_api_key` with the
  key's hash when a key is revoked (or un-revoked, re-hashed, moved), deleted (a tenant
  deleted takes its keys with it), or with `*` when the table is truncated. Whatever
  writes the row (the API, the admin, a shell, another host) cannot forget it, and the
  notification leaves only when that transaction commits.
- This process LISTENs on its own database connection (the one Django keeps for the
  thread, CONN_MAX_AGE) and, before trusting anything it remembers, reads what has
  arrived on that socket without waiting (`consume_input`: no round trip). A new
  connection LISTENs again and starts with nothing remembered, so a notification sent
  while no connection listened cannot be missed.

So a revoked key is refused by every process as soon as PostgreSQL has delivered the
notification, which it sends when the revoke commits (before the revoking call has its
answer); a request that reaches a process in the same instant is the one that could
still pass, like a request that started just before the revoke.

Not used (every request reads the database, as before) inside a transaction (nothing
is delivered to a session in one: tests run inside one) or without persistent
connections (`CONN_MAX_AGE=0`: every request would LISTEN anew).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection
from psycopg import Notify

CHANNEL = "billing_api_key"
FORGET_ALL = "*"
# A bound in case a process sees a great many keys: past it, start again (a query each).
MAX_KEYS = 10_000


@dataclass
class CachedKey:
    id: uuid.UUID
    tenant_id: uuid.UUID
    last_used_at: datetime | None


_keys: dict[str, CachedKey] = {}
# The psycopg connection that LISTENs for this process (one per thread with Django, but
# gunicorn's sync workers have one thread); None until a first request.
_listening: Any = None


def _usable() -> Any:
    """The raw connection to LISTEN on when the cache may be used, else None."""
    if connection.settings_dict.get("CONN_MAX_AGE") == 0 or connection.in_atomic_block:
        return None
    return connection.connection  # None until the first query opens it


def _forget(key_hash: str) -> None:
    if key_hash == FORGET_ALL:
        _keys.clear()
    else:
        _keys.pop(key_hash, None)


def _on_notify(notice: Notify) -> None:
    # What psycopg itself read off the socket while it ran a query of this connection.
    _forget(notice.payload)


def _drain(raw: Any) -> bool:
    """Apply what arrived on `raw` without waiting; False when the socket failed."""
    pgconn = raw.pgconn
    try:
        pgconn.consume_input()
    except Exception:  # a broken connection: Django replaces it; trust nothing meanwhile
        return False
    while (notice := pgconn.notifies()) is not None:
        _forget(notice.extra.decode())
    return True


def cached(key_hash: str) -> CachedKey | None:
    """The key of `key_hash` as remembered, if nothing has changed it since; None when it
    is not remembered or the cache cannot be used now (read the database then)."""
    raw = _usable()
    if raw is None or raw is not _listening:
        return None
    if not _drain(raw):
        forget_all()
        return None
    return _keys.get(key_hash)


def remember(key_hash: str, key: CachedKey) -> None:
    """Remember a key just read from the database on this connection. LISTENs first on a
    connection that does not yet (then nothing read before can be stale: the row was read
    after the LISTEN, on the same connection)."""
    global _listening
    raw = _usable()
    if raw is None:
        return
    if raw is not _listening:
        forget_all()
        with connection.cursor() as cursor:
            cursor.execute(f"LISTEN {CHANNEL}")
        raw.add_notify_handler(_on_notify)
        _listening = raw
        return  # read before the LISTEN: the next request reads it again, after it
    if len(_keys) >= MAX_KEYS:
        _keys.clear()
    _keys[key_hash] = key


def forget_all() -> None:
    _keys.clear()
