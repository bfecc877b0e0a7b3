"""A run is never lost: the beat sweeper sends again the task of a run left `queued`
(its message never reached the broker) or `running` (its worker was killed) for longer
than INVOICE_RUN_STALE_SECONDS, and a live worker's run is taken by no second task.
Celery is eager in the tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from kombu.exceptions import OperationalError

from billing_project.celery import app
from invoices import services, tasks
from invoices.models import Invoice, InvoiceRun
from ops.management.commands.ensure_periodic_tasks import DEFAULT_SCHEDULES
from subscriptions.tests.factories import SubscriptionFactory
from webhooks.services import retry_delay

pytestmark = pytest.mark.django_db

JAN_1 = datetime(2026, 1, 1, tzinfo=UTC)
NOW = datetime(2026, 2, 1, 0, 5, tzinfo=UTC)
STALE = timedelta(minutes=15)


@pytest.fixture(autouse=True)
def _stale_after_15_minutes(settings):
    settings.INVOICE_RUN_STALE_SECONDS = int(STALE.total_seconds())


def sweep(at: datetime, capture) -> int:
    with time_machine.travel(at, tick=False), capture(execute=True):
        return tasks.invoice_runs_sweep()


def test_a_run_left_running_by_a_killed_worker_is_sent_again_and_succeeds(tenant, django_capture_on_commit_callbacks):
    subscription = SubscriptionFactory(tenant=tenant, start_at=JAN_1)
    # What a worker killed mid-run leaves: running, no heartbeat for more than 15 minutes.
    then = NOW - STALE - timedelta(seconds=1)
    run = InvoiceRun.objects.create(
        tenant=tenant, as_of=NOW, status=InvoiceRun.Status.RUNNING, started_at=then, heartbeat_at=then
    )

    assert sweep(NOW, django_capture_on_commit_callbacks) == 1

    run.refresh_from_db()
    assert (run.status, run.invoices_created, run.subscriptions_processed) == (InvoiceRun.Status.SUCCEEDED, 1, 1)
    assert (run.started_at, run.heartbeat_at, run.finished_at, run.error) == (NOW, NOW, NOW, "")
    assert list(Invoice.objects.for_tenant(tenant).values_list("subscription_id", flat=True)) == [subscription.id]
    assert sweep(NOW + STALE * 2, django_capture_on_commit_callbacks) == 0  # finished: nothing to send


@pytest.mark.parametrize("started", [STALE - timedelta(seconds=1), STALE * 10])
def test_a_run_of_a_live_worker_is_left_alone(tenant, django_capture_on_commit_callbacks, started):
    """Alive: a heartbeat within the timeout, however long ago the run started."""
    SubscriptionFactory(tenant=tenant, start_at=JAN_1)
    run = InvoiceRun.objects.create(
        tenant=tenant,
        as_of=NOW,
        status=InvoiceRun.Status.RUNNING,
        started_at=NOW - started,
        heartbeat_at=NOW - STALE + timedelta(seconds=1),
    )

    assert sweep(NOW, django_capture_on_commit_callbacks) == 0
    # A second message for it (a redelivery) does not run it beside the live worker.
    with time_machine.travel(NOW, tick=False):
        assert tasks.invoice_run_tenant.delay(str(tenant.id), str(run.id)).get() == 0

    run.refresh_from_db()
    assert (run.status, run.started_at) == (InvoiceRun.Status.RUNNING, NOW - started)
    assert not Invoice.objects.for_tenant(tenant).exists()


def test_a_queued_run_whose_task_was_never_sent_is_picked_up(
    key_api, turl, tenant, monkeypatch, django_capture_on_commit_callbacks
):
    subscription = SubscriptionFactory(tenant=tenant, start_at=JAN_1)

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to redis")

    with monkeypatch.context() as patch:
        patch.setattr(tasks.invoice_run_tenant, "delay", broker_down)
        with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
            response = key_api.post(turl("invoices/run"), {})  # an API key: the clock is moved
    assert response.status_code == 202
    run = InvoiceRun.objects.get(pk=response.json()["id"])
    assert run.status == InvoiceRun.Status.QUEUED

    assert sweep(NOW + STALE - timedelta(seconds=1), django_capture_on_commit_callbacks) == 0  # may be on its way
    assert sweep(NOW + STALE + timedelta(seconds=1), django_capture_on_commit_callbacks) == 1

    body = key_api.get(turl(f"invoice-runs/{run.id}")).json()
    assert (body["status"], body["invoices_created"], body["error"]) == ("succeeded", 1, "")
    assert Invoice.objects.for_tenant(tenant).get().subscription_id == subscription.id


def test_the_sweeper_leaves_finished_and_failed_runs_to_their_owners(
    tenant, other_tenant, django_capture_on_commit_callbacks
):
    old = NOW - timedelta(days=1)
    with time_machine.travel(old, tick=False):
        for status in (InvoiceRun.Status.SUCCEEDED, InvoiceRun.Status.FAILED):
            InvoiceRun.objects.create(tenant=tenant, as_of=old, status=status, started_at=old)
        stale = InvoiceRun.objects.create(tenant=other_tenant, as_of=old)  # any tenant's

    assert sweep(NOW, django_capture_on_commit_callbacks) == 1

    statuses = dict(InvoiceRun.unscoped().values_list("pk", "status"))
    assert statuses.pop(stale.pk) == InvoiceRun.Status.SUCCEEDED
    assert sorted(statuses.values()) == [InvoiceRun.Status.FAILED, InvoiceRun.Status.SUCCEEDED]


def test_with_the_broker_still_down_the_sweeper_keeps_the_run_for_the_next_sweep(
    tenant, monkeypatch, django_capture_on_commit_callbacks
):
    run = InvoiceRun.objects.create(tenant=tenant, as_of=NOW - STALE * 2)
    run.created_at = NOW - STALE * 2
    run.save(update_fields=["created_at"])

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to redis")

    monkeypatch.setattr(tasks.invoice_run_tenant, "delay", broker_down)
    assert sweep(NOW, django_capture_on_commit_callbacks) == 1  # no exception

    run.refresh_from_db()
    assert run.status == InvoiceRun.Status.QUEUED


def test_the_sweeper_is_a_default_beat_schedule_more_often_than_the_timeout(settings):
    [minutes] = [every for _, task, every in DEFAULT_SCHEDULES if task == "invoices.tasks.invoice_runs_sweep"]
    assert timedelta(minutes=minutes) < STALE
    assert services.RUN_SWEEP_BATCH > 0


def test_tasks_survive_a_dead_worker_and_are_not_redelivered_while_waiting():
    """Acknowledged when done, back in the queue when their worker process dies; and the
    broker's visibility timeout exceeds every retry countdown and webhook retry ETA, or
    Redis would hand a waiting task to a second worker."""
    app.loader.import_default_modules()  # every app's tasks, whichever tests ran before
    conf = app.conf
    assert (conf.task_acks_late, conf.task_reject_on_worker_lost) == (True, True)
    visibility = conf.broker_transport_options["visibility_timeout"]
    countdowns = [
        getattr(task, "retry_backoff_max", 600)  # Celery's default
        for name, task in app.tasks.items()
        if name.split(".")[0] in {"invoices", "payments", "webhooks", "metrics"} and getattr(task, "autoretry_for", ())
    ]
    assert max(countdowns) == 3600  # invoice_collect_payment
    assert visibility > max(countdowns)
    from django.conf import settings

    longest_eta = retry_delay(settings.WEBHOOK_MAX_ATTEMPTS - 1, rand=lambda: 0.0)
    assert visibility > longest_eta.total_seconds()
