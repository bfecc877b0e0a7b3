"""Which reads may go to the read replica: the apps' half of the database router
(billing_project/db_router.py, which every app is below, holds the other half).

A read replica lags the primary by a moment, so it only serves reads that may be a
moment old and that decide nothing: the pages of a list and the revenue metrics. The
code that makes such reads says so with `replica_reads()`; everything else reads the
primary. Even inside `replica_reads()` the primary keeps a read when
  - a write went to the primary earlier in the same request (`note_write`, called
    by the router), so the caller sees what it wrote, or
  - the primary connection is inside a transaction (the router checks), so a read
    that a write depends on sees the transaction's own rows and locks.
Without a replica configured none of this changes anything: every query goes to the
primary. Celery tasks never ask for the replica (they decide and write), so only web
requests are units of work here (`ReplicaRequestMiddleware`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponseBase

_allowed: ContextVar[bool] = ContextVar("replica_reads_allowed", default=False)
_wrote: ContextVar[bool] = ContextVar("wrote_to_primary", default=False)


@contextmanager
def replica_reads() -> Iterator[None]:
    """Reads inside may come from the replica (a list's page, metrics)."""
    token = _allowed.set(True)
    try:
        yield
    finally:
        _allowed.reset(token)


def replica_reads_allowed() -> bool:
    """Inside `replica_reads()` and no write yet in this request."""
    return _allowed.get() and not _wrote.get()


def note_write() -> None:
    """A write is going to the primary: later reads of the same request stay there."""
    _wrote.set(True)


@contextmanager
def fresh_unit_of_work() -> Iterator[None]:
    """One request: it starts with no write seen, and leaves none behind for the next
    one on the same thread."""
    wrote, allowed = _wrote.set(False), _allowed.set(False)
    try:
        yield
    finally:
        _wrote.reset(wrote)
        _allowed.reset(allowed)


class ReplicaRequestMiddleware:
    """Each request is a unit of work of its own (`fresh_unit_of_work`)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        with fresh_unit_of_work():
            return self.get_response(request)
