"""Django's PostgreSQL backend, with the health check of a persistent connection at
most once per HEALTH_CHECK_SECONDS.

Django's CONN_HEALTH_CHECKS pings (`SELECT 1`) a reused connection before the first
query of every request: one more round trip on each of the thousands of single-event
POSTs a second (bench/profile_ingest.py). Here a connection that was checked, or
opened, less than a second ago is trusted without a ping. What that gives up: a
connection the server dropped within that second (a database restart) fails the one
request that uses it, and Django closes it after that request (as it does for any
connection whose errors leave it unusable); the next request opens a new one.
"""

from __future__ import annotations

import time

from django.db.backends.postgresql import base

HEALTH_CHECK_SECONDS = 1.0


class DatabaseWrapper(base.DatabaseWrapper):
    health_check_enabled: bool  # Django's own attributes, which django-stubs does not declare
    health_check_done: bool
    checked_at = float("-inf")  # time.monotonic() of the last ping that passed, or of connecting

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
