"""Pending marks in Redis: the debounce of work queued after ingestion (alerts'
evaluation, progressive billing's threshold check).

The caller marks the keys of the work that usage touched (`SET key 1 NX EX ttl` for
each, all of them in one Lua script: one command and one round trip for a batch, the
loop in Redis rather than a pipeline of 1,000 commands built and parsed in Python),
queues delayed tasks for the keys it set, and a task clears its keys *before* it
reads, so usage stored after that queues the next one and none is missed. A mark
whose task was lost expires after `ttl`. With Redis down every key counts as set: the
work is queued each time, only slower, never skipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import redis
import structlog

log = structlog.get_logger(__name__)


# SET NX EX of every key: a string of 1 (set now) and 0 (already set), in KEYS' order.
_MARK_SCRIPT = """
local out = {}
for i, key in ipairs(KEYS) do
  out[i] = redis.call('SET', key, '1', 'NX', 'EX', ARGV[1]) and '1' or '0'
end
return table.concat(out)
"""


@lru_cache(maxsize=4)
def client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=0.25, socket_connect_timeout=0.25, retry_on_timeout=False)


@lru_cache(maxsize=4)
def _mark_script(url: str) -> Any:
    """The script, sent by its SHA (EVALSHA, loaded again should Redis have lost it)."""
    return client(url).register_script(_MARK_SCRIPT)


def mark_pending(url: str, keys: Sequence[str], ttl: int) -> list[bool]:
    """For each key, whether this call set its mark (False: work already pending)."""
    if not keys:
        return []
    try:
        flags = _mark_script(url)(keys=list(keys), args=[ttl])
        return [flag == ord("1") for flag in flags]
    except redis.RedisError as exc:
        log.warning("pending_mark_unavailable", error=str(exc))
        return [True] * len(keys)


def clear_pending(url: str, *keys: str) -> None:
    """The work starts: usage stored from now on marks (and queues) it again."""
    if not keys:
        return
    try:
        client(url).delete(*keys)
    except redis.RedisError as exc:
        log.warning("pending_mark_unavailable", error=str(exc))
