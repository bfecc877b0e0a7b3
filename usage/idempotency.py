"""The Redis fast path of idempotent ingestion. Only a shortcut: the unique constraint
on (tenant_id, idempotency_key) is the truth, and with Redis down every call here
answers UNAVAILABLE and the database alone decides.

A key is claimed with `SET NX` as `p|<fingerprint>` for a short in-flight TTL; after the
event is committed it becomes `d|<fingerprint>|<event id>` for the replay TTL (24 h by
default). A claim whose database write fails is released at once, and an in-flight
claim of a crashed process expires by itself, so a retry is never turned into a silent
no-op (OpenMeter's bug #5118).
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from functools import lru_cache

import redis
import structlog
from django.conf import settings

logger = structlog.get_logger(__name__)

IN_FLIGHT_TTL_SECONDS = 30


class ClaimState(enum.Enum):
    CLAIMED = "claimed"
    IN_FLIGHT = "in_flight"
    DONE = "done"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class Claim:
    state: ClaimState
    fingerprint: str = ""
    event_id: int | None = None


@lru_cache(maxsize=1)
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=0.25, socket_connect_timeout=0.25, retry_on_timeout=False)


def client() -> redis.Redis:
    return _client(settings.IDEMPOTENCY_REDIS_URL)


def _key(tenant_id: uuid.UUID, key: str) -> str:
    return f"billing:idem:{tenant_id}:{key}"


def claim(tenant_id: uuid.UUID, key: str, fingerprint: str) -> Claim:
    try:
        name = _key(tenant_id, key)
        if client().set(name, f"p|{fingerprint}", nx=True, ex=IN_FLIGHT_TTL_SECONDS):
            return Claim(ClaimState.CLAIMED)
        raw = client().get(name)
    except redis.RedisError as exc:
        logger.warning("idempotency_cache_unavailable", error=str(exc))
        return Claim(ClaimState.UNAVAILABLE)
    if raw is None:  # expired between SET and GET: let the database decide
        return Claim(ClaimState.UNAVAILABLE)
    parts = (raw.decode() if isinstance(raw, bytes) else str(raw)).split("|")
    if parts[0] == "d" and len(parts) == 3:
        return Claim(ClaimState.DONE, fingerprint=parts[1], event_id=int(parts[2]))
    return Claim(ClaimState.IN_FLIGHT, fingerprint=parts[1] if len(parts) > 1 else "")


def complete(tenant_id: uuid.UUID, key: str, fingerprint: str, event_id: int) -> None:
    try:
        client().set(_key(tenant_id, key), f"d|{fingerprint}|{event_id}", ex=settings.USAGE_IDEMPOTENCY_TTL_SECONDS)
    except redis.RedisError as exc:
        logger.warning("idempotency_cache_unavailable", error=str(exc))


def release(tenant_id: uuid.UUID, key: str) -> None:
    try:
        client().delete(_key(tenant_id, key))
    except redis.RedisError as exc:
        logger.warning("idempotency_cache_unavailable", error=str(exc))
