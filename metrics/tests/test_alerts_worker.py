"""Alerts end to end: a sandbox tenant set up through the API, 32 threads posting usage
over HTTP while a real Celery worker runs the debounced evaluations and delivers
`alert.triggered` to a real HTTP receiver: each (threshold, period) arrives once.
Then the sandbox's clock moves to the next period and the thresholds fire again there."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from decimal import Decimal

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import connection
from pytest_httpserver import HTTPServer
from rest_framework.test import APIClient

from billing_project.celery import app
from invoices.tests.test_worker import poll
from metrics import alert_watch, tasks
from tenants.tests.factories import PASSWORD

THREADS, POSTS_PER_THREAD = 32, 5
SETTLE_SECONDS = 60


@pytest.fixture
def worker(settings) -> Iterator[list[str]]:
    """A worker thread on the test broker (eager execution off), evaluating one second
    after usage; yields the names of the tasks it starts."""
    from celery.signals import task_prerun

    started: list[str] = []

    def on_prerun(task=None, **kwargs):
        started.append(task.name)

    settings.ALERTS_EVALUATION_DELAY_SECONDS = 1
    alert_watch._SUBSCRIPTIONS.clear()
    task_prerun.connect(on_prerun, weak=False)
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield started
    finally:
        app.conf.task_always_eager = eager
        task_prerun.disconnect(on_prerun)
        app.control.purge()


def alerts_received(server: HTTPServer) -> list[dict]:
    bodies = [json.loads(request.get_data()) for request, _ in server.log if request.path == "/hook"]
    return [body["data"] for body in bodies if body["type"] == "alert.triggered"]


def wait_for(server: HTTPServer, count: int) -> list[dict]:
    """The alerts received once there are `count` (or when the bounded wait ends), and a
    little longer, so that a duplicate would have arrived too."""
    deadline = time.monotonic() + SETTLE_SECONDS
    while len(alerts_received(server)) < count and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(3)
    return alerts_received(server)


def set_up(httpserver: HTTPServer) -> tuple[APIClient, str, str, str]:
    """A sandbox whose clock reads 2026-01-10, Pro (0.10 per call), cus_1 subscribed at
    the clock (its periods start on the 10th), a webhook endpoint at the receiver and an
    API key; returns (admin client, base path, subscription id, key)."""
    client = APIClient()
    body = {"name": "Box", "admin_email": "box@example.test", "admin_password": PASSWORD, "sandbox": True,
            "clock_time": "2026-01-10T00:00:00.000000Z"}  # fmt: skip
    signup = client.post("/v1/tenants", body, format="json").json()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {signup['access']}")
    base = f"/v1/tenants/{signup['tenant']['id']}"
    plan = {"code": "pro", "name": "Pro", "currency": "USD", "interval": "month", "amount": "49.00",
            "charges": [{"meter": "api_calls", "model": "per_unit", "unit_amount": "0.10"}]}  # fmt: skip
    created = [
        api.post(f"{base}/meters", {"code": "api_calls", "name": "Calls", "aggregation": "sum"}, format="json"),
        api.post(f"{base}/plans", plan, format="json"),
        api.post(f"{base}/customers", {"external_id": "cus_1", "name": "Globex"}, format="json"),
        api.post(f"{base}/webhook-endpoints", {"url": httpserver.url_for("/hook")}, format="json"),
    ]
    assert [r.status_code for r in created] == [201] * 4, [r.content for r in created]
    sub = api.post(f"{base}/subscriptions", {"customer_id": created[2].json()["id"], "plan_id": created[1].json()["id"]},
                   format="json")  # fmt: skip
    assert sub.status_code == 201, sub.content
    key = api.post(f"{base}/api-keys", {"name": "backend"}, format="json").json()["key"]
    return api, base, sub.json()["id"], key


def post_usage_concurrently(base: str, key: str, prefix: str, value: str) -> list[int]:
    """THREADS threads, each posting POSTS_PER_THREAD events of `value` calls at the clock."""
    barrier = threading.Barrier(THREADS)
    statuses: list[int] = []

    def send(n: int) -> None:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
        try:
            barrier.wait()
            for m in range(POSTS_PER_THREAD):
                event = {"external_customer_id": "cus_1", "meter": "api_calls", "value": value}
                response = client.post(f"{base}/usage", event, format="json", HTTP_IDEMPOTENCY_KEY=f"{prefix}-{n}-{m}")
                statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


@pytest.mark.django_db(transaction=True)
def test_concurrent_ingestion_fires_each_threshold_once_per_period_of_the_sandbox_clock(httpserver, worker):
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    api, base, sub_id, key = set_up(httpserver)
    alert = api.post(f"{base}/subscriptions/{sub_id}/alerts", {"type": "usage_amount", "thresholds": ["10"],
                     "step": "10"}, format="json")  # fmt: skip
    assert alert.status_code == 201, alert.content

    # 32 × 5 events of 10 calls: 1,600 calls, 160.00 → 10.00, 20.00, …, 160.00.
    statuses = post_usage_concurrently(base, key, "jan", "10")
    assert statuses == [201] * THREADS * POSTS_PER_THREAD
    january = wait_for(httpserver, 16)

    assert sorted(a["threshold"] for a in january) == sorted(f"{n * 10}.00" for n in range(1, 17))
    assert {(a["alert_id"], a["period_start"], a["subscription_id"]) for a in january} == {
        (alert.json()["id"], "2026-01-10T00:00:00.000000Z", sub_id)
    }
    assert [a["value"] for a in january if a["threshold"] == "160.00"] == ["160.00"]
    evaluations = worker.count(tasks.alerts_evaluate_subscriptions.name)
    assert 1 <= evaluations < THREADS * POSTS_PER_THREAD  # debounced: far fewer than the requests

    # The sandbox's clock moves into the next period (the worker advances it and bills
    # January); February's usage fires the thresholds again, for February.
    assert api.post(f"{base}/clock/advance", {"to": "2026-02-12T00:00:00.000000Z"}, format="json").status_code == 202
    assert poll(api, f"{base}/clock", busy=("advancing",))["status"] == "ready"
    statuses = post_usage_concurrently(base, key, "feb", "1")  # 160 calls: 16.00
    assert set(statuses) == {201}
    both = wait_for(httpserver, 17)

    assert len(both) == 17
    (february,) = [a for a in both if a["period_start"] != "2026-01-10T00:00:00.000000Z"]
    assert (february["period_start"], february["threshold"]) == ("2026-02-10T00:00:00.000000Z", "10.00")
    assert Decimal("10.00") <= Decimal(february["value"]) <= Decimal("16.00")  # as far as usage had come
