"""Pending marks in Redis (tenants.pending): the debounce of work queued after ingestion."""

from __future__ import annotations

import uuid

import pytest
from django.conf import settings

from tenants import pending


@pytest.fixture
def url() -> str:
    return str(settings.CACHES["default"]["LOCATION"])


def test_marking_says_which_keys_this_call_set_in_their_order(url):
    prefix = f"test:pending:{uuid.uuid4().hex}"
    keys = [f"{prefix}:{n}" for n in range(5)]
    assert pending.mark_pending(url, keys[1:3], 60) == [True, True]

    assert pending.mark_pending(url, keys, 60) == [True, False, False, True, True]
    assert pending.mark_pending(url, keys, 60) == [False] * 5
    ttls = [pending.client(url).ttl(key) for key in keys]
    assert all(0 < ttl <= 60 for ttl in ttls), ttls


def test_a_cleared_key_is_marked_again(url):
    prefix = f"test:pending:{uuid.uuid4().hex}"
    keys = [f"{prefix}:a", f"{prefix}:b", f"{prefix}:c"]
    pending.mark_pending(url, keys, 60)

    pending.clear_pending(url, keys[0], keys[2])

    assert pending.mark_pending(url, keys, 60) == [True, False, True]
    assert pending.mark_pending(url, [], 60) == []
    pending.clear_pending(url)  # no key: nothing to do


def test_without_redis_every_key_counts_as_set_now():
    down = "redis://127.0.0.1:1/0"  # nothing listens there

    assert pending.mark_pending(down, ["a", "b"], 60) == [True, True]
    pending.clear_pending(down, "a")  # logged, never raised
