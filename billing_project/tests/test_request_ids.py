"""A Celery task queued during a request carries that request's id (django-structlog),
so the worker's log lines can be joined to the request that caused them."""

import structlog
from celery.signals import before_task_publish


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
