"""Values made once per object and found again by the object's identity.

A run builds the same few objects' derived values on every line (a charge's tier
table, a bucket's group as JSON); `functools.lru_cache` would hash the object each
time, which for a dataclass or a dict runs in Python or cannot be done at all. The
memo keys on `id(obj)` and keeps the object in its entry, so the id cannot be reused
by another object while the entry is there; past `limit` entries it starts again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


def by_identity(make: Callable[[K], V], *, limit: int) -> Callable[[K], V]:
    """`make(obj)`, made once per object (by identity) while fewer than `limit` are kept.

    >>> square = by_identity(lambda xs: [x * x for x in xs], limit=10)
    >>> xs = (1, 2)
    >>> square(xs) is square(xs)
    True
    """
    entries: dict[int, tuple[K, V]] = {}

    def get(obj: K) -> V:
        entry = entries.get(id(obj))
        if entry is not None and entry[0] is obj:
            return entry[1]
        if len(entries) >= limit:
            entries.clear()
        value = make(obj)
        entries[id(obj)] = (obj, value)
        return value

    return get
