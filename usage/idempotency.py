"""The Redis fast path of idempotent ingestion. Only a shortcut: the unique constraint
on (tenant_id, idempotency_key) is the truth, and with Redis down every call here
answers UNAVAILABLE and the database alone decides.

A key is claimed with one `SET NX` of `p|<fingerprint>` for a short TTL (30 s), and
nothing more is written when the event is committed: a request that finds the key
taken asks the database, which has the event (a replay, or a 422 for another body)
or has not (the first request is still in flight: 409). So a new event costs one
Redis round trip, and Redis holds each key for seconds, not a day. A claim whose
database write fails is released at once, and a claim of a crashed process expires by
itself, so a retry is never turned into a silent no-op (OpenMeter's bug #5118).
"""

from __future__ import annotations

import enum
import uuid
from functools import lru_cache

import redis
import structlog
from django.conf import settings

logger = structlog.get_logger(__name__)

IN_FLIGHT_TTL_SECONDS = 30


class ClaimState(enum.Enum):
    CLAIMED = "claimed"  # this request holds the key
    TAKEN = "taken"  # another request claimed it in the last IN_FLIGHT_TTL_SECONDS: in flight or done
    UNAVAILABLE = "unavailable"  # Redis did not answer


@lru_cache(maxsize=1)
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=0.25, socket_connect_timeout=0.25, retry_on_timeout=False)


def client() -> redis.Redis:
    return _client(settings.IDEMPOTENCY_REDIS_URL)


def _key(tenant_id: uuid.UUID, key: str) -> str:
    return f"billing:idem:{tenant_id}:{key}"


def claim(tenant_id: uuid.UUID, key: str, fingerprint: str) -> ClaimState:
    try:
        claimed = client().set(_key(tenant_id, key), f"p|{fingerprint}", nx=True, ex=IN_FLIGHT_TTL_SECONDS)
    except redis.RedisError as exc:
        logger.warning("idempotency_cache_unavailable", error=str(exc))
        return ClaimState.UNAVAILABLE
    return ClaimState.CLAIMED if claimed else ClaimState.TAKEN


def release(tenant_id: uuid.UUID, key: str) -> None:
    try:
        client().delete(_key(tenant_id, key))
    except redis.RedisError as exc:
        logger.warning("idempotency_cache_unavailable", error=str(exc))
