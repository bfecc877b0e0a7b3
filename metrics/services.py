"""Writes of the metrics app: refreshing the revenue materialized view.

A refresh recomputes every tenant's row, so refreshes are coalesced: the hourly
invoice runs of all tenants end together, and each asks for one. While a queued
refresh has not started yet, asking again queues nothing; that refresh starts after
the asker's commit, so it sees the asker's invoices anyway.
"""

from __future__ import annotations

from datetime import datetime

import redis
import structlog
from django.core.cache import cache
from django.db import connection, transaction

from metrics.models import REVENUE_VIEW, MetricsRefresh
from tenants import clock

log = structlog.get_logger(__name__)

REFRESH_PENDING_KEY = "metrics:revenue_refresh_pending"
# A lost queued message (broker restart) leaves the mark behind; past this age it no
# longer holds refreshes back. The beat refresh runs every 15 minutes regardless.
REFRESH_PENDING_TTL_SECONDS = 15 * 60

_IS_POPULATED = "SELECT ispopulated FROM pg_matviews WHERE schemaname = current_schema() AND matviewname = %s"
_REFRESH_CONCURRENTLY = f"REFRESH MATERIALIZED VIEW CONCURRENTLY {REVENUE_VIEW}"
_REFRESH = f"REFRESH MATERIALIZED VIEW {REVENUE_VIEW}"


def revenue_metrics_refresh() -> datetime:
    """Recompute the revenue view and record when; returns that time.

    CONCURRENTLY, so readers of the view are never blocked; PostgreSQL refuses that on
    a view that was never populated, which gets a plain (locking) refresh instead.
    The recorded time is taken before the refresh starts: the rows hold everything
    committed by then, and perhaps a little more.
    """
    _pending_clear()
    refreshed_at = clock.real_now()  # every tenant's rows at once: when it happened
    with transaction.atomic(), connection.cursor() as cursor:
        # No JIT for this one statement: the view's query has ~120 expressions, and
        # compiling them (LLVM, with inlining and optimization, which its cost estimate
        # turns on) cost more than it saved: at 100,000 subscriptions the query took
        # 27.9 s with JIT and 15.5 s without, minutes apart on a loaded 2-core machine
        # (bench/revenue.py, README "Benchmarks").
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(_IS_POPULATED, [REVENUE_VIEW])
        row = cursor.fetchone()
        populated = bool(row and row[0])
        cursor.execute(_REFRESH_CONCURRENTLY if populated else _REFRESH)
        MetricsRefresh.objects.update_or_create(pk=1, defaults={"refreshed_at": refreshed_at})
    log.info("revenue_metrics_refreshed", concurrently=populated)
    return refreshed_at


def revenue_metrics_refresh_queue() -> None:
    """Queue a refresh once the current transaction commits (at once outside one),
    unless a queued refresh has not started yet."""

    def queue_revenue_metrics_refresh() -> None:
        from metrics import tasks  # tasks import this module

        if not _pending_mark():
            return
        try:
            tasks.revenue_metrics_refresh.delay()
        except Exception:
            _pending_clear()
            raise

    # robust: a broker outage must not fail the invoice run that asked; the beat
    # refresh catches up.
    transaction.on_commit(queue_revenue_metrics_refresh, robust=True)


def _pending_mark() -> bool:
    """True when this caller should queue a refresh (none is pending, or Redis is
    down: then every caller queues, which is only slower)."""
    try:
        return bool(cache.add(REFRESH_PENDING_KEY, 1, timeout=REFRESH_PENDING_TTL_SECONDS))
    except redis.RedisError as exc:
        log.warning("revenue_refresh_mark_unavailable", error=str(exc))
        return True


def _pending_clear() -> None:
    try:
        cache.delete(REFRESH_PENDING_KEY)
    except redis.RedisError as exc:
        log.warning("revenue_refresh_mark_unavailable", error=str(exc))
