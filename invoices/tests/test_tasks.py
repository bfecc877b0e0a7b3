"""The Celery tasks of invoicing: the beat fan-out (one queued run per tenant), the
run task (ids in, safe to run twice) and the Prometheus instruments a run moves.
Celery is eager in the tests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine
from prometheus_client import REGISTRY

from invoices import tasks
from invoices.models import Invoice, InvoiceRun
from plans.tests.factories import PlanFactory
from subscriptions.tests.factories import SubscriptionFactory
from tenants.tests.factories import TenantFactory

pytestmark = pytest.mark.django_db

JAN_1 = datetime(2026, 1, 1, tzinfo=UTC)
NOW = datetime(2026, 2, 1, 0, 5, tzinfo=UTC)


def test_the_beat_job_queues_one_run_per_tenant(tenant, other_tenant, django_capture_on_commit_callbacks):
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks() as queued:
        assert tasks.invoice_run_all_tenants() == 2

    runs = list(InvoiceRun.unscoped().all())
    assert sorted(r.tenant_id for r in runs) == sorted([tenant.id, other_tenant.id])
    assert {(r.status, r.as_of) for r in runs} == {(InvoiceRun.Status.QUEUED, NOW)}
    assert len(queued) == 2  # each run's task is sent once the transaction commits
    assert not Invoice.unscoped().exists()


def test_the_queued_runs_invoice_each_tenant(tenant, other_tenant, django_capture_on_commit_callbacks):
    mine = SubscriptionFactory(tenant=tenant, start_at=JAN_1)
    theirs = SubscriptionFactory(tenant=other_tenant, start_at=JAN_1)
    TenantFactory(name="Initech")  # nothing to bill: a run all the same

    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        assert tasks.invoice_run_all_tenants() == 3

    assert sorted(i.subscription_id for i in Invoice.unscoped().all()) == sorted([mine.id, theirs.id])
    assert sorted(r.invoices_created for r in InvoiceRun.unscoped().all()) == [0, 1, 1]
    assert {r.status for r in InvoiceRun.unscoped().all()} == {InvoiceRun.Status.SUCCEEDED}


def test_the_run_task_is_safe_to_run_twice(tenant):
    SubscriptionFactory(tenant=tenant, start_at=JAN_1)
    run = InvoiceRun.objects.create(tenant=tenant, as_of=NOW)

    with time_machine.travel(NOW, tick=False):
        assert tasks.invoice_run_tenant.delay(str(tenant.id), str(run.id)).get() == 1
        assert tasks.invoice_run_tenant.delay(str(tenant.id), str(run.id)).get() == 0  # finished: left alone

    run.refresh_from_db()
    assert (run.status, run.invoices_created, run.subscriptions_processed) == (InvoiceRun.Status.SUCCEEDED, 1, 1)
    assert Invoice.objects.for_tenant(tenant).count() == 1


def test_the_run_task_ignores_a_run_of_another_tenant_or_none(tenant, other_tenant):
    run = InvoiceRun.objects.create(tenant=other_tenant, as_of=NOW)
    assert tasks.invoice_run_tenant.delay(str(tenant.id), str(run.id)).get() == 0
    assert tasks.invoice_run_tenant.delay(str(tenant.id), str(uuid.uuid4())).get() == 0
    run.refresh_from_db()
    assert run.status == InvoiceRun.Status.QUEUED


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_a_run_moves_the_prometheus_instruments(tenant, client):
    SubscriptionFactory(tenant=tenant, start_at=JAN_1)
    SubscriptionFactory(tenant=tenant, start_at=JAN_1, plan=PlanFactory(tenant=tenant, amount=Decimal(0)))
    run = InvoiceRun.objects.create(tenant=tenant, as_of=NOW)
    before = (
        sample("billing_invoices_total", status="open"),
        sample("billing_invoices_total", status="paid"),
        sample("billing_invoice_run_seconds_count"),
    )

    with time_machine.travel(NOW, tick=False):
        assert tasks.invoice_run_tenant.delay(str(tenant.id), str(run.id)).get() == 2

    after = (
        sample("billing_invoices_total", status="open"),
        sample("billing_invoices_total", status="paid"),
        sample("billing_invoice_run_seconds_count"),
    )
    assert [b - a for a, b in zip(before, after, strict=True)] == [1, 1, 1]
    exposed = client.get("/metrics").content.decode()
    assert f'billing_invoices_total{{status="open"}} {after[0]}' in exposed
    assert f"billing_invoice_run_seconds_count {after[2]}" in exposed
