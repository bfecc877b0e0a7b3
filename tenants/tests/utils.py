"""Helpers every app's tests share: moments in UTC, times as the API renders them, and
the tenant routes of the URLconf.

    at(2026, 1, 31)          # 2026-01-31T00:00:00Z
    at(2026, 2, 1, 1, 30)    # 2026-02-01T01:30:00Z
    ts(body["period_end"])   # the API's string back to a datetime (None stays None)
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from tenants.models import User
from tenants.services import tokens_for_user

TENANT_PREFIX = "v1/tenants/<uuid:tenant_id>"


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def ts(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _walk(patterns: list, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, route)
        else:
            yield route, entry


def all_routes() -> list[tuple[str, URLPattern]]:
    """Every route of the URLconf (the admin's too), as Django spells it."""
    return list(_walk(get_resolver().url_patterns))


def tenant_routes() -> list[tuple[str, URLPattern]]:
    """Every route under /v1/tenants/{tenant_id} (and that path itself), as Django spells it."""
    return [(route, p) for route, p in all_routes() if route.startswith(TENANT_PREFIX)]


def route_methods(pattern: URLPattern) -> list[str]:
    """The HTTP methods a route's view answers, lower case (OPTIONS and HEAD aside)."""
    view_class = pattern.callback.view_class
    return [m for m in ("get", "post", "put", "patch", "delete") if hasattr(view_class, m)]


def concurrently(count: int, request: Callable[[APIClient], Any], user: User) -> list[Any]:
    """`request(client)` as `user` from `count` real threads released at once, each with
    its own database connection; their answers."""
    token = tokens_for_user(user)["access"]
    barrier = threading.Barrier(count)
    answers, lock = [], threading.Lock()

    def run() -> None:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        barrier.wait()
        try:
            answer = request(client)
        finally:
            connection.close()
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers
