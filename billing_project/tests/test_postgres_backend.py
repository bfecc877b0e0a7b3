"""The database backend's health check: a reused connection is pinged at most once a
second, and a connection the server dropped is replaced after the ping finds it."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from django.db import close_old_connections, connection, connections

from billing_project.postgres import base

pytestmark = pytest.mark.django_db(transaction=True)


def _pings(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    seen: list[bool] = []
    original = base.DatabaseWrapper.is_usable

    def counting(self: Any) -> bool:
        usable = original(self)
        seen.append(usable)
        return usable

    monkeypatch.setattr(base.DatabaseWrapper, "is_usable", counting)
    return seen


def _request_boundary() -> None:
    """What Django does at a request's start and end (request_started/finished)."""
    close_old_connections()


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


def test_the_engine_is_ours() -> None:
    assert isinstance(connections["default"], base.DatabaseWrapper)
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True


def test_a_connection_checked_within_the_second_is_not_pinged(monkeypatch: pytest.MonkeyPatch) -> None:
    pings = _pings(monkeypatch)
    pid = _backend_pid()
    connection.checked_at = base.time.monotonic()
    for _ in range(5):
        _request_boundary()
        assert _backend_pid() == pid
    assert pings == []


def test_a_dropped_connection_is_pinged_and_replaced_after_the_second(monkeypatch: pytest.MonkeyPatch) -> None:
    pings = _pings(monkeypatch)
    pid = _backend_pid()
    # Another session drops this connection, as a database restart would.
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    connection.checked_at -= base.HEALTH_CHECK_SECONDS  # as if the last check were a second ago

    _request_boundary()
    new_pid = _backend_pid()

    assert pings == [False]
    assert new_pid != pid
    assert connection.checked_at > base.time.monotonic() - base.HEALTH_CHECK_SECONDS
