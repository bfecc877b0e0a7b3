"""Django's PostgreSQL backend, with the health check of a persistent connection at
most once per HEALTH_CHECK_SECONDS, and timestamps parsed by psycopg's C loader.

Django's CONN_HEALTH_CHECKS pings (`SELECT 1`) a reused connection before the first
query of every request: one more round trip on each of the thousands of single-event
POSTs a second (bench/profile_ingest.py). Here a connection that was checked, or
opened, less than a second ago is trusted without a ping. What that gives up: a
connection the server dropped within that second (a database restart) fails the one
request that uses it, and Django closes it after that request (as it does for any
connection whose errors leave it unusable); the next request opens a new one.
"""

from __future__ import annotations

import functools
import time
from datetime import UTC, tzinfo
from typing import Any

from django.db.backends.postgresql import base
from psycopg import adapt, adapters
from psycopg.pq import Format

HEALTH_CHECK_SECONDS = 1.0

# Django loads every `timestamptz` with a subclass of psycopg's pure-Python loader
# (`psycopg_any.BaseTzLoader`, which re-tags the value with the connection's zone), even
# when psycopg's C implementation is installed: about 13 µs a value, a tenth of an
# invoice run's CPU (10 timestamps per subscription read). The C loader already tags
# values with the session's zone, which Django sets to UTC (TIME_ZONE is UTC), so in
# that case a thin Python loader that calls the C one gives the same datetimes
# (`tzinfo=datetime.UTC`) at a fraction of the cost. `timezone` is what Django's
# `create_cursor` compares before registering its own loader on a cursor.
_C_TIMESTAMPTZ_LOADER: Any = adapters.get_loader(adapters.types["timestamptz"].oid, Format.TEXT)


class CTimestamptzLoader(adapt.Loader):
    timezone: tzinfo = UTC

    def __init__(self, oid: int, context: Any = None) -> None:
        super().__init__(oid, context)
        self._load = _C_TIMESTAMPTZ_LOADER(oid, context).load

    def load(self, data: Any) -> Any:
        return self._load(data)


@functools.cache
def _adapters_with_c_timestamps(template: adapt.AdaptersMap) -> adapt.AdaptersMap:
    context = adapt.AdaptersMap(template)
    context.register_loader("timestamptz", CTimestamptzLoader)
    return context


class DatabaseWrapper(base.DatabaseWrapper):
    health_check_enabled: bool  # Django's own attributes, which django-stubs does not declare
    health_check_done: bool
    checked_at = float("-inf")  # time.monotonic() of the last ping that passed, or of connecting

    def get_connection_params(self) -> dict[str, Any]:
        params: dict[str, Any] = super().get_connection_params()
        if self.timezone is UTC and _C_TIMESTAMPTZ_LOADER.__module__.startswith("psycopg_binary"):
            params["context"] = _adapters_with_c_timestamps(params["context"])
        return params

    def connect(self) -> None:
        super().connect()
        self.checked_at = time.monotonic()

    def close_if_health_check_failed(self) -> None:
        if self.connection is None or not self.health_check_enabled or self.health_check_done:
            return
        now = time.monotonic()
        if now - self.checked_at < HEALTH_CHECK_SECONDS:
            self.health_check_done = True
            return
        super().close_if_health_check_failed()
        if self.connection is not None:
            self.checked_at = now
