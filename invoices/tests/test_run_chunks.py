"""A run split into chunks (invoices.run_chunks), in one process with Celery eager:
the split, the claims (a live chunk is not taken twice, a dead one is), a chunk's
failure and retry, the last chunk finishing the run, the admin pages. Two real worker
processes share a run in test_run_chunks_workers.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from invoices import run_chunks, services, tasks
from invoices.models import Invoice, InvoiceRun, InvoiceRunChunk
from plans.pricing import ChargeSpec
from plans.tests.factories import PlanFactory, add_charge
from subscriptions.tests.factories import SubscriptionFactory
from usage.tests.factories import use

pytestmark = pytest.mark.django_db

JAN_1 = datetime(2026, 1, 1, tzinfo=UTC)
FEB_1 = datetime(2026, 2, 1, tzinfo=UTC)
NOW = datetime(2026, 2, 1, 0, 5, tzinfo=UTC)
STALE = timedelta(minutes=15)
Status = InvoiceRunChunk.Status


@pytest.fixture(autouse=True)
def _chunks_of_three(settings):
    settings.INVOICE_RUN_CHUNK_SIZE = 3
    settings.INVOICE_RUN_BATCH_SIZE = 2
    settings.INVOICE_RUN_STALE_SECONDS = int(STALE.total_seconds())


@pytest.fixture
def subs(tenant):
    """Seven subscriptions since Jan 1 to 49.00 a month plus 0.10 per GB; the n-th
    (from 1) stored 10 × n GB in January."""
    plan = PlanFactory(tenant=tenant, amount=Decimal("49.00"))
    add_charge(plan, ChargeSpec.per_unit(Decimal("0.10")), meter="storage_gb", aggregation="sum")
    made = [SubscriptionFactory(tenant=tenant, plan=plan, start_at=JAN_1) for _ in range(7)]
    for n, sub in enumerate(made, start=1):
        use(sub, "storage_gb", 10 * n, datetime(2026, 1, 20, tzinfo=UTC))
    return sorted(made, key=lambda s: str(s.pk))


def queued_run(tenant) -> InvoiceRun:
    return InvoiceRun.objects.create(tenant=tenant, as_of=FEB_1)


def test_a_run_larger_than_a_chunk_is_split_and_its_last_chunk_finishes_it(
    tenant, subs, django_capture_on_commit_callbacks
):
    run = queued_run(tenant)
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        tasks.invoice_run_tenant.delay(str(tenant.id), str(run.id))

    chunks = list(InvoiceRunChunk.objects.filter(run=run))
    ids = [s.pk for s in subs]
    assert [(c.position, c.first_id, c.last_id, c.planned) for c in chunks] == [
        (0, ids[0], ids[2], 3), (1, ids[3], ids[5], 3), (2, ids[6], ids[6], 1),
    ]  # fmt: skip
    assert [(c.status, c.attempts, c.invoices_created, c.subscriptions_processed) for c in chunks] == [
        (Status.SUCCEEDED, 1, 3, 3), (Status.SUCCEEDED, 1, 3, 3), (Status.SUCCEEDED, 1, 1, 1),
    ]  # fmt: skip
    assert all(c.worker for c in chunks)  # the eager worker's hostname
    run.refresh_from_db()
    assert (run.status, run.invoices_created, run.subscriptions_processed, run.error) == ("succeeded", 7, 7, "")
    assert (run.started_at, run.finished_at) == (NOW, NOW)
    # 49.00 plus 1.00, 2.00, … 7.00 of storage: once each.
    totals = sorted(Invoice.objects.for_tenant(tenant).values_list("total", flat=True))
    assert totals == [Decimal(f"{49 + n}.00") for n in range(1, 8)]


def test_a_run_within_one_chunk_is_billed_by_its_own_task_without_chunks(
    tenant, subs, settings, django_capture_on_commit_callbacks
):
    settings.INVOICE_RUN_CHUNK_SIZE = 7
    run = queued_run(tenant)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.invoice_run_tenant.delay(str(tenant.id), str(run.id))

    run.refresh_from_db()
    assert (run.status, run.invoices_created) == ("succeeded", 7)
    assert not InvoiceRunChunk.objects.exists()


def split(tenant) -> tuple[InvoiceRun, list[InvoiceRunChunk]]:
    """A claimed run, split, its chunks' tasks not sent."""
    run = queued_run(tenant)
    run.status, run.started_at, run.heartbeat_at = InvoiceRun.Status.RUNNING, NOW, NOW
    run.save()
    assert run_chunks.run_split(run)  # outside a transaction's capture: the sends are dropped
    return run, list(InvoiceRunChunk.objects.filter(run=run))


def test_a_chunk_of_a_live_worker_is_not_taken_by_a_second_task(tenant, subs):
    with time_machine.travel(NOW, tick=False):
        _, chunks = split(tenant)
    InvoiceRunChunk.objects.filter(pk=chunks[0].pk).update(
        status=Status.RUNNING, attempts=1, worker="a@host", heartbeat_at=NOW
    )

    with time_machine.travel(NOW + STALE - timedelta(seconds=1), tick=False):
        assert run_chunks.invoice_run_chunk_execute(tenant=tenant.id, chunk_id=chunks[0].pk, worker="b@host") is None

    chunks[0].refresh_from_db()
    assert (chunks[0].status, chunks[0].attempts, chunks[0].worker) == (Status.RUNNING, 1, "a@host")
    assert not Invoice.objects.exists()


def test_a_dead_workers_chunk_is_sent_again_by_the_sweeper_and_billed_once(
    tenant, subs, django_capture_on_commit_callbacks
):
    with time_machine.travel(NOW, tick=False):
        run, chunks = split(tenant)
    # What a worker killed after its first batch of chunk 0 leaves: two invoices, no heartbeat since.
    with time_machine.travel(NOW, tick=False):
        services.invoice_due_subscriptions(tenant=tenant.id, as_of=FEB_1, batch_size=2, within=(subs[0].pk, subs[1].pk))
    InvoiceRunChunk.objects.filter(pk=chunks[0].pk).update(
        status=Status.RUNNING, attempts=1, worker="a@host", heartbeat_at=NOW
    )
    for chunk in chunks[1:]:
        with time_machine.travel(NOW, tick=False):
            run_chunks.invoice_run_chunk_execute(tenant=tenant.id, chunk_id=chunk.pk, worker="b@host")
    run.refresh_from_db()
    assert run.status == InvoiceRun.Status.RUNNING  # chunk 0 is not done

    later = NOW + STALE + timedelta(seconds=1)
    with time_machine.travel(later, tick=False), django_capture_on_commit_callbacks(execute=True):
        assert tasks.invoice_runs_sweep() == 2  # the run (no heartbeat either) and chunk 0

    chunks[0].refresh_from_db()
    assert (chunks[0].status, chunks[0].attempts, chunks[0].invoices_created) == (Status.SUCCEEDED, 2, 1)
    run.refresh_from_db()
    assert (run.status, run.finished_at) == (InvoiceRun.Status.SUCCEEDED, later)
    per_sub = sorted(Invoice.objects.for_tenant(tenant).values_list("subscription_id", flat=True))
    assert per_sub == sorted(s.pk for s in subs)  # each once
    assert run.invoices_created == 5  # what the run's chunks counted: the dead worker's 2 went uncounted


def test_a_chunk_that_fails_fails_the_run_until_its_retry_succeeds(tenant, subs, monkeypatch):
    with time_machine.travel(NOW, tick=False):
        run, chunks = split(tenant)
    for chunk in chunks[:2]:
        run_chunks.invoice_run_chunk_execute(tenant=tenant.id, chunk_id=chunk.pk, worker="a@host")

    def database_gone(**kwargs):
        raise ConnectionError("server closed the connection")

    with monkeypatch.context() as patch:
        patch.setattr(services.billing, "bill_due_batch", database_gone)
        with pytest.raises(ConnectionError):
            run_chunks.invoice_run_chunk_execute(tenant=tenant.id, chunk_id=chunks[2].pk, worker="a@host")
    chunks[2].refresh_from_db()
    run.refresh_from_db()
    assert (chunks[2].status, chunks[2].error) == (Status.FAILED, "ConnectionError: server closed the connection")
    assert (run.status, run.error) == ("failed", "chunk 2: ConnectionError: server closed the connection")

    run_chunks.invoice_run_chunk_execute(tenant=tenant.id, chunk_id=chunks[2].pk, worker="b@host")  # the retry

    chunks[2].refresh_from_db()
    run.refresh_from_db()
    assert (chunks[2].status, chunks[2].attempts, chunks[2].worker) == (Status.SUCCEEDED, 2, "b@host")
    assert (run.status, run.error, run.invoices_created) == ("succeeded", "", 7)
    assert Invoice.objects.for_tenant(tenant).count() == 7


def test_a_claim_that_was_taken_over_stops_at_its_next_batch(tenant, subs, monkeypatch):
    with time_machine.travel(NOW, tick=False):
        _run, chunks = split(tenant)
    seen = []
    count_batch = run_chunks.count_batch

    def and_taken_over(run_id, outcome):
        count_batch(run_id, outcome)
        seen.append(len(outcome.invoices))
        InvoiceRunChunk.objects.filter(pk=chunks[0].pk).update(attempts=5, worker="b@host")  # b took it meanwhile

    monkeypatch.setattr(run_chunks, "count_batch", and_taken_over)
    assert run_chunks.invoice_run_chunk_execute(tenant=tenant.id, chunk_id=chunks[0].pk, worker="a@host") is None

    assert seen == [2]  # one batch of two, then it stopped
    assert Invoice.objects.for_tenant(tenant).count() == 2
    chunks[0].refresh_from_db()
    assert (chunks[0].worker, chunks[0].status) == ("b@host", Status.RUNNING)


def test_staff_see_a_runs_chunks_read_only(tenant, subs, staff_client):
    with time_machine.travel(NOW, tick=False):
        run, chunks = split(tenant)
    run_chunks.invoice_run_chunk_execute(tenant=tenant.id, chunk_id=chunks[0].pk, worker="a@host")

    page = staff_client.get(reverse("admin:invoices_invoicerun_change", args=[run.pk]))
    assert page.status_code == 200
    assert page.content.decode().count("a@host") == 1
    listing = staff_client.get(reverse("admin:invoices_invoicerunchunk_changelist"), {"status__exact": "succeeded"})
    assert listing.status_code == 200
    assert listing.context["cl"].result_count == 1
    assert staff_client.get(reverse("admin:invoices_invoicerunchunk_change", args=[chunks[0].pk])).status_code == 200
    assert staff_client.get(reverse("admin:invoices_invoicerunchunk_add")).status_code == 403


def test_chunks_go_to_the_invoicing_queue_that_every_started_worker_consumes():
    from pathlib import Path

    import yaml
    from django.conf import settings as django_settings

    from billing_project.celery import app

    assert app.amqp.router.route({}, tasks.invoice_run_chunk.name)["queue"].name == run_chunks.INVOICING_QUEUE
    assert app.amqp.router.route({}, tasks.invoice_run_tenant.name)["queue"].name == "celery"
    assert {q.name for q in app.conf.task_queues} == {"celery", "invoicing"}  # a worker without -Q takes both
    root = Path(django_settings.BASE_DIR)
    [procfile_worker] = [line for line in (root / "Procfile").read_text().splitlines() if line.startswith("worker:")]
    assert " -Q celery,invoicing " in procfile_worker
    compose = yaml.safe_load((root / "docker-compose.yml").read_text())
    assert compose["services"]["worker"]["command"][4:6] == ["-Q", "celery,invoicing"]
