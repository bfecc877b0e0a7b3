"""Writes of the metrics app: refreshing the revenue materialized view, and keeping
the rollups it and the revenue route read (metrics 0004, docs/metrics.md "At scale").

The view sums `metrics_subscriptionmrr`, one row per live subscription. Database
triggers mark the subscriptions whose inputs changed (`metrics_mrrmark`); a refresh
recomputes those rows only, folds the revenue deltas into the monthly rows, then
refreshes the view. Refreshes are still coalesced: the hourly invoice runs of all
tenants end together, and each asks for one. While a queued refresh has not started
yet, asking again queues nothing; that refresh starts after the asker's commit, so it
sees the asker's invoices anyway.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import redis
import structlog
from django.core.cache import cache
from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper

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

# The marked subscriptions, each once. Marks committed later than this statement's
# snapshot stay for the next refresh; the recompute, a later statement, sees the
# changes of every mark it took.
_TAKE_MARKS = """
CREATE TEMPORARY TABLE metrics_marked (subscription_id uuid PRIMARY KEY) ON COMMIT DROP;
WITH taken AS (DELETE FROM metrics_mrrmark RETURNING subscription_id)
INSERT INTO metrics_marked SELECT DISTINCT subscription_id FROM taken;
"""
_RECOMPUTE_MARKED = """
DELETE FROM metrics_subscriptionmrr m USING metrics_marked k WHERE m.subscription_id = k.subscription_id;
INSERT INTO metrics_subscriptionmrr
SELECT * FROM metrics_subscription_mrr(ARRAY(SELECT subscription_id FROM metrics_marked));
"""
_RECOMPUTE_ALL = """
DELETE FROM metrics_mrrmark;
DELETE FROM metrics_subscriptionmrr;
INSERT INTO metrics_subscriptionmrr
SELECT * FROM metrics_subscription_mrr(
    ARRAY(SELECT id FROM subscriptions_subscription WHERE status IN ('trialing', 'active', 'past_due')));
"""
# Revenue deltas folded into their months, in one statement (a reader sees them on one
# side or the other, never both).
_FOLD_DELTAS = """
WITH taken AS (DELETE FROM metrics_revenuedelta RETURNING *)
INSERT INTO metrics_revenuemonth AS m (tenant_id, currency, month, invoiced, paid, invoiced_count, paid_count)
SELECT tenant_id, currency, month, sum(invoiced), sum(paid), sum(invoiced_count), sum(paid_count)
FROM taken GROUP BY tenant_id, currency, month
ON CONFLICT (tenant_id, month, currency) DO UPDATE SET
    invoiced = m.invoiced + EXCLUDED.invoiced, paid = m.paid + EXCLUDED.paid,
    invoiced_count = m.invoiced_count + EXCLUDED.invoiced_count, paid_count = m.paid_count + EXCLUDED.paid_count
"""
_DROP_EMPTY_MONTHS = "DELETE FROM metrics_revenuemonth WHERE invoiced_count = 0 AND paid_count = 0"
# What the monthly rows hold for a tenant, computed from its invoices (the backfill and
# the check).
_REVENUE_FROM_INVOICES = """
SELECT tenant_id, currency, month, sum(invoiced), sum(paid), sum(invoiced_count), sum(paid_count)
FROM (
    SELECT tenant_id, currency, date_trunc('month', issued_at, 'UTC') AS month,
           CASE WHEN total > 0 THEN total - tax ELSE 0 END AS invoiced, 0 AS paid, 1 AS invoiced_count, 0 AS paid_count
    FROM invoices_invoice
    WHERE status IN ('open', 'paid', 'uncollectible') AND billing_reason <> 'credit_purchase'
    UNION ALL
    SELECT tenant_id, currency, date_trunc('month', paid_at, 'UTC'), 0, total, 0, 1
    FROM invoices_invoice
    WHERE status = 'paid' AND paid_at IS NOT NULL
) AS parts
GROUP BY tenant_id, currency, month
"""
_REBUILD_REVENUE = f"""
DELETE FROM metrics_revenuedelta;
DELETE FROM metrics_revenuemonth;
INSERT INTO metrics_revenuemonth (tenant_id, currency, month, invoiced, paid, invoiced_count, paid_count)
{_REVENUE_FROM_INVOICES};
"""  # noqa: S608 - constants, no input
_ROLLUP_LOCK = 7_318_004  # pg_advisory_xact_lock key: one refresh or rebuild of the rollups at a time


@contextmanager
def _rollups_transaction() -> Iterator[CursorWrapper]:
    """A transaction holding the rollups' lock (one writer of the rollups at a time),
    without JIT: the view's query has ~120 expressions, and compiling them (LLVM, with
    inlining and optimization, which its cost estimate turns on) cost more than it
    saved: at 100,000 subscriptions the query took 27.9 s with JIT and 15.5 s without,
    minutes apart on a loaded 2-core machine (bench/revenue.py, README "Benchmarks")."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ROLLUP_LOCK])
        cursor.execute("SET LOCAL jit = off")
        yield cursor


def revenue_metrics_refresh() -> datetime:
    """Recompute the revenue view and record when; returns that time.

    CONCURRENTLY, so readers of the view are never blocked; PostgreSQL refuses that on
    a view that was never populated, which gets a plain (locking) refresh instead.
    The recorded time is taken before the refresh starts: the rows hold everything
    committed by then, and perhaps a little more.
    """
    _pending_clear()
    refreshed_at = clock.real_now()  # every tenant's rows at once: when it happened
    with _rollups_transaction() as cursor:
        marked = _rollups_update(cursor)
        cursor.execute(_IS_POPULATED, [REVENUE_VIEW])
        row = cursor.fetchone()
        populated = bool(row and row[0])
        cursor.execute(_REFRESH_CONCURRENTLY if populated else _REFRESH)
        MetricsRefresh.objects.update_or_create(pk=1, defaults={"refreshed_at": refreshed_at})
    log.info("revenue_metrics_refreshed", concurrently=populated, subscriptions_recomputed=marked)
    return refreshed_at


def _rollups_update(cursor: CursorWrapper) -> int:
    """Recompute the marked subscriptions' MRR rows and fold the revenue deltas into
    their months; returns how many subscriptions were marked."""
    cursor.execute(_TAKE_MARKS)
    cursor.execute("SELECT count(*) FROM metrics_marked")
    row = cursor.fetchone()
    marked = int(row[0]) if row else 0
    if marked:
        cursor.execute(_RECOMPUTE_MARKED)
    cursor.execute(_FOLD_DELTAS)
    cursor.execute(_DROP_EMPTY_MONTHS)
    cursor.execute("DROP TABLE metrics_marked")
    return marked


def revenue_rollups_rebuild() -> None:
    """The backfill, again: every live subscription's MRR row and every tenant's months
    from the invoices, then a refresh of the view. For a database whose rollups are in
    doubt (`revenue_rollups --check` says so); metrics 0004 did it once."""
    with _rollups_transaction() as cursor:
        cursor.execute(_RECOMPUTE_ALL)
        cursor.execute(_REBUILD_REVENUE)
    revenue_metrics_refresh()


@dataclass(frozen=True)
class RollupDifference:
    table: str
    key: tuple[object, ...]
    stored: tuple[object, ...] | None
    computed: tuple[object, ...] | None


def revenue_rollups_check() -> list[RollupDifference]:
    """Compare the rollups with the full computation (after folding what is pending, as
    a refresh would, but without refreshing the view): the rows that differ. Reads every
    live subscription and every invoice: minutes at 100,000 subscriptions."""
    differences: list[RollupDifference] = []
    with _rollups_transaction() as cursor:
        _rollups_update(cursor)
        for table, stored_sql, computed_sql in (
            (
                "metrics_subscriptionmrr",
                "SELECT * FROM metrics_subscriptionmrr",
                "SELECT * FROM metrics_subscription_mrr(ARRAY(SELECT id FROM subscriptions_subscription"
                " WHERE status IN ('trialing', 'active', 'past_due')))",
            ),
            (
                "metrics_revenuemonth",
                "SELECT tenant_id, currency, month, invoiced, paid, invoiced_count, paid_count FROM metrics_revenuemonth",
                _REVENUE_FROM_INVOICES,
            ),
        ):
            cursor.execute(stored_sql)
            stored = {tuple(r[:3]) if table == "metrics_revenuemonth" else (r[0],): tuple(r) for r in cursor.fetchall()}
            cursor.execute(computed_sql)
            computed = {
                tuple(r[:3]) if table == "metrics_revenuemonth" else (r[0],): tuple(r) for r in cursor.fetchall()
            }
            for key in sorted(stored.keys() | computed.keys(), key=str):
                if stored.get(key) != computed.get(key):
                    differences.append(RollupDifference(table, key, stored.get(key), computed.get(key)))
    return differences


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
