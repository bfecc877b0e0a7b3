"""A large invoice run split across worker processes (README, Operations; docs/invoicing.md,
"Running at scale").

The run's task (`invoice_run_tenant`, default queue) claims the run as before. When
more than INVOICE_RUN_CHUNK_SIZE subscriptions are due it does not bill them itself:
it splits their ids, in order, into ranges of that many (`InvoiceRunChunk`, one
transaction) and sends one `invoice_run_chunk` task per chunk to the `invoicing` queue
once that commits, so that every worker process consuming the queue, on any host,
takes chunks. A smaller run is billed by the run's task itself, as it always was.

A chunk's task claims it (conditional UPDATE: queued, failed, or running without a
heartbeat for INVOICE_RUN_STALE_SECONDS), bills the due subscriptions of its range
batch by batch (`invoice_due_subscriptions(within=…)`: each batch one transaction
that locks its subscriptions with SKIP LOCKED), and counts each batch on the chunk and
on the run (whose heartbeat it moves). Exactly once per subscription, whatever the
broker does:

- two tasks of one chunk at once (a redelivery, the sweeper's copy): one claims it,
  the other returns; if the first was only slow and a second claimed it as dead, both
  bill batches side by side, and the row locks and "no longer due once billed" keep
  them off each other's subscriptions; the older claim stops at its next batch;
- a worker killed mid-chunk: its open batch rolls back, its committed batches stay;
  the chunk's heartbeat goes stale and the sweeper (`invoice_runs_sweep`) sends the
  chunk again, to any worker, which bills what is left;
- the last chunk to succeed (decided under the run's row lock) finishes the run: a
  last pass bills whatever is still due (a subscription that became due in no
  chunk's range) and the late usage of canceled subscriptions (adjustment invoices),
  then marks the run succeeded. If that worker dies, the run's heartbeat goes stale
  and the sweeper sends the run's task again, which finishes it.

A chunk whose task raises marks the chunk and the run `failed` (the error names the
chunk) and is retried by Celery; when a retry succeeds and it is the last chunk, the
run succeeds. Subscriptions that cannot be billed are the run's `errors`, as before,
and no later chunk or pass tries them again.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import structlog
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q

from invoices import billing
from invoices.instruments import INVOICE_RUN_SECONDS
from invoices.models import InvoiceRun, InvoiceRunChunk
from invoices.signals import invoice_run_finished
from subscriptions.selectors import subscription_list_due
from tenants import clock
from tenants.models import TenantRef, tenant_pk

log = structlog.get_logger(__name__)

INVOICING_QUEUE = "invoicing"
Status = InvoiceRunChunk.Status


class ChunkTaken(Exception):
    """Another task claimed the chunk since this one did (this one was thought dead)."""


def stale_before(now: datetime) -> datetime:
    return now - timedelta(seconds=settings.INVOICE_RUN_STALE_SECONDS)


def _claimable(now: datetime) -> Q:
    return Q(status__in=[Status.QUEUED, Status.FAILED]) | Q(status=Status.RUNNING, heartbeat_at__lt=stale_before(now))


def run_split(run: InvoiceRun) -> bool:
    """The run's task, once it claimed `run`: send the tasks of its chunks (splitting it
    first), or finish it when they all succeeded. False when the run is not split: at
    most INVOICE_RUN_CHUNK_SIZE subscriptions are due, and the caller bills them."""
    chunks = list(InvoiceRunChunk.objects.filter(run_id=run.pk).values_list("pk", "status"))
    if chunks:  # sent again by the sweeper, or retried: carry on where it is
        if all(status == Status.SUCCEEDED for _, status in chunks):
            run_finish(run)
        else:
            pending = InvoiceRunChunk.objects.filter(_claimable(clock.real_now()), run_id=run.pk)
            _send_on_commit(run.tenant_id, list(pending.values_list("pk", flat=True)))
        return True
    due = subscription_list_due(tenant=run.tenant_id, as_of=run.as_of).order_by("pk").values_list("pk", flat=True)
    ids = list(due)
    size = settings.INVOICE_RUN_CHUNK_SIZE
    if len(ids) <= size:
        return False
    with transaction.atomic():
        made = InvoiceRunChunk.objects.bulk_create(
            InvoiceRunChunk(
                tenant_id=run.tenant_id,
                run_id=run.pk,
                position=n,
                first_id=ids[start],
                last_id=ids[min(start + size, len(ids)) - 1],
                planned=min(size, len(ids) - start),
            )
            for n, start in enumerate(range(0, len(ids), size))
        )
        _send_on_commit(run.tenant_id, [chunk.pk for chunk in made])
    log.info("invoice_run_split", run_id=str(run.pk), subscriptions=len(ids), chunks=len(made))
    return True


def _send_on_commit(tenant_id: uuid.UUID, chunk_ids: list[uuid.UUID]) -> None:
    from invoices import tasks  # tasks import this module

    def queue_invoice_run_chunks() -> None:
        for chunk_id in chunk_ids:
            tasks.invoice_run_chunk.delay(str(tenant_id), str(chunk_id))

    # robust: with the broker down the chunks stay queued, the run's heartbeat goes
    # stale and the sweeper sends the run's task again, which sends them.
    transaction.on_commit(queue_invoice_run_chunks, robust=True)


def count_batch(run_id: uuid.UUID, outcome: billing.BatchOutcome) -> None:
    """Add a committed batch to the run's counts (and its failures to `errors`) and move
    its heartbeat: counted as each batch commits, so that a retried or split run
    reports what all its attempts and chunks created."""
    InvoiceRun.objects.filter(pk=run_id).update(
        invoices_created=F("invoices_created") + len(outcome.invoices),
        subscriptions_processed=F("subscriptions_processed") + outcome.subscriptions,
        heartbeat_at=clock.real_now(),
    )
    if outcome.failures:
        with transaction.atomic():
            run = InvoiceRun.objects.select_for_update().get(pk=run_id)
            run.errors = [*run.errors, *outcome.failures]
            run.save(update_fields=["errors"])


def _not_billed(run_id: uuid.UUID) -> set[uuid.UUID]:
    errors = InvoiceRun.objects.filter(pk=run_id).values_list("errors", flat=True).get()
    return {uuid.UUID(e["subscription_id"]) for e in errors}


def invoice_run_chunk_execute(*, tenant: TenantRef, chunk_id: uuid.UUID, worker: str) -> InvoiceRunChunk | None:
    """Claim the chunk for `worker` (a hostname) and bill it; the last chunk finishes
    the run. None when the chunk is unknown, finished, running in a live worker, or
    claimed by another task meanwhile. A failure is recorded and re-raised (the task
    retries it)."""
    tenant_id = tenant_pk(tenant)
    now = clock.real_now()
    claim = InvoiceRunChunk.objects.for_tenant(tenant_id).filter(_claimable(now), pk=chunk_id)
    if not claim.update(
        status=Status.RUNNING, attempts=F("attempts") + 1, worker=worker[:255], started_at=now, heartbeat_at=now
    ):
        return None
    chunk = InvoiceRunChunk.objects.select_related("run").get(pk=chunk_id)
    mine = InvoiceRunChunk.objects.filter(pk=chunk_id, attempts=chunk.attempts)

    def on_batch(outcome: billing.BatchOutcome) -> None:
        count_batch(chunk.run_id, outcome)  # the invoices exist, whoever owns the chunk now
        if not mine.update(
            invoices_created=F("invoices_created") + len(outcome.invoices),
            subscriptions_processed=F("subscriptions_processed") + outcome.subscriptions,
            heartbeat_at=clock.real_now(),
        ):
            raise ChunkTaken

    from invoices.services import invoice_due_subscriptions  # services import this module

    try:
        invoice_due_subscriptions(
            tenant=tenant_id,
            as_of=chunk.run.as_of,
            on_batch=on_batch,
            skip=_not_billed(chunk.run_id),
            within=(chunk.first_id, chunk.last_id),
        )
    except ChunkTaken:
        log.warning("invoice_run_chunk_taken", chunk_id=str(chunk_id), worker=worker)
        return None
    except Exception as exc:
        _chunk_failed(chunk, f"{type(exc).__name__}: {exc}")
        raise
    if _chunk_succeeded(chunk):
        run_finish(chunk.run)
    chunk.refresh_from_db()
    return chunk


def _chunk_failed(chunk: InvoiceRunChunk, error: str) -> None:
    now = clock.real_now()
    InvoiceRunChunk.objects.filter(pk=chunk.pk, attempts=chunk.attempts).update(
        status=Status.FAILED, error=error, finished_at=now
    )
    InvoiceRun.objects.filter(pk=chunk.run_id).update(
        status=InvoiceRun.Status.FAILED, error=f"chunk {chunk.position}: {error}", finished_at=now
    )
    log.error("invoice_run_chunk_failed", chunk_id=str(chunk.pk), run_id=str(chunk.run_id), error=error)


def _chunk_succeeded(chunk: InvoiceRunChunk) -> bool:
    """Mark the chunk succeeded; True for the one chunk whose success completes the run
    (decided under the run's row lock, so two last chunks cannot both think so)."""
    with transaction.atomic():
        run = InvoiceRun.objects.select_for_update().get(pk=chunk.run_id)
        done = InvoiceRunChunk.objects.filter(pk=chunk.pk, attempts=chunk.attempts, status=Status.RUNNING)
        if not done.update(status=Status.SUCCEEDED, finished_at=clock.real_now(), error=""):
            return False
        left = InvoiceRunChunk.objects.filter(run_id=run.pk).exclude(status=Status.SUCCEEDED).exists()
        return not left and run.status != InvoiceRun.Status.SUCCEEDED


def run_finish(run: InvoiceRun) -> None:
    """The run's last step once every chunk succeeded: bill what is still due and the
    adjustments, then mark it succeeded (once: a conditional UPDATE) and say so."""
    from invoices.services import invoice_due_subscriptions  # services import this module

    invoice_due_subscriptions(
        tenant=run.tenant_id,
        as_of=run.as_of,
        on_batch=lambda outcome: count_batch(run.pk, outcome),
        skip=_not_billed(run.pk),
    )
    now = clock.real_now()
    finished = InvoiceRun.objects.filter(pk=run.pk).exclude(status=InvoiceRun.Status.SUCCEEDED)
    if not finished.update(status=InvoiceRun.Status.SUCCEEDED, finished_at=now, error=""):
        return
    run.refresh_from_db()
    if run.started_at is not None:
        INVOICE_RUN_SECONDS.observe((now - run.started_at).total_seconds())
    invoice_run_finished.send_robust(sender=InvoiceRun, tenant_id=run.tenant_id, run=run)
    log.info("invoice_run_succeeded", run_id=str(run.pk), invoices=run.invoices_created, split=True)


def stale_chunks(now: datetime, limit: int) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """(tenant id, chunk id) of chunks running without a heartbeat for
    INVOICE_RUN_STALE_SECONDS: their worker died (the sweeper sends them again)."""
    stale = InvoiceRunChunk.unscoped().filter(status=Status.RUNNING, heartbeat_at__lt=stale_before(now))
    return list(stale.order_by("heartbeat_at").values_list("tenant_id", "pk")[:limit])


def resend_chunks(chunks: list[tuple[uuid.UUID, uuid.UUID]]) -> None:
    for tenant_id, chunk_id in chunks:
        _send_on_commit(tenant_id, [chunk_id])
