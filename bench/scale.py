"""Scale benchmark: `make bench-scale` (or `.venv/bin/python bench/scale.py --events N`).

Issue #18 item 4: the events table partitioned by month, loaded with `--events` events
(default 100,000,000) over `--months` months (default 24, the last one January 2026)
for `--subscriptions` subscriptions (default 100,000), in its own database
(`<DATABASE_URL's name>_bench`, dropped and migrated first). It measures, in one run:

  - ingestion: batches of 1,000 events through the service's own statement
    (`usage.services._INSERT_SQL`: keys, then events) into the empty table, then the
    same into the loaded table (events of the current month, as live traffic is);
  - the load itself: events and their idempotency keys generated in the database
    (INSERT … SELECT generate_series), one month at a time on each of two connections,
    each month into a table of its own whose indexes are built after its rows, then
    vacuumed, analyzed and attached as the month's partition; rows/s and the seconds of
    each step;
  - invoicing January (the last month) for every subscription
    (`invoice_due_subscriptions`) against one raw `GROUP BY customer, meter` of that
    month, then the same run's late-usage detection, whose plan (EXPLAIN ANALYZE) must
    not read the old months' partitions;
  - p50/p95 of the customer usage query (`usage_totals_for_customer`, the current
    period) and of the upcoming invoice (`invoice_preview`) of random subscriptions;
  - disk per million events (the partitions with their indexes, and the key table).

The full run wants a quiet machine, hours and ~60 GB of disk; the README shows a 10M one
(`--events 10000000 --subscriptions 10000`). It never runs in `make test`.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import bench_environment, machine_line
from bench.invoice_run import PERIOD_END, PERIOD_START, invoice, raw_group_by, setup

LOAD_CHUNK = 1_000_000
BATCH = 1_000


def _months_back(start: datetime, months: int) -> datetime:
    index = start.year * 12 + start.month - 1 - months
    return start.replace(year=index // 12, month=index % 12 + 1)


# Each month's events go into a table of their own, made LIKE the events table (its
# columns, defaults and checks) and bounded by a CHECK on the month (so that attaching it
# needs no scan to prove its rows fit): rows are written without an index to keep up,
# the partition's indexes are built once over the whole month (a sort each, far cheaper
# than 4 million random B-tree inserts), and the table is vacuumed (the visibility map:
# the usage totals are index-only scans) and analyzed before it is attached. No trigger
# fires (the table is not a partition yet): the months are noted in UsageLateMonth
# afterwards, as the late-month trigger would have (every loaded month is an old one).
_LOAD_EVENTS_SQL = """
INSERT INTO {table}
    (id, tenant_id, customer_id, meter_id, idempotency_key, value, timestamp, properties, fingerprint, created_at, seq)
SELECT %(first_id)s + n, %(tenant)s, (%(customers)s::uuid[])[(n * 7919) %% %(count)s + 1],
       CASE WHEN n %% 4 = 0 THEN %(storage)s::uuid ELSE %(calls)s::uuid END,
       'k' || (%(first_id)s + n), 1 + n %% 50, t, '{{}}'::jsonb, 'b', t, %(first_seq)s + n
FROM generate_series(%(lo)s::bigint, %(hi)s::bigint - 1) AS n,
     LATERAL (SELECT %(base)s::timestamptz + (n * %(step)s) * interval '1 microsecond' AS t) s
"""

_LOAD_KEYS_SQL = """
INSERT INTO usage_idempotencykey (tenant_id, idempotency_key, event_id, timestamp, fingerprint)
SELECT %(tenant)s, 'k' || (%(first_id)s + n), %(first_id)s + n,
       %(base)s::timestamptz + (n * %(step)s) * interval '1 microsecond', 'b'
FROM generate_series(%(lo)s::bigint, %(hi)s::bigint - 1) AS n
"""

LOAD_WORKERS = 2
LOAD_STEPS: dict[str, float] = {}  # seconds of each step of the last load()


def _month_rows(months: list[tuple[int, int]], base: datetime, step: int, events: int) -> list[tuple[int, int]]:
    """The [lo, hi) of event numbers n whose timestamp (base + n × step µs) is in each month."""

    def first_at_or_after(moment: datetime) -> int:
        micros = (moment - base) // timedelta(microseconds=1)
        return min(events, max(0, -(-micros // step)))

    from usage import partitions

    return [
        (
            first_at_or_after(partitions.month_start(m)),
            first_at_or_after(partitions.month_start(partitions.next_month(m))),
        )
        for m in months
    ]


def _load_month(month: tuple[int, int], lo: int, hi: int, params: dict[str, Any], indexes: list[str]) -> None:
    """One month on a connection of its own: the table, its rows and keys, its indexes,
    VACUUM ANALYZE. Not attached (the caller attaches the months one after the other)."""
    import psycopg
    from django.db import connection

    from usage import partitions

    table = partitions.partition_name(month)
    start, end = partitions.month_start(month), partitions.month_start(partitions.next_month(month))
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as conn:
        conn.execute("SET synchronous_commit = off")
        conn.execute("SET maintenance_work_mem = '512MB'")
        conn.execute(f"CREATE TABLE {table} (LIKE usage_usageevent INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
        month_check = f"timestamp >= '{start.isoformat()}' AND timestamp < '{end.isoformat()}'"
        conn.execute(f"ALTER TABLE {table} ADD CONSTRAINT {table}_month CHECK ({month_check})")
        if hi > lo:
            with conn.transaction():
                conn.execute(_LOAD_EVENTS_SQL.format(table=table), {**params, "lo": lo, "hi": hi})
                conn.execute(_LOAD_KEYS_SQL, {**params, "lo": lo, "hi": hi})
        conn.execute(f"ALTER TABLE {table} ADD CONSTRAINT {table}_pkey PRIMARY KEY (id, timestamp)")
        for n, definition in enumerate(indexes):
            conn.execute(definition.format(name=f"{table}_load_{n}_idx", table=table))
        conn.execute(f"VACUUM ANALYZE {table}")


def load(tenant_id: uuid.UUID, meters: tuple[uuid.UUID, uuid.UUID], events: int, months: int) -> float:
    """Load `events` events (and their keys) spread evenly over the `months` months that
    end with PERIOD_END, customers in a scattered order, generated in the database
    (INSERT … SELECT generate_series: a Python client writing COPY lines was the
    bottleneck, 4,000 rows/s), one month at a time on each of LOAD_WORKERS
    connections, each into a table of its own that is attached as the month's
    partition once its indexes are built (see _LOAD_EVENTS_SQL). Returns the seconds it took."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    from usage import partitions
    from usage.models import EVENT_ID_SEQUENCE, USAGE_SEQUENCE

    first = _months_back(PERIOD_START, months - 1)
    wanted = [partitions.add_months(partitions.month_of(first), n) for n in range(months)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM subscriptions_customer WHERE tenant_id = %s ORDER BY id", [tenant_id])
        customers = [row[0] for row in cursor.fetchall()]
        first_ids = []
        for sequence in (EVENT_ID_SEQUENCE, USAGE_SEQUENCE):
            cursor.execute(f"SELECT nextval('{sequence}')")
            first_ids.append(cursor.fetchone()[0])
            cursor.execute("SELECT setval(%s, %s)", [sequence, first_ids[-1] + events])
        # The partitioned indexes (not the primary key, a constraint: added as one), to build on each month.
        cursor.execute(
            "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i WHERE i.indrelid = 'usage_usageevent'::regclass "
            "AND NOT i.indisprimary ORDER BY i.indexrelid"
        )
        indexes = [
            re.sub(r"^CREATE (UNIQUE )?INDEX \S+ ON ONLY \S+", r"CREATE \1INDEX {name} ON {table}", row[0])
            for row in cursor.fetchall()
        ]
        # The months' empty partitions (the migration's, and ensure_partitions_ahead's) go: loaded ones replace them.
        for month in wanted:
            cursor.execute(f"DROP TABLE IF EXISTS {partitions.partition_name(month)}")
    partitions.forget()
    gap = int((PERIOD_END - first).total_seconds() * 1_000_000 // events)  # microseconds between events
    params: dict[str, Any] = {
        "tenant": tenant_id, "customers": customers, "count": len(customers), "first_id": first_ids[0],
        "first_seq": first_ids[1], "calls": meters[0], "storage": meters[1], "base": first, "step": gap,
    }  # fmt: skip
    bounds = _month_rows(wanted, first, gap, events)
    assert bounds[0][0] == 0 and bounds[-1][1] == events, bounds
    started = time.perf_counter()
    done = 0
    with ThreadPoolExecutor(LOAD_WORKERS) as pool:
        futures = [
            (hi - lo, pool.submit(_load_month, month, lo, hi, params, indexes))
            for month, (lo, hi) in zip(wanted, bounds, strict=True)
        ]
        for rows, future in futures:
            future.result()
            done += rows
            elapsed = time.perf_counter() - started
            step_line = f"loaded {done:,} events in {elapsed:.0f} s ({done / elapsed:,.0f}/s)"
            print(f"  {step_line} (load {load_average()})", file=sys.stderr, flush=True)
    built = time.perf_counter() - started
    with connection.cursor() as cursor:
        for month in wanted:
            table = partitions.partition_name(month)
            start, end = partitions.month_start(month), partitions.month_start(partitions.next_month(month))
            cursor.execute(
                f"ALTER TABLE usage_usageevent ATTACH PARTITION {table} "
                f"FOR VALUES FROM ('{start.isoformat()}') TO ('{end.isoformat()}')"
            )
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {table}_month")
        cursor.execute(
            "INSERT INTO usage_latemonth (tenant_id, month, seq) "
            "SELECT %s, m, %s + hi - 1 FROM unnest(%s::date[], %s::bigint[], %s::bigint[]) AS t(m, lo, hi) WHERE hi > lo "
            "ON CONFLICT (tenant_id, month) DO UPDATE SET seq = greatest(usage_latemonth.seq, EXCLUDED.seq)",
            [
                tenant_id, first_ids[1], [partitions.month_start(m).date() for m in wanted],
                [lo for lo, _ in bounds], [hi for _, hi in bounds],
            ],
        )  # fmt: skip
    attached = time.perf_counter() - started - built
    connection.close()
    with connection.cursor() as cursor:  # autocommit: VACUUM cannot run in a transaction
        cursor.execute("ANALYZE usage_usageevent")  # the parent's own statistics (the months have theirs)
        cursor.execute("VACUUM ANALYZE usage_idempotencykey")
    seconds = time.perf_counter() - started
    LOAD_STEPS.update(built=built, attached=attached, analyzed=seconds - built - attached)
    step(
        f"load: months built in {built:.0f} s, attached in {attached:.0f} s, analyzed in {seconds - built - attached:.0f} s"
    )
    return seconds


def ingest_rate(tenant_id: uuid.UUID, meters: tuple[uuid.UUID, uuid.UUID], label: str, batches: int) -> float:
    """Events/s of `batches` batches of 1,000 new events through the service's
    statement, one connection, timestamps in the current month."""
    from django.db import connection, transaction

    from subscriptions.models import Customer
    from usage.parsing import ParsedEvent
    from usage.services import _insert

    customers = list(Customer.objects.filter(tenant_id=tenant_id).values_list("id", flat=True)[:1000])
    now = datetime.now(UTC)
    work = [
        [
            ParsedEvent(
                idempotency_key=f"{label}-{b}-{i}",
                external_customer_id="",
                meter_code="",
                customer_id=customers[i % len(customers)],
                meter_id=meters[i % 2],
                value=Decimal(1),
                timestamp=now - timedelta(seconds=i),
                fingerprint="b",
            )
            for i in range(BATCH)
        ]
        for b in range(batches + 1)
    ]
    with transaction.atomic():
        _insert(tenant_id, work[0], now)  # warm: the month's partition, caches
    started = time.perf_counter()
    for batch in work[1:]:
        with transaction.atomic():
            assert len(_insert(tenant_id, batch, now)) == BATCH
    seconds = time.perf_counter() - started
    connection.close()
    return batches * BATCH / seconds


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[max(0, int(len(ordered) * 0.95) - 1)] * 1000


def query_latencies(tenant_id: uuid.UUID, samples: int) -> dict[str, tuple[float, float]]:
    from invoices.services import invoice_preview
    from subscriptions.models import Subscription
    from tenants.isolation import tenant_scope
    from usage.selectors import usage_totals_for_customer

    subs = list(Subscription.objects.filter(tenant_id=tenant_id))
    picked = random.Random(7).sample(subs, min(samples, len(subs)))
    usage, upcoming = [], []
    with tenant_scope(tenant_id):
        for sub in picked:
            started = time.perf_counter()
            usage_totals_for_customer(
                tenant=tenant_id,
                customer_id=sub.customer_id,
                start=sub.current_period_start,
                end=sub.current_period_end,
            )
            usage.append(time.perf_counter() - started)
            started = time.perf_counter()
            invoice_preview(tenant=tenant_id, subscription=sub)
            upcoming.append(time.perf_counter() - started)
    return {"usage query": percentiles(usage), "upcoming invoice": percentiles(upcoming)}


def _explain(sql: str, params: dict[str, Any]) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def partitions_read(plan: str) -> list[str]:
    """The event partitions that a plan's nodes ran on (a node never executed did not)."""
    read = set()
    for line in plan.splitlines():
        match = re.search(r" on (usage_usageevent_p\d{4}_\d{2})\b", line)
        if match and "never executed" not in line:
            read.add(match[1])
    return sorted(read)


def late_usage_plan(tenant_id: uuid.UUID) -> tuple[str, float]:
    """EXPLAIN ANALYZE of the late-candidates query for 1,000 subscriptions just
    invoiced (nothing late), and the seconds of the detection for all of them in the
    invoice run's batches (INVOICE_RUN_BATCH_SIZE)."""
    from django.conf import settings

    from invoices import billing
    from subscriptions.models import Subscription
    from tenants.isolation import tenant_scope
    from usage.selectors import stored_since_ranges, time_ranges_sql

    subs = list(Subscription.objects.filter(tenant_id=tenant_id).order_by("id")[:1000])
    counted = billing._counted_through([s.pk for s in subs])
    since = [counted[s.pk][0] for s in subs]
    ranges = stored_since_ranges(tenant=tenant_id, since=min(since), stored_after=min(c[1] for c in counted.values()))
    condition, bounds = time_ranges_sql(ranges, "e.timestamp", "r")
    params: dict[str, Any] = {
        "tenant": tenant_id, "reasons": list(billing.WINDOW_REASONS), "subs": [s.pk for s in subs],
        "customers": [s.customer_id for s in subs], "since": since, **bounds,
    }  # fmt: skip
    plan = _explain(billing.late_candidates_sql(condition), params)
    every = list(Subscription.objects.filter(tenant_id=tenant_id))
    started = time.perf_counter()
    size = settings.INVOICE_RUN_BATCH_SIZE
    with tenant_scope(tenant_id):
        for start in range(0, len(every), size):
            billing.late_usage_for(tenant=tenant_id, subscriptions=every[start : start + size])
    return plan, time.perf_counter() - started


def usage_totals_plan(tenant_id: uuid.UUID) -> str:
    from subscriptions.models import Subscription
    from usage import selectors
    from usage.models import Meter

    subs = list(Subscription.objects.filter(tenant_id=tenant_id).order_by("id")[:1000])
    ranges, bounds = selectors.window_ranges_sql(
        [selectors.UsageWindow(s.customer_id, PERIOD_START, PERIOD_END) for s in subs]
    )
    params: dict[str, Any] = {
        "tenant": tenant_id, "customers": [s.customer_id for s in subs], "starts": [PERIOD_START] * len(subs),
        "ends": [PERIOD_END] * len(subs), "meters": list(Meter.objects.filter(tenant_id=tenant_id).values_list("id", flat=True)),
        **bounds,
    }  # fmt: skip
    return _explain(selectors._SIMPLE_TOTALS_SQL.format(ranges=ranges), params)


def disk() -> tuple[int, int]:
    """Bytes of the event partitions (heap, TOAST and indexes) and of the key table."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(pg_total_relation_size(inhrelid)), 0) FROM pg_inherits "
            "WHERE inhparent = 'usage_usageevent'::regclass"
        )
        events = int(cursor.fetchone()[0])
        cursor.execute("SELECT pg_total_relation_size('usage_idempotencykey')")
        return events, cursor.fetchone()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=100_000_000)
    parser.add_argument("--subscriptions", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--ingest-batches", type=int, default=20, help="batches of 1,000 for the ingestion rate")
    parser.add_argument("--samples", type=int, default=200, help="subscriptions sampled for the p95s")
    args = parser.parse_args()
    bench_environment()
    from tenants.isolation import unscoped

    with unscoped():  # the bench reads across its tenant's rows (the services scope themselves)
        measure(args)


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def step(message: str) -> None:
    print(f"  {message} (load {load_average()})", file=sys.stderr, flush=True)


def measure(args: argparse.Namespace) -> None:
    load_before = load_average()
    started = time.perf_counter()
    tenant, calls, storage = setup(args.subscriptions)
    setup_seconds = time.perf_counter() - started
    meters = (calls.id, storage.id)
    step(f"setup done in {setup_seconds:.0f} s")
    empty_rate = ingest_rate(tenant.id, meters, "empty", args.ingest_batches)
    step(f"empty-table ingestion: {empty_rate:,.0f} events/s")
    load_seconds = load(tenant.id, meters, args.events, args.months)
    loaded_rate = ingest_rate(tenant.id, meters, "loaded", args.ingest_batches)
    step(f"loaded-table ingestion: {loaded_rate:,.0f} events/s")
    raw_seconds, _groups, _cpu = raw_group_by(tenant.id)
    step(f"raw GROUP BY: {raw_seconds:.2f} s")
    run_seconds, invoices = invoice(tenant.id)
    assert invoices == args.subscriptions, f"expected {args.subscriptions} invoices, got {invoices}"
    step(f"invoice run: {run_seconds:.1f} s")
    latencies = query_latencies(tenant.id, args.samples)
    step(f"latencies: {latencies}")
    late_plan, late_seconds = late_usage_plan(tenant.id)
    totals_plan = usage_totals_plan(tenant.id)
    events_bytes, keys_bytes = disk()
    per_million = 1_000_000 / args.events

    print(machine_line())
    print(f"load average: {load_before} at the start, {load_average()} at the end")
    print(
        f"{args.events:,} events over {args.months} months, {args.subscriptions:,} subscriptions "
        f"(setup {setup_seconds:.0f} s); load {load_seconds:.0f} s = {args.events / load_seconds:,.0f} events/s "
        f"({LOAD_WORKERS} connections, each month built apart then attached; seconds of each step: "
        + ", ".join(f"{k} {v:.0f}" for k, v in LOAD_STEPS.items())
        + ")"
    )
    print()
    print("| measure | figure | goal |")
    print("| --- | ---: | --- |")
    print(f"| ingestion, empty table (batches of {BATCH:,}) | {empty_rate:,.0f} events/s | |")
    print(f"| ingestion, loaded table | {loaded_rate:,.0f} events/s = {loaded_rate / empty_rate:.2f}× empty | ≥ 0.8× |")
    print(
        f"| invoice run, one month of {args.subscriptions:,} subscriptions | {run_seconds:.1f} s "
        f"= {run_seconds / raw_seconds:.1f}× raw GROUP BY ({raw_seconds:.2f} s) | ≤ 10× |"
    )
    for name, (p50, p95) in latencies.items():
        print(f"| {name} p50 / p95 ({args.samples} subscriptions) | {p50:.1f} / {p95:.1f} ms | p95 ≤ 50 ms |")
    print(f"| late-usage detection, {args.subscriptions:,} subscriptions in batches | {late_seconds:.2f} s | |")
    print(
        f"| disk per million events | {events_bytes * per_million / 2**20:,.0f} MiB events + "
        f"{keys_bytes * per_million / 2**20:,.0f} MiB keys | |"
    )
    print()
    print(f"late candidates (1,000 subscriptions) read partitions: {partitions_read(late_plan) or 'none'}")
    print(f"usage totals (1,000 windows of January) read partitions: {partitions_read(totals_plan) or 'none'}")
    print()
    print("late candidates plan:")
    print(late_plan)
    print()
    print("usage totals plan:")
    print(totals_plan)


if __name__ == "__main__":
    main()
