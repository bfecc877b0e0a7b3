"""/metrics in Prometheus multiprocess mode, with real processes: gunicorn (the config of
the Procfile and the Dockerfile, two workers) and a Celery worker (prefork) share one
PROMETHEUS_MULTIPROC_DIR, and the web /metrics adds up the samples of all of them.

`--max-requests 4` makes each gunicorn worker exit after four requests, so the twelve
usage requests are served by at least three processes (two of them gone by the scrape):
a /metrics that read one process, or forgot dead ones, could not count twelve.
Everything listens on 127.0.0.1 and every wait is bounded.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from django.conf import settings
from django.db import connection
from prometheus_client import CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from plans.tests.factories import MeterFactory, PlanFactory
from subscriptions.tests.factories import CustomerFactory
from tenants.services import api_key_create
from webhooks.models import WebhookDelivery
from webhooks.tests.factories import WebhookEndpointFactory

ROOT = Path(settings.BASE_DIR)
USAGE_REQUESTS = 12
WAIT_SECONDS = 120

pytestmark = pytest.mark.django_db(transaction=True)  # the servers read what the test wrote


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
        time.sleep(0.2)
    raise AssertionError(f"gave up waiting for {what}")


@pytest.fixture
def multiproc_dir(tmp_path: Path) -> Path:
    return tmp_path / "prometheus"


@pytest.fixture
def server_env(multiproc_dir: Path) -> dict[str, str]:
    """The environment of `make run`'s processes, pointed at the test database."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "billing_project.settings_test",
        "DATABASE_URL": _database_url(),
        "PROMETHEUS_MULTIPROC_DIR": str(multiproc_dir),
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "LOG_LEVEL": "WARNING",
    }


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def _stop(process: subprocess.Popen[bytes], log: Path) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    print(log.read_text(errors="replace")[-3000:])  # shown when the test fails


@pytest.fixture
def web(server_env: dict[str, str], tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    args = [
        str(ROOT / ".venv/bin/gunicorn"),
        "-c",
        str(ROOT / "billing_project/gunicorn.conf.py"),
        "billing_project.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "2",
        "--max-requests",
        "4",
        # gunicorn's control socket is one path per user (~/.gunicorn/gunicorn.ctl): a
        # server of another test process, or `make run`, would share it.
        "--no-control-socket",
    ]
    log = tmp_path / "gunicorn.log"
    process = _start(args, server_env, log)
    base = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        try:
            # A patient probe: each worker exits after 4 requests, and one abandoned while
            # a worker still imports the app (seconds on a busy machine) would count.
            return requests.get(f"{base}/healthz", timeout=WAIT_SECONDS).ok
        except requests.RequestException:
            return process.poll() is not None  # exited: stop waiting, the asserts will say

    try:
        _wait_for(healthy, "gunicorn")
        assert process.poll() is None, log.read_text(errors="replace")
        yield base
    finally:
        _stop(process, log)


@pytest.fixture
def celery_worker(server_env: dict[str, str], tmp_path: Path) -> Iterator[None]:
    args = [
        str(ROOT / ".venv/bin/celery"),
        "-A",
        "billing_project",
        "worker",
        "--pool",
        "prefork",
        "--concurrency",
        "1",
        "--loglevel",
        "WARNING",
        "--hostname",
        f"metrics-test-{os.getpid()}@%h",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    log = tmp_path / "celery.log"
    process = _start(args, server_env, log)
    try:
        yield
    finally:
        _stop(process, log)


@pytest.fixture
def account(tenant: Any, httpserver: Any) -> dict[str, Any]:
    """An API key, a customer, a meter, a plan, and a webhook endpoint on a local receiver."""
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    customer = CustomerFactory(tenant=tenant, external_id="acme_1")
    MeterFactory(tenant=tenant, code="api_calls")
    plan = PlanFactory(tenant=tenant)
    WebhookEndpointFactory(tenant=tenant, url=httpserver.url_for("/hook"))
    _, key = api_key_create(tenant=tenant, name="backend")
    return {
        "path": f"/v1/tenants/{tenant.id}",
        "headers": {"Authorization": f"Bearer {key}"},
        "subscription": {"customer_id": str(customer.id), "plan_id": str(plan.id)},
    }


def _samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _accepted_by_process(directory: Path, scratch: Path) -> list[float]:
    """`billing_usage_events_total{outcome="accepted"}` of each process's own file."""
    counts = []
    for index, path in enumerate(sorted(directory.glob("counter_*.db"))):
        alone = scratch / str(index)
        alone.mkdir(parents=True)
        shutil.copy(path, alone)
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=str(alone))
        value = registry.get_sample_value("billing_usage_events_total", {"outcome": "accepted"})
        counts.append(value or 0.0)
    return counts


def test_metrics_add_up_every_web_worker_and_the_celery_worker(
    web, celery_worker, account, tenant, multiproc_dir, tmp_path
):
    usage = f"{web}{account['path']}/usage"
    for number in range(USAGE_REQUESTS):
        headers = {**account["headers"], "Idempotency-Key": f"key-{number}"}
        body = {"external_customer_id": "acme_1", "meter": "api_calls"}
        response = requests.post(usage, json=body, headers=headers, timeout=WAIT_SECONDS)
        assert response.status_code == 201, response.text
    # subscription.created, delivered to the receiver by the Celery worker
    response = requests.post(
        f"{web}{account['path']}/subscriptions",
        json=account["subscription"],
        headers=account["headers"],
        timeout=WAIT_SECONDS,
    )
    assert response.status_code == 201, response.text
    succeeded = WebhookDelivery.objects.for_tenant(tenant).filter(status=WebhookDelivery.Status.SUCCEEDED)
    _wait_for(succeeded.exists, "the Celery worker's webhook delivery")

    samples = _samples(requests.get(f"{web}/metrics", timeout=WAIT_SECONDS).text)

    usage_201 = {"method": "POST", "status": "201", "view": "usage-list"}
    assert samples[("django_http_responses_total_by_status_view_method_total", frozenset(usage_201.items()))] == 12
    assert samples[("billing_usage_events_total", frozenset({("outcome", "accepted")}))] == 12
    assert samples[("billing_webhook_deliveries_total", frozenset({("outcome", "succeeded")}))] == 1
    per_process = _accepted_by_process(multiproc_dir, tmp_path / "alone")
    assert sum(per_process) == 12
    assert len([count for count in per_process if count]) >= 3
