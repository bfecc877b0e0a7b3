"""End to end through Redis and a real Celery worker (not eager): a run queued by the
API is picked up by the worker, and the API reports it finished with its invoices; a
sandbox driven month by month by clock advances bills what a live tenant with the
same story, backdated, is billed."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_prerun
from rest_framework.test import APIClient

from billing_project.celery import app
from invoices import tasks
from invoices.models import Invoice
from invoices.services import subscription_cancel
from plans.models import Meter
from plans.pricing import ChargeSpec
from plans.tests.factories import PlanFactory, add_charge
from subscriptions.tests.factories import SubscriptionFactory
from tenants import tasks as tenant_tasks
from tenants.isolation import tenant_scope
from tenants.tests.factories import PASSWORD
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


def poll(api, url: str, busy: tuple[str, ...] = ("queued", "running")) -> dict:
    """The body at `url` once its status is no longer `busy` (or as it is when the
    bounded wait ends): a run once it finished, a clock once it advanced."""
    deadline = time.monotonic() + POLL_FOR_SECONDS
    body = api.get(url).json()
    while body["status"] in busy and time.monotonic() < deadline:
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

    body = poll(api, turl(f"invoice-runs/{response.json()['id']}"))

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


# A sandbox month by month, and the same story in a live tenant --------------------------------

PRO = {
    "code": "pro", "name": "Pro", "currency": "USD", "interval": "month", "amount": "49.00", "trial_days": 14,
    "charges": [{"meter": "api_calls", "model": "tiered", "tiers": [
        {"up_to": 1000, "unit_amount": "0"}, {"up_to": None, "unit_amount": "0.002"}]}],
}  # fmt: skip
# (when, API calls) of the story: in the trial (free), in the first period, in the second.
CALLS = [(at(2026, 1, 3), "9000"), (at(2026, 1, 20), "3000"), (at(2026, 2, 20), "500")]


def set_up(api, base: str, **subscription: str) -> str:
    """The catalog, cus_42 and its subscription to Pro (14-day trial); the subscription's id."""
    assert (
        api.post(
            f"{base}/meters", {"code": "api_calls", "name": "Calls", "aggregation": "sum"}, format="json"
        ).status_code
        == 201
    )
    plan = api.post(f"{base}/plans", PRO, format="json").json()["id"]
    customer = api.post(f"{base}/customers", {"external_id": "cus_42", "name": "Globex"}, format="json").json()["id"]
    created = api.post(
        f"{base}/subscriptions", {"customer_id": customer, "plan_id": plan, **subscription}, format="json"
    )
    assert created.status_code == 201, created.content
    return created.json()["id"]


def send(api, base: str, n: int, value: str, **timestamp: str) -> None:
    event = {"external_customer_id": "cus_42", "meter": "api_calls", "value": value, **timestamp}
    assert api.post(f"{base}/usage", event, format="json", HTTP_IDEMPOTENCY_KEY=f"calls-{n}").status_code == 201


def billed(api, base: str, subscription_id: str) -> dict:
    invoices = api.get(f"{base}/invoices", {"limit": 500}).json()["results"]
    shown = [
        {k: i[k] for k in ("number", "billing_reason", "period_start", "period_end", "status", "subtotal", "total")}
        | {"lines": [(line["kind"], line.get("meter"), line["quantity"], line["amount"]) for line in i["lines"]]}
        for i in sorted(invoices, key=lambda i: i["number"])
    ]
    sub = api.get(f"{base}/subscriptions/{subscription_id}").json()
    return {"invoices": shown, "subscription": (sub["status"], sub["trial_end"], sub["canceled_at"])}


@pytest.mark.django_db(transaction=True)
def test_a_sandbox_advanced_month_by_month_bills_what_a_live_backdated_tenant_is_billed(worker):
    client = APIClient()
    signup = {"name": "Sandbox", "admin_email": "box@example.test", "admin_password": PASSWORD}
    box = client.post("/v1/tenants", {**signup, "sandbox": True, "clock_time": "2026-01-01T00:00:00Z"}, format="json")
    live = client.post("/v1/tenants", {**signup, "name": "Live", "admin_email": "live@example.test"}, format="json")
    box_api, live_api = APIClient(), APIClient()
    box_api.credentials(HTTP_AUTHORIZATION=f"Bearer {box.json()['access']}")
    live_api.credentials(HTTP_AUTHORIZATION=f"Bearer {live.json()['access']}")
    box_base, live_base = (f"/v1/tenants/{r.json()['tenant']['id']}" for r in (box, live))

    # The sandbox: everything at its clock, through the API; the worker advances it.
    box_sub = set_up(box_api, box_base)  # starts at the clock, January 1st
    for n, (when, value) in enumerate(CALLS):
        if n:  # to that day, then the calls at the clock (no timestamp)
            advanced = box_api.post(f"{box_base}/clock/advance", {"to": when.isoformat()}, format="json")
            assert advanced.status_code == 202, advanced.content
            assert poll(box_api, f"{box_base}/clock", busy=("advancing",))["status"] == "ready"
        send(box_api, box_base, n, value)
    cancel = box_api.post(f"{box_base}/subscriptions/{box_sub}/cancel", {"at_period_end": True}, format="json")
    assert cancel.status_code == 200, cancel.content
    assert box_api.post(f"{box_base}/clock/advance", {"to": "2026-04-01T00:00:00Z"}, format="json").status_code == 202
    assert poll(box_api, f"{box_base}/clock", busy=("advancing",)) == {
        "time": "2026-04-01T00:00:00.000000Z", "status": "ready", "advancing_to": None,
    }  # fmt: skip

    # The live tenant: the same story backdated, runs as of each moment by the worker.
    live_sub = set_up(live_api, live_base, start_at="2026-01-01T00:00:00Z")
    for n, (when, value) in enumerate(CALLS):
        send(live_api, live_base, n, value, timestamp=when.isoformat())
        run = live_api.post(f"{live_base}/invoices/run", {"as_of": when.isoformat()}, format="json").json()
        assert poll(live_api, f"{live_base}/invoice-runs/{run['id']}")["status"] == "succeeded"
    live_id = uuid.UUID(live.json()["tenant"]["id"])
    with tenant_scope(live_id):  # the API would cancel as of today: the service, as of the story's day
        subscription_cancel(tenant=live_id, subscription_id=uuid.UUID(live_sub), at_period_end=True, now=CALLS[-1][0])
    run = live_api.post(f"{live_base}/invoices/run", {"as_of": "2026-04-01T00:00:00Z"}, format="json").json()
    assert poll(live_api, f"{live_base}/invoice-runs/{run['id']}")["status"] == "succeeded"

    sandbox_billed, live_billed = billed(box_api, box_base, box_sub), billed(live_api, live_base, live_sub)
    assert sandbox_billed == live_billed
    assert [
        (i["number"], i["period_start"][:10], i["period_end"][:10], i["total"]) for i in sandbox_billed["invoices"]
    ] == [
        ("INV-000001", "2026-01-15", "2026-02-15", "53.00"),  # 49.00 + 2,000 calls above the free 1,000 at 0.002
        ("INV-000002", "2026-02-15", "2026-03-15", "49.00"),  # 500 calls: free; then canceled
    ]
    assert sandbox_billed["subscription"] == ("canceled", "2026-01-15T00:00:00.000000Z", "2026-03-15T00:00:00.000000Z")
    assert any(name == tenant_tasks.clock_advance_execute.name for name, _ in worker)
