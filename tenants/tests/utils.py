"""Helpers every app's tests share: moments in UTC, times as the API renders them, the
tenant routes of the URLconf, and work started at once on real threads.

    at(2026, 1, 31)          # 2026-01-31T00:00:00Z
    at(2026, 2, 1, 1, 30)    # 2026-02-01T01:30:00Z
    ts(body["period_end"])   # the API's string back to a datetime (None stays None)
    at_once([job, job], tenant=t)  # what each job returned (or raised), in order
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import nullcontext
from datetime import UTC, datetime
from typing import Any

from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from tenants.isolation import tenant_scope
from tenants.models import TenantRef, User
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


def at_once(jobs: Sequence[Callable[[], Any]], *, tenant: TenantRef | None = None, timeout: float = 120) -> list[Any]:
    """Run each job on a real thread of its own, all released together, each with its
    own database connection (closed after) and, with `tenant`, in that tenant's scope
    (a thread starts with none, as a request or a task does). Returns what each job
    returned, or the exception it raised, in the order of `jobs`."""
    start = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def run(index: int, job: Callable[[], Any]) -> None:
        try:
            start.wait(timeout=timeout)
            with nullcontext() if tenant is None else tenant_scope(tenant):
                results[index] = job()
        except BaseException as exc:
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index, job)) for index, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads)
    return results


def concurrently(count: int, request: Callable[[APIClient], Any], user: User) -> list[Any]:
    """`request(client)` as `user` from `count` real threads released at once, each with
    its own database connection; their answers (`at_once`)."""
    token = tokens_for_user(user)["access"]

    def send() -> Any:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        return request(client)

    return at_once([send] * count)


def failures(results: Sequence[Any]) -> list[BaseException]:
    """The exceptions among `at_once`'s results."""
    return [r for r in results if isinstance(r, BaseException)]
