"""Pending marks in Redis: the debounce of work queued after ingestion (alerts'
evaluation, progressive billing's threshold check).

The caller marks the keys of the work that usage touched (`SET key 1 NX EX ttl`, all
of them in one pipeline: one round trip for a batch), queues a delayed task for each
key it set, and the task clears its key *before* it reads, so usage stored after that
queues the next one and none is missed. A mark whose task was lost expires after
`ttl`. With Redis down every key counts as set: the work is queued each time, only
slower, never skipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import redis
import structlog

log = structlog.get_logger(__name__)


@lru_cache(maxsize=4)
def client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=0.25, socket_connect_timeout=0.25, retry_on_timeout=False)


def mark_pending(url: str, keys: Sequence[str], ttl: int) -> list[bool]:
    """For each key, whether this call set its mark (False: work already pending)."""
    if not keys:
        return []
    try:
        pipe = client(url).pipeline(transaction=False)
        for key in keys:
            pipe.set(key, 1, nx=True, ex=ttl)
        return [bool(was_set) for was_set in pipe.execute()]
    except redis.RedisError as exc:
        log.warning("pending_mark_unavailable", error=str(exc))
        return [True] * len(keys)


def clear_pending(url: str, key: str) -> None:
    """The work starts: usage stored from now on marks (and queues) it again."""
    try:
        client(url).delete(key)
    except redis.RedisError as exc:
        log.warning("pending_mark_unavailable", error=str(exc))
