"""One request id per request: the response's `X-Request-ID`, every log line the
request writes (read from the configured handler, as it would reach the console), and
the log lines of the Celery tasks it queues (django-structlog carries the id)."""

from __future__ import annotations

import io
import logging
import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import structlog
from celery.contrib.testing.worker import start_worker
from celery.signals import before_task_publish, task_postrun
from rest_framework.test import APIClient

from billing_project.celery import app
from invoices import tasks

ROOT = Path(__file__).resolve().parents[2]
UNKNOWN_TENANT = "/v1/tenants/00000000-0000-0000-0000-000000000000"
_REQUEST_ID = re.compile(r"\brequest_id=(\S+)")


@contextmanager
def captured_log() -> Iterator[Callable[[], list[str]]]:
    """The lines the configured console handler writes meanwhile, with its own
    formatter, and request lines at INFO whatever REQUEST_LOG_LEVEL says. (A Celery
    worker configures logging afresh as it starts: capture inside it.)"""
    [handler] = [
        h for h in logging.getLogger().handlers if isinstance(h.formatter, structlog.stdlib.ProcessorFormatter)
    ]
    assert isinstance(handler, logging.StreamHandler)
    stream = io.StringIO()
    previous = handler.setStream(stream)
    request_logger = logging.getLogger("django_structlog")
    level = request_logger.level
    request_logger.setLevel(logging.INFO)
    try:
        yield lambda: stream.getvalue().splitlines()
    finally:
        request_logger.setLevel(level)
        handler.setStream(previous)


@pytest.fixture
def log_lines() -> Iterator[Callable[[], list[str]]]:
    with captured_log() as lines:
        yield lines


def ids_in(lines: list[str]) -> list[str]:
    """The request id of each line (an empty string for a line without one)."""
    return [match.group(1) if (match := _REQUEST_ID.search(line)) else "" for line in lines]


@pytest.mark.django_db
@pytest.mark.parametrize("given", ["req-abc-123", None, "has spaces, so not taken"])
def test_every_log_line_of_a_request_carries_the_id_of_its_response(log_lines, given):
    headers = {} if given is None else {"HTTP_X_REQUEST_ID": given}

    response = APIClient().get(UNKNOWN_TENANT, **headers)

    assert response.status_code == 401
    request_id = response["X-Request-ID"]
    if given == "req-abc-123":
        assert request_id == given
    else:
        assert len(request_id) == 36  # a new uuid4
    lines = log_lines()
    events = [line.split("]", 1)[1].split()[0] for line in lines]
    # django-structlog's two lines and Django's own, written after the middleware chain
    assert events == ["request_started", "request_finished", "Unauthorized:"]
    assert ids_in(lines) == [request_id] * 3


@pytest.mark.django_db
def test_two_requests_log_two_ids_and_nothing_leaks_after_them(log_lines):
    first = APIClient().get("/healthz", HTTP_X_REQUEST_ID="first")
    second = APIClient().get("/healthz")
    structlog.get_logger("billing.test").info("after_the_requests")

    lines = log_lines()
    assert ids_in(lines) == ["first", "first", second["X-Request-ID"], second["X-Request-ID"], ""]
    assert first["X-Request-ID"] == "first"
    assert "after_the_requests" in lines[-1]


def test_a_task_published_during_a_request_carries_its_request_id():
    headers: dict = {}
    structlog.contextvars.bind_contextvars(request_id="req-123", tenant_id="t-1")
    try:
        before_task_publish.send(
            sender="invoices.tasks.invoice_run_tenant",
            headers=headers,
            body={},
            properties={},
            routing_key="celery",
        )
    finally:
        structlog.contextvars.clear_contextvars()
    context = headers["__django_structlog__"]
    assert context["request_id"] == "req-123"
    assert context["tenant_id"] == "t-1"


@pytest.mark.django_db(transaction=True)
def test_the_worker_logs_a_queued_task_under_the_request_id(api, turl):
    """Through Redis and a real worker thread (not eager): the task's lines in the
    worker carry the id of the request that queued it."""
    done = threading.Event()

    def on_postrun(task=None, **kwargs):
        if task is not None and task.name == tasks.invoice_run_tenant.name:
            done.set()

    task_postrun.connect(on_postrun, weak=False)
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10), captured_log() as log_lines:
            response = api.post(turl("invoices/run"), {}, HTTP_X_REQUEST_ID="run-req-7")
            assert response.status_code == 202
            assert done.wait(timeout=30)
            lines = log_lines()
    finally:
        app.conf.task_always_eager = True
        task_postrun.disconnect(on_postrun)
        app.control.purge()

    # The run task's own lines: a task it queues (the metrics refresh) may start before
    # the worker stops, and is not what this test is about.
    run_task = tasks.invoice_run_tenant.name
    in_worker = [
        line for line in lines if ("task_started" in line and run_task in line) or "invoice_run_succeeded" in line
    ]
    assert len(in_worker) == 2
    assert ids_in(in_worker) == ["run-req-7", "run-req-7"]
    assert response["X-Request-ID"] == "run-req-7"
    assert all(f"tenant_id={response.wsgi_request.resolver_match.kwargs['tenant_id']}" in line for line in in_worker)


@pytest.mark.parametrize(
    ("app_env", "given", "level"),
    [
        ("development", None, "INFO"),
        ("production", None, "WARNING"),
        ("test", None, "WARNING"),
        ("production", "INFO", "INFO"),
    ],
)
def test_requests_are_logged_at_info_in_development_only_by_default(app_env, given, level):
    env = {k: v for k, v in os.environ.items() if k not in {"APP_ENV", "REQUEST_LOG_LEVEL", "DJANGO_SETTINGS_MODULE"}}
    env |= {"APP_ENV": app_env, "DJANGO_SECRET_KEY": "a-real-secret-for-this-test"}
    env |= {"PAYMENT_WEBHOOK_SECRET": "whsec_cHJvZC10ZXN0"} | ({"REQUEST_LOG_LEVEL": given} if given else {})
    code = "import billing_project.settings as s; print(s.LOGGING['loggers']['django_structlog']['level'])"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == level
