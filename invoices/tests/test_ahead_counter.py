"""The run's count ahead on a thread and connection of its own (`invoices.ahead_counter`):
whichever batches find it finished, the invoices are the ones the batches' own counts
make, to the line; a count that fails leaves the batches to count; a count still
running when the batches are done is canceled and its thread ends with the run; a
caller inside a transaction counts at once, on its own connection.

These tests commit (`transaction=True`): a second connection sees only committed rows.
"""

from __future__ import annotations

import threading
import uuid
from typing import Any

import pytest
from django.db import OperationalError, connection, transaction
from psycopg import errors
from structlog.testing import capture_logs

from invoices import billing
from invoices.ahead_counter import AheadCounter
from invoices.billing import count_run_ahead as count_now  # the function, not the `counts` spy
from invoices.tests.factories import bill
from invoices.tests.test_count_ahead import build, lines_of
from tenants.isolation import tenant_scope
from tenants.tests.factories import TenantFactory
from tenants.tests.utils import at

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def counts(monkeypatch) -> list[dict[str, Any]]:
    """Count ahead from 1 window up; record where each count ran and what it gave."""
    monkeypatch.setattr(billing, "COUNT_AHEAD_MIN", 1)
    made: list[dict[str, Any]] = []
    real = billing.count_run_ahead

    def spy(**kwargs: Any) -> Any:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        made.append({"thread": threading.current_thread().name, "pid": pid, "ahead": None, "kwargs": kwargs})
        made[-1]["ahead"] = real(**kwargs)  # stays None if the run's end cancels it
        return made[-1]["ahead"]

    monkeypatch.setattr(billing, "count_run_ahead", spy)
    return made


def main_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


def billed_without_count(monkeypatch) -> list[Any]:
    """The same data in another tenant, billed with each batch counting its own windows."""
    other = TenantFactory()
    build(other)
    monkeypatch.setattr(billing, "COUNT_AHEAD_MIN", 10**9)
    return lines_of(bill(other, at(2026, 2, 1)))


@pytest.mark.parametrize("when", ["as it comes", "before the batches", "never"])
def test_the_invoices_are_the_same_whichever_batches_find_the_count(
    tenant, counts, batch_counts, monkeypatch, settings, when
):
    build(tenant)
    settings.INVOICE_RUN_BATCH_SIZE = 1  # the first batch is one subscription; the count has the rest
    as_of = at(2026, 2, 1)
    with tenant_scope(tenant):
        predicted = count_now(tenant=tenant.id, as_of=as_of, after_first=1)
    if when == "before the batches":
        real_ready = AheadCounter.ready
        monkeypatch.setattr(AheadCounter, "ready", lambda self: (self._done.wait(30), real_ready(self))[1])
    if when == "never":
        monkeypatch.setattr(AheadCounter, "ready", lambda self: None)
    invoices = bill(tenant, as_of)

    [count] = counts
    assert count["thread"] == "count-ahead" and count["pid"] != main_pid()  # its own connection
    assert predicted is not None
    # Its subscriptions are read when it starts: those that batches billed before that
    # are no longer due, and not counted (they took their own counts); a count still
    # running when the batches are done is canceled (None).
    assert count["ahead"] is None or count["ahead"].windows <= predicted.windows
    if when == "before the batches":  # it started before any batch: all but the first's
        assert count["ahead"] is not None and count["ahead"].windows == predicted.windows
        # only the first batch counted its own
        assert len(batch_counts) <= 1 and all(w not in predicted.windows for ws in batch_counts for w in ws)
    if when == "never":  # the batches counted every window themselves
        assert {w.customer_id for windows in batch_counts for w in windows} == {i.customer_id for i in invoices}
    assert len(invoices) == 5
    assert lines_of(invoices) == billed_without_count(monkeypatch)


def test_a_failed_count_leaves_the_batches_to_count(tenant, batch_counts, monkeypatch):
    build(tenant)
    monkeypatch.setattr(billing, "COUNT_AHEAD_MIN", 1)

    def broken(**kwargs: Any) -> Any:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(billing, "count_run_ahead", broken)
    real_ready = AheadCounter.ready  # the batches wait for it: it fails before they end
    monkeypatch.setattr(AheadCounter, "ready", lambda self: (self._done.wait(30), real_ready(self))[1])
    with capture_logs() as logs:
        invoices = bill(tenant, at(2026, 2, 1))
    assert [entry["event"] for entry in logs if entry["log_level"] == "error"] == ["count_ahead_failed"]
    assert {w.customer_id for windows in batch_counts for w in windows} == {i.customer_id for i in invoices}
    assert lines_of(invoices) == billed_without_count(monkeypatch)


def test_a_count_still_running_is_canceled_when_the_batches_are_done(tenant, monkeypatch):
    ended: list[BaseException | None] = []
    started = threading.Event()

    def slow(**kwargs: Any) -> Any:
        try:
            with connection.cursor() as cursor:
                started.set()
                cursor.execute("SELECT pg_sleep(60)")
        except BaseException as error:
            ended.append(error)
            raise
        ended.append(None)

    monkeypatch.setattr(billing, "count_run_ahead", slow)
    with capture_logs() as logs:
        counter = AheadCounter(tenant=tenant, as_of=at(2026, 2, 1), within=None)
        assert started.wait(30)
        assert counter.ready() is None  # still counting
        counter.close()
    assert counter._thread is not None and not counter._thread.is_alive()
    [error] = ended
    assert isinstance(error, OperationalError) and isinstance(error.__cause__, errors.QueryCanceled)
    assert counter.ready() is None
    assert [entry for entry in logs if entry["log_level"] == "error"] == []  # a cancel is not a failure


def test_inside_a_transaction_the_count_is_made_at_once_on_the_callers_connection(tenant, counts):
    build(tenant)
    with transaction.atomic(), tenant_scope(tenant):
        counter = AheadCounter(tenant=tenant, as_of=at(2026, 2, 1), within=None)
        assert counter._thread is None
        [count] = counts
        assert count["thread"] == threading.current_thread().name and count["pid"] == main_pid()
        assert counter.ready() is count["ahead"] is not None
        counter.close()


def test_the_count_keeps_the_skipped_subscriptions_it_was_given(tenant, counts):
    """The run's `failed` set grows as batches fail, while the count may still read it."""
    build(tenant)
    failed = {uuid.uuid4()}
    given = set(failed)
    with tenant_scope(tenant):
        counter = AheadCounter(tenant=tenant, as_of=at(2026, 2, 1), within=None, first_batch=1, skip=failed)
        failed.add(uuid.uuid4())
        assert counter._done.wait(30)  # not canceled: it ran
        counter.close()
    [count] = counts
    assert set(count["kwargs"]["skip"]) == given and count["kwargs"]["after_first"] == 1
