"""The sweeper that recovers lost messages, and one run through a real Celery worker."""

import threading
from datetime import timedelta

import pytest
import time_machine
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.db import transaction
from kombu.exceptions import OperationalError

from billing_project.celery import app
from webhooks import services, tasks
from webhooks.models import EventType, WebhookDelivery
from webhooks.services import event_publish
from webhooks.tests.conftest import INVOICE, T0, requests_to, verify
from webhooks.tests.factories import WebhookDeliveryFactory


def test_the_sweeper_queues_deliveries_whose_message_was_lost(
    tenant, endpoint, receiver, django_capture_on_commit_callbacks
):
    with time_machine.travel(T0, tick=False):
        overdue = WebhookDeliveryFactory(
            tenant=tenant, endpoint=endpoint, status=WebhookDelivery.Status.FAILED, attempts=2, next_attempt_at=T0
        )
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False), django_capture_on_commit_callbacks(execute=True):
        queued = tasks.webhook_deliveries_sweep()

    assert queued == 1
    overdue.refresh_from_db()
    assert overdue.status == WebhookDelivery.Status.SUCCEEDED
    assert overdue.attempts == 3
    assert len(requests_to(receiver, "/hook")) == 1


def test_the_sweeper_leaves_deliveries_that_are_not_overdue_or_are_finished(tenant, endpoint, receiver):
    with time_machine.travel(T0, tick=False):
        WebhookDeliveryFactory(
            tenant=tenant, endpoint=endpoint, next_attempt_at=T0
        )  # due, but its message may be on its way
        WebhookDeliveryFactory(tenant=tenant, endpoint=endpoint, next_attempt_at=T0 + timedelta(hours=1))
        for finished in (WebhookDelivery.Status.SUCCEEDED, WebhookDelivery.Status.DEAD):
            WebhookDeliveryFactory(
                tenant=tenant, endpoint=endpoint, status=finished, next_attempt_at=T0 - timedelta(hours=1)
            )
        assert services.webhook_deliveries_sweep(now=T0 + timedelta(seconds=30)) == 0
    assert receiver.log == []


def test_a_broker_outage_at_commit_loses_nothing(
    tenant, endpoint, receiver, monkeypatch, django_capture_on_commit_callbacks
):
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to redis")

    with time_machine.travel(T0, tick=False) as clock:
        with monkeypatch.context() as patch:
            patch.setattr(tasks.webhook_delivery_attempt, "delay", broker_down)
            with django_capture_on_commit_callbacks(execute=True):
                event = event_publish(tenant=tenant, type=EventType.INVOICE_PAID, data=INVOICE)  # no exception
        delivery = WebhookDelivery.objects.for_tenant(tenant).get(event=event)
        assert delivery.status == WebhookDelivery.Status.PENDING
        assert receiver.log == []

        clock.shift(services.SWEEP_GRACE + timedelta(seconds=1))
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.webhook_deliveries_sweep() == 1
        [request] = requests_to(receiver, "/hook")
        assert verify(request, endpoint.secret)["id"] == event.public_id

    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.SUCCEEDED


def test_a_last_attempt_whose_worker_died_makes_the_delivery_dead(tenant, endpoint, receiver, settings):
    # Claimed for its 8th attempt (attempts already counted), never recorded, lease expired.
    delivery = WebhookDeliveryFactory(
        tenant=tenant, endpoint=endpoint, status=WebhookDelivery.Status.FAILED, attempts=settings.WEBHOOK_MAX_ATTEMPTS
    )

    assert services.webhook_delivery_attempt(tenant=tenant, delivery_id=delivery.pk) is None

    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.DEAD
    assert delivery.last_error == services.ATTEMPT_LOST
    assert receiver.log == []


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_delivers_what_was_published_on_commit(tenant, endpoint, receiver, settings):
    """End to end through Redis and a Celery worker thread (not eager)."""
    done = threading.Event()

    def on_postrun(task=None, **kwargs):
        if task is not None and task.name == tasks.webhook_delivery_attempt.name:
            done.set()

    task_postrun.connect(on_postrun, weak=False)
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            with transaction.atomic():
                event = event_publish(tenant=tenant, type=EventType.SUBSCRIPTION_CREATED, data={"id": "sub_1"})
                assert receiver.log == []  # nothing leaves before the commit
            assert done.wait(timeout=30)
    finally:
        app.conf.task_always_eager = True
        task_postrun.disconnect(on_postrun)

    delivery = WebhookDelivery.objects.for_tenant(tenant).get(event=event)
    assert delivery.status == WebhookDelivery.Status.SUCCEEDED
    [request] = requests_to(receiver, "/hook")
    assert verify(request, endpoint.secret)["data"] == {"id": "sub_1"}
