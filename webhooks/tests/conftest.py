"""Shared pieces of the webhooks tests: a real HTTP receiver and a publish helper that
runs the on-commit callbacks (the test itself runs inside a transaction)."""

from __future__ import annotations

import socket
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from standardwebhooks.webhooks import Webhook
from werkzeug import Request

from tenants.models import Tenant
from webhooks.models import Event, EventType, WebhookEndpoint
from webhooks.services import event_publish
from webhooks.tests.factories import WebhookEndpointFactory

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
INVOICE = {"id": "5f0c6a3e-0000-4000-8000-000000000001", "status": "paid", "total": "73.50", "currency": "USD"}


@pytest.fixture
def receiver(httpserver: HTTPServer) -> HTTPServer:
    """A real HTTP server that answers 200 on /hook and 500 on /broken."""
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    httpserver.expect_request("/broken", method="POST").respond_with_data("database is down", status=500)
    return httpserver


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """`dns("192.168.10.20")`: `socket.getaddrinfo` answers these addresses for any host."""

    def answer(*addresses: str) -> None:
        infos = [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, 443)) for a in addresses
        ]
        monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: infos)

    return answer


@pytest.fixture
def endpoint(tenant: Tenant, receiver: HTTPServer) -> WebhookEndpoint:
    return WebhookEndpointFactory(tenant=tenant, url=receiver.url_for("/hook"))


@pytest.fixture
def broken_endpoint(tenant: Tenant, receiver: HTTPServer) -> WebhookEndpoint:
    return WebhookEndpointFactory(tenant=tenant, url=receiver.url_for("/broken"))


@pytest.fixture
def publish(tenant: Tenant, django_capture_on_commit_callbacks: Any) -> Callable[..., Event]:
    """Publish as another app would, and run what is queued on commit (eagerly)."""

    def run(type: str = EventType.INVOICE_PAID, data: dict[str, Any] | None = None, **kwargs: Any) -> Event:
        with django_capture_on_commit_callbacks(execute=True):
            return event_publish(tenant=kwargs.get("tenant", tenant), type=type, data=INVOICE if data is None else data)

    return run


def requests_to(server: HTTPServer, path: str) -> list[Request]:
    return [request for request, _ in server.log if request.path == path]


def verify(request: Request, secret: str) -> Any:
    """What a receiver does: check the signature with the standardwebhooks library."""
    return Webhook(secret).verify(request.get_data(), dict(request.headers))
