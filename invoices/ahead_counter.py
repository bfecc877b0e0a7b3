"""A run's count ahead (`billing.count_run_ahead`) on a thread of its own, with its own
database connection, while the run's first batches bill.

The count is one statement that reads a month of the tenant's events (their
properties: a second or two at a million events) and the batches are mostly Python
(pricing, rows, COPY): run one after the other, the database waits for this process
and then this process waits for the database. Here the count starts on its own
connection as the run starts, leaving out the first batch's windows (that batch
counts them itself meanwhile); each later batch takes its totals if it has finished
(`ready`), and until then counts its own windows with its own query, exactly as a run
without a count ahead does. Which batches use it changes nothing billed: a batch's
totals are the same either way, and its invoices record how far usage was stored
before whichever count they used (`billing.bill_due_batch`), so an event stored since
is late usage on the next invoice (invoices/tests/test_ahead_counter.py).

- A caller inside a transaction (a test, an `atomic` block around the run) gets the
  count at once, on the caller's connection: another one could not see its
  uncommitted rows.
- A count that fails (the database went away) is logged and the batches count
  themselves.
- `close` (the run's batches are done, or failed) cancels a count still running and
  waits for its thread, which closes its connection: nothing outlives the run.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Collection
from contextlib import suppress
from datetime import datetime
from typing import Any

import structlog
from django.db import connection

from invoices import billing
from invoices.dimension_usage import Ahead
from tenants.isolation import tenant_scope
from tenants.models import TenantRef, tenant_pk

log = structlog.get_logger(__name__)


class AheadCounter:
    """`billing.count_run_ahead(tenant, as_of, within)`, counted beside the batches."""

    def __init__(
        self,
        *,
        tenant: TenantRef,
        as_of: datetime,
        within: tuple[uuid.UUID, uuid.UUID] | None,
        first_batch: int = 0,
        skip: Collection[uuid.UUID] = (),
    ) -> None:
        self._result: Ahead | None = None
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._raw: Any = None  # the count's psycopg connection while it runs (to cancel it)
        self._closing = False
        self._thread: threading.Thread | None = None
        if connection.in_atomic_block:
            self._result = billing.count_run_ahead(tenant=tenant, as_of=as_of, within=within)
            self._done.set()
            return
        # The first batch counts its own windows while this runs: not counted twice.
        kwargs = {
            "tenant": tenant_pk(tenant),
            "as_of": as_of,
            "within": within,
            "after_first": first_batch,
            "skip": frozenset(skip),  # a copy: the caller's set grows as its batches fail
        }
        self._thread = threading.Thread(target=self._count, kwargs=kwargs, name="count-ahead", daemon=True)
        self._thread.start()

    def _count(self, **kwargs: Any) -> None:
        try:
            connection.ensure_connection()  # this thread's own
            with self._lock:
                if self._closing:
                    return
                self._raw = connection.connection
            with tenant_scope(kwargs["tenant"]):
                self._result = billing.count_run_ahead(**kwargs)
        except Exception:
            if not self._closing:
                log.exception("count_ahead_failed", tenant_id=str(kwargs["tenant"]))
        finally:
            with self._lock:
                self._raw = None
            self._done.set()
            connection.close()

    def ready(self) -> Ahead | None:
        """The count if it has finished (None while it runs, or when there is none)."""
        return self._result if self._done.is_set() else None

    def close(self) -> None:
        """Cancel the count if it still runs and wait for its thread to end."""
        if self._thread is None:
            return
        with self._lock:
            self._closing = True
            if self._raw is not None and not self._done.is_set():
                with suppress(Exception):  # it may have just finished: nothing to cancel
                    self._raw.cancel_safe(timeout=5.0)
        self._thread.join()
