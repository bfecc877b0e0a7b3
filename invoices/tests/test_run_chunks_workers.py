"""One tenant's invoice run shared by two real Celery worker processes (issue #18: the
path past one machine), through Redis, against the test database.

Each worker is `celery -A billing_project worker` in a process of its own (prefork,
one child), as `make run` and another host would start it: worker A consumes both
queues (`celery`, where the run's task goes, and `invoicing`), worker B only
`invoicing`. 200 subscriptions with INVOICE_RUN_CHUNK_SIZE=20 make ten chunks, billed
5 subscriptions per transaction. Every wait is bounded.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis
from django.conf import settings
from django.db import connection
from django.db.models import Count

from billing_project.celery import app
from invoices.models import Invoice, InvoiceRun, InvoiceRunChunk, NumberSequence
from invoices.services import invoice_run_create, invoice_runs_sweep
from plans.pricing import ChargeSpec
from plans.tests.factories import PlanFactory, add_charge
from subscriptions.tests.factories import CustomerFactory, SubscriptionFactory
from usage.tests.factories import use

ROOT = Path(settings.BASE_DIR)
SUBSCRIPTIONS = 200
CHUNK = 20
WAIT_SECONDS = 180
STALE_SECONDS = 3
JAN_1 = datetime(2026, 1, 1, tzinfo=UTC)
FEB_1 = datetime(2026, 2, 1, tzinfo=UTC)

pytestmark = pytest.mark.django_db(transaction=True)  # the workers read what the test wrote


def _database_url() -> str:
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgresql://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _wait_for(condition: Callable[[], Any], what: str) -> Any:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError(f"gave up waiting for {what}")


class Worker:
    """A Celery worker process (its own session: SIGKILL takes its pool child with it)."""

    def __init__(self, name: str, queues: str, log: Path) -> None:
        self.hostname = f"{name}-{os.getpid()}@test"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "billing_project.settings_test",
            "DATABASE_URL": _database_url(),
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "INVOICE_RUN_CHUNK_SIZE": str(CHUNK),
            "INVOICE_RUN_BATCH_SIZE": "5",
            "INVOICE_RUN_STALE_SECONDS": str(STALE_SECONDS),
            "LOG_LEVEL": "WARNING",
            "PROMETHEUS_MULTIPROC_DIR": "",
        }
        args = [str(ROOT / ".venv/bin/celery"), "-A", "billing_project", "worker", "--pool", "prefork"]
        args += ["--concurrency", "1", "-Q", queues, "--hostname", self.hostname, "--loglevel", "WARNING"]
        args += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
        self.log = log
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    def wait_ready(self) -> None:
        def answers() -> bool:
            assert self.process.poll() is None, self.log.read_text(errors="replace")
            return bool(app.control.ping(destination=[self.hostname], timeout=0.5))

        _wait_for(answers, f"worker {self.hostname}")

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        print(self.log.read_text(errors="replace")[-3000:])  # shown when the test fails


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Callable[[str, str], Worker]]:
    """Start workers with `start(name, queues)`; the test process sends tasks for real."""
    started: list[Worker] = []
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False

    def start(name: str, queues: str) -> Worker:
        worker = Worker(name, queues, tmp_path / f"{name}.log")
        started.append(worker)
        return worker

    try:
        yield start
    finally:
        for worker in started:
            worker.stop()
        app.conf.task_always_eager = eager
        app.control.purge()
        # A killed worker's unacknowledged message would come back in two hours, to
        # whichever test's worker: it belongs to this test's database only.
        redis.Redis.from_url(settings.CELERY_BROKER_URL).delete("unacked", "unacked_index")


@pytest.fixture
def subscriptions(tenant: Any) -> list[Any]:
    """200 subscriptions since Jan 1 to 49.00 a month plus storage at 0.10 per GB; the
    n-th (from 1) stored n GB in January."""
    plan = PlanFactory(tenant=tenant, amount=Decimal("49.00"))
    add_charge(plan, ChargeSpec.per_unit(Decimal("0.10")), meter="storage_gb", aggregation="sum")
    subs = []
    for n in range(1, SUBSCRIPTIONS + 1):
        customer = CustomerFactory(tenant=tenant, external_id=f"cus_{n:03d}")
        sub = SubscriptionFactory(tenant=tenant, customer=customer, plan=plan, start_at=JAN_1)
        use(sub, "storage_gb", n, datetime(2026, 1, 15, tzinfo=UTC))
        subs.append(sub)
    return subs


# 200 × 49.00 + 0.10 × (1 + 2 + … + 200) GB
EXPECTED_TOTAL = SUBSCRIPTIONS * Decimal("49.00") + Decimal("0.10") * SUBSCRIPTIONS * (SUBSCRIPTIONS + 1) / 2


def assert_billed_exactly_once(tenant: Any, subscriptions: list[Any], run: InvoiceRun) -> None:
    run.refresh_from_db()
    assert (run.status, run.error, run.errors) == (InvoiceRun.Status.SUCCEEDED, "", [])
    assert (run.invoices_created, run.subscriptions_processed) == (SUBSCRIPTIONS, SUBSCRIPTIONS)
    invoices = Invoice.objects.for_tenant(tenant)
    per_subscription = dict(invoices.values_list("subscription_id").annotate(n=Count("id")).order_by())
    assert per_subscription == {sub.id: 1 for sub in subscriptions}
    numbers = sorted(invoices.values_list("number", flat=True))
    assert numbers == [f"INV-{n:06d}" for n in range(1, SUBSCRIPTIONS + 1)]  # gapless: a rollback gave its back
    assert sum(invoices.values_list("total", flat=True)) == EXPECTED_TOTAL == Decimal("11810.00")
    assert set(invoices.values_list("period_start", "period_end")) == {(JAN_1, FEB_1)}


def _run_finished(run: InvoiceRun) -> bool:
    run.refresh_from_db()
    return run.status == InvoiceRun.Status.SUCCEEDED


def test_two_worker_processes_on_separate_queues_share_one_tenants_run(tenant, subscriptions, workers):
    a, b = workers("inv-a", "celery,invoicing"), workers("inv-b", "invoicing")
    a.wait_ready()
    b.wait_ready()

    # Whoever takes a chunk first waits for the invoice numbers at its first batch until
    # the other has taken one too: both processes bill some of the run, whatever the timing.
    NumberSequence.objects.create(tenant=tenant, series=NumberSequence.Series.INVOICE, last_number=0)
    locker = _lock_numbers(tenant.id)
    run = invoice_run_create(tenant=tenant.id, as_of=FEB_1)  # its task goes to `celery`: worker A splits it
    running = InvoiceRunChunk.objects.filter(run=run, status=InvoiceRunChunk.Status.RUNNING)
    _wait_for(lambda: set(running.values_list("worker", flat=True)) == {a.hostname, b.hostname}, "both workers")
    locker.rollback()
    locker.close()
    _wait_for(lambda: _run_finished(run), "the run to succeed")

    assert_billed_exactly_once(tenant, subscriptions, run)
    chunks = list(InvoiceRunChunk.objects.filter(run=run))
    assert [c.position for c in chunks] == list(range(SUBSCRIPTIONS // CHUNK))
    assert {c.status for c in chunks} == {InvoiceRunChunk.Status.SUCCEEDED}
    assert [c.planned for c in chunks] == [CHUNK] * 10
    assert sum(c.invoices_created for c in chunks) == SUBSCRIPTIONS
    # Every subscription in exactly one chunk's id range, the ranges in order.
    ids = sorted(str(sub.id) for sub in subscriptions)
    assert [(str(c.first_id), str(c.last_id)) for c in chunks] == [
        (ids[n], ids[n + CHUNK - 1]) for n in range(0, SUBSCRIPTIONS, CHUNK)
    ]
    # Both processes billed some of it.
    assert {c.worker for c in chunks} == {a.hostname, b.hostname}


def _lock_numbers(tenant_id: Any) -> psycopg.Connection:
    """A transaction of another connection holding the tenant's invoice number row:
    the next batch to take numbers waits for it, inside its transaction."""
    locker = psycopg.connect(_database_url())
    locker.execute(
        f"SELECT 1 FROM {NumberSequence._meta.db_table} WHERE tenant_id = %s FOR UPDATE",  # noqa: S608
        [tenant_id],
    )
    return locker


def _waiting_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def test_a_worker_killed_mid_chunk_leaves_it_to_another_and_nothing_is_billed_twice(
    tenant, subscriptions, workers, settings
):
    settings.INVOICE_RUN_STALE_SECONDS = STALE_SECONDS  # the sweeper here, as the workers think
    a = workers("inv-a", "celery,invoicing")
    a.wait_ready()
    run = invoice_run_create(tenant=tenant.id, as_of=FEB_1)
    _wait_for(lambda: Invoice.objects.for_tenant(tenant).exists(), "worker A's first invoices")
    locker = _lock_numbers(tenant.id)
    _wait_for(_waiting_for_a_lock, "worker A to wait in a batch")  # its transaction is open, its batch unwritten

    a.kill()  # SIGKILL: no shutdown, no acknowledgement, its open transaction dies with its connection
    locker.rollback()
    locker.close()
    [killed] = InvoiceRunChunk.objects.filter(run=run, status=InvoiceRunChunk.Status.RUNNING)
    assert killed.worker == a.hostname
    billed_by_a = Invoice.objects.for_tenant(tenant).count()
    assert 0 < billed_by_a < SUBSCRIPTIONS

    b = workers("inv-b", "invoicing")
    b.wait_ready()  # takes the chunks A never started from the queue
    time.sleep(STALE_SECONDS + 1)  # A's chunk has no heartbeat for longer than the timeout
    assert invoice_runs_sweep() >= 1  # the beat's sweeper sends it again: B takes it
    _wait_for(lambda: _run_finished(run), "the run to succeed")

    assert_billed_exactly_once(tenant, subscriptions, run)
    killed.refresh_from_db()
    assert (killed.status, killed.attempts, killed.worker) == (InvoiceRunChunk.Status.SUCCEEDED, 2, b.hostname)
    others = InvoiceRunChunk.objects.filter(run=run).exclude(pk=killed.pk)
    assert {(c.status, c.attempts) for c in others} == {(InvoiceRunChunk.Status.SUCCEEDED, 1)}
