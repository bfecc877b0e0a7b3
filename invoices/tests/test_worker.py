"""End to end through Redis and a real Celery worker (not eager): a run queued by the
API is picked up by the worker, and the API reports it finished with its invoices."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from decimal import Decimal

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_prerun

from billing_project.celery import app
from invoices import tasks
from invoices.models import Invoice
from plans.models import Meter
from plans.pricing import ChargeSpec
from plans.tests.factories import PlanFactory, add_charge
from subscriptions.tests.factories import SubscriptionFactory
from tenants.tests.utils import at
from usage.tests.factories import use

POLL_FOR_SECONDS = 30


@pytest.fixture
def worker() -> Iterator[list[tuple[str, int]]]:
    """A worker thread consuming the test broker, with eager execution off meanwhile.
    Yields the (task name, thread id) of every task it starts."""
    started: list[tuple[str, int]] = []

    def on_prerun(task=None, **kwargs):
        started.append((task.name, threading.get_ident()))

    task_prerun.connect(on_prerun, weak=False)
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield started
    finally:
        app.conf.task_always_eager = eager
        task_prerun.disconnect(on_prerun)
        app.control.purge()  # nothing queued here is left for a later test's worker


def poll_run(api, url: str) -> dict:
    """The run's body once it finished (or as it is when the bounded wait ends)."""
    deadline = time.monotonic() + POLL_FOR_SECONDS
    body = api.get(url).json()
    while body["status"] in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.1)
        body = api.get(url).json()
    return body


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_carries_out_a_run_queued_by_the_api(api, turl, tenant, worker):
    plan = PlanFactory(tenant=tenant, name="Pro", amount=Decimal("49.00"))
    add_charge(plan, ChargeSpec.per_unit(Decimal("0.10")), meter="storage_gb", aggregation=Meter.Aggregation.SUM)
    subs = [SubscriptionFactory(tenant=tenant, plan=plan, start_at=at(2026, 1, 1)) for _ in range(3)]
    for n, sub in enumerate(subs, start=1):
        use(sub, "storage_gb", 10 * n, at(2026, 1, 10))

    response = api.post(turl("invoices/run"), {"as_of": "2026-02-01T00:00:00Z"})
    assert response.status_code == 202
    assert response.json()["status"] == "queued"

    body = poll_run(api, turl(f"invoice-runs/{response.json()['id']}"))

    assert (body["status"], body["invoices_created"], body["error"]) == ("succeeded", 3, "")
    assert body["started_at"] is not None
    assert body["finished_at"] is not None
    # The worker's thread ran it, not this one (eager execution was off).
    runs = [ident for name, ident in worker if name == tasks.invoice_run_tenant.name]
    assert len(runs) == 1
    assert runs[0] != threading.get_ident()
    invoices = Invoice.objects.for_tenant(tenant).order_by("number")
    assert [i.number for i in invoices] == ["INV-000001", "INV-000002", "INV-000003"]
    # 49.00 plus 10, 20 and 30 GB at 0.10
    totals = {i.subscription_id: i.total for i in invoices}
    assert totals == {subs[0].id: Decimal("50.00"), subs[1].id: Decimal("51.00"), subs[2].id: Decimal("52.00")}
    listed = api.get(turl("invoices")).json()["results"]
    assert sorted(item["total"] for item in listed) == ["50.00", "51.00", "52.00"]
