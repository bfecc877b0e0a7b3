"""Invoice-run benchmark: `make bench-invoices` (or `.venv/bin/python bench/invoice_run.py`).

For each size (default 1,000 and 10,000 subscriptions, 100 usage events each in the
billed month: 100,000 and 1,000,000 events) it builds a fresh tenant in its own
database (`<DATABASE_URL's name>_bench`): one plan with a flat fee and two usage
charges (graduated tiers on `api_calls`, per unit on `storage_gb`), one customer and
subscription per size step, events written with one INSERT … SELECT from
generate_series, then VACUUM ANALYZE (as autovacuum would). It then measures, in the
same run:

  - the invoice run itself: `invoice_due_subscriptions` (the service behind the API,
    the beat job and the command), seconds and milliseconds per subscription;
  - one raw `GROUP BY customer, meter` over the same events, the floor any invoice
    run must pay to read the usage.

It prints a table, the machine and its load average. On a shared machine wall time
mostly measures the other work, so it also prints CPU seconds (this process plus its
PostgreSQL backends, from /proc: the main connection's and the count ahead's,
`counted_ahead`) of the run and of the raw query. `--profile` runs the
invoice run under pyinstrument and counts its statements by kind.

With `--groups N` (default 10; 0 skips it) each size is also run with charge
dimensions (API.md Part 2): the `api_calls` charge then has `group_by: ["workspace"]`
and the same events spread over N workspaces (both cases write the same events with
the same properties; the plain case ignores them): N usage lines of `api_calls` per
invoice instead of one, the same total events. `--with-filter` adds a filter
(`region: eu`, per unit) to it: 2 × N lines.

Goals: linear growth, the 10,000-subscription run within 10 times the raw query
(issue #18), and the grouped run within 2 times the plain one (issue #16). The
grouped table shows the CPU ratio too (this process plus its PostgreSQL backends, as
above): on a shared or noisy machine it moves less than the wall-time ratio, and it
shows what the count beside the batches overlaps rather than saves.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import backend_pid, bench_environment, first_period_subscription, machine_line, process_cpu

PERIOD_START = datetime(2026, 1, 1, tzinfo=UTC)
PERIOD_END = datetime(2026, 2, 1, tzinfo=UTC)

_EVENTS_SQL = """
INSERT INTO usage_usageevent
    (tenant_id, customer_id, meter_id, idempotency_key, value, timestamp, properties, fingerprint, created_at)
SELECT %(tenant)s, c.id, CASE WHEN g %% 4 = 0 THEN %(storage)s::uuid ELSE %(calls)s::uuid END,
       c.id::text || '-' || g, (1 + g %% 50)::numeric,
       %(start)s::timestamptz + (g * interval '1 second') * (2500000.0 / %(per)s),
       jsonb_build_object('workspace', 'w' || (g %% %(groups)s), 'region', CASE WHEN g %% 3 = 0 THEN 'eu' ELSE 'us' END),
       'bench',
       %(start)s::timestamptz + (g * interval '1 second') * (2500000.0 / %(per)s)
FROM subscriptions_customer c, generate_series(1, %(per)s) AS g
WHERE c.tenant_id = %(tenant)s
"""

_RAW_SQL = """
SELECT customer_id, meter_id, count(*), sum(value), max(value)
FROM usage_usageevent
WHERE tenant_id = %s AND timestamp >= %s AND timestamp < %s
GROUP BY customer_id, meter_id
"""


def build(size: int, per_subscription: int, groups: int = 0, with_filter: bool = False) -> uuid.UUID:
    from django.db import connection

    tenant, calls, storage = setup(size, groups, with_filter)
    with connection.cursor() as cursor:
        cursor.execute(
            _EVENTS_SQL,
            {
                "tenant": tenant.id,
                "calls": calls.id,
                "storage": storage.id,
                "start": PERIOD_START,
                "per": per_subscription,
                "groups": max(groups, 1),
            },
        )
    connection.close()
    with connection.cursor() as cursor:  # autocommit: VACUUM cannot run in a transaction
        cursor.execute("VACUUM ANALYZE usage_usageevent")
    return tenant.id


def setup(size: int, groups: int = 0, with_filter: bool = False) -> tuple[Any, Any, Any]:
    """A tenant with the plan (a fee, graduated api_calls, per-unit storage_gb; with
    `groups`, api_calls grouped by workspace, and a filter too with `with_filter`) and
    `size` customers, each subscribed in its first period [PERIOD_START, PERIOD_END).
    Returns the tenant and its two meters."""
    from plans.models import Charge, Meter, Plan
    from plans.pricing import ChargeSpec, TierSpec
    from subscriptions.models import Customer, Subscription, SubscriptionSegment
    from tenants.models import Tenant

    tenant = Tenant.objects.create(name=f"bench invoices {size} groups {groups}")
    calls = Meter.objects.create(tenant=tenant, code="api_calls", name="API calls", aggregation="sum")
    storage = Meter.objects.create(tenant=tenant, code="storage_gb", name="Storage", aggregation="sum")
    plan = Plan.objects.create(
        tenant=tenant, code="pro", name="Pro", currency="USD", interval="month", amount=Decimal("49.00")
    )
    tiers = ChargeSpec.tiered([TierSpec(1000), TierSpec(10000, Decimal("0.002")), TierSpec(None, Decimal("0.001"))])
    dimensions: dict[str, Any] = {}
    if groups:
        dimensions = {"group_by": ["workspace"]}
    if groups and with_filter:
        dimensions["filters"] = [Charge.filter_row("eu", {"region": ["eu"]}, ChargeSpec.per_unit(Decimal("0.003")))]
    Charge.objects.create(
        tenant=tenant, plan=plan, meter=calls, position=0, **Charge.fields_from_spec(tiers), **dimensions
    )
    Charge.objects.create(
        tenant=tenant,
        plan=plan,
        meter=storage,
        position=1,
        **Charge.fields_from_spec(ChargeSpec.per_unit(Decimal("0.10"))),
    )
    customers = Customer.objects.bulk_create(
        [Customer(tenant=tenant, external_id=f"cus_{i}", name=f"Customer {i}") for i in range(size)], batch_size=2000
    )
    subscriptions = Subscription.objects.bulk_create(
        [first_period_subscription(tenant, c, plan, PERIOD_START, PERIOD_END) for c in customers], batch_size=2000
    )
    SubscriptionSegment.objects.bulk_create(
        [
            SubscriptionSegment(
                tenant=tenant, subscription=s, plan=plan, start_at=PERIOD_START, billing_anchor=PERIOD_START
            )
            for s in subscriptions
        ],
        batch_size=2000,
    )
    return tenant, calls, storage


def cpu_seconds() -> float:
    """CPU time so far of this process (all its threads) plus its PostgreSQL backends
    (same machine: their /proc entries): the main connection's, and those of the
    counts ahead that have run on their own connection (`counted_ahead`): on a shared
    machine, where wall time mostly measures the others, what the work itself cost."""
    return time.process_time() + process_cpu(backend_pid()) + sum(_AHEAD_CPU)


# CPU seconds of each count ahead's backend, read as the count ends (its thread then
# closes the connection, and the backend's /proc entry goes with it).
_AHEAD_CPU: list[float] = []


def counted_ahead() -> None:
    """Wrap `billing.count_run_ahead` so that, run on a thread of its own (its own
    connection: `invoices.ahead_counter`), its backend's CPU is added to `cpu_seconds`."""
    import threading

    from invoices import billing

    count = billing.count_run_ahead

    def measured(**kwargs: Any) -> Any:
        try:
            return count(**kwargs)
        finally:
            if threading.current_thread() is not threading.main_thread():
                _AHEAD_CPU.append(process_cpu(backend_pid()))

    billing.count_run_ahead = measured


def raw_group_by(tenant_id: uuid.UUID) -> tuple[float, int, float]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(_RAW_SQL, [tenant_id, PERIOD_START, PERIOD_END])  # warm the cache once
        cpu = cpu_seconds()
        started = time.perf_counter()
        cursor.execute(_RAW_SQL, [tenant_id, PERIOD_START, PERIOD_END])
        rows = len(cursor.fetchall())
    return time.perf_counter() - started, rows, cpu_seconds() - cpu


class QueryClock:
    """Counts the run's SQL statements and the time spent waiting for them
    (`connection.execute_wrapper`): what is left of the run's time is Python."""

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0
        self.by_kind: dict[str, list[float]] = {}

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent = time.perf_counter() - started
            self.count += 1
            self.seconds += spent
            kind = " ".join(sql.split()[:4])[:60]
            entry = self.by_kind.setdefault(kind, [0, 0.0])
            entry[0] += 1
            entry[1] += spent


def invoice(tenant_id: uuid.UUID, clock: QueryClock | None = None) -> tuple[float, int]:
    from django.db import connection

    from invoices.services import invoice_due_subscriptions
    from tenants.isolation import tenant_scope

    cpu = cpu_seconds()
    started = time.perf_counter()
    with tenant_scope(tenant_id), connection.execute_wrapper(clock or (lambda execute, *args: execute(*args))):
        totals = invoice_due_subscriptions(tenant=tenant_id, as_of=PERIOD_END)
    invoice.cpu = cpu_seconds() - cpu  # type: ignore[attr-defined]
    return time.perf_counter() - started, len(totals.invoices)


def profiled(tenant_id: uuid.UUID) -> tuple[float, int]:
    """The run under pyinstrument and the query clock: the call tree, then the
    statements by kind (count, seconds)."""
    from pyinstrument import Profiler

    clock = QueryClock()
    profiler = Profiler(interval=0.001)
    profiler.start()
    seconds, invoices = invoice(tenant_id, clock)
    profiler.stop()
    print(profiler.output_text(unicode=True, color=False, show_all=False))
    print(f"{clock.count} statements, {clock.seconds:.2f} s of {seconds:.2f} s waiting for PostgreSQL")
    for kind, (count, spent) in sorted(clock.by_kind.items(), key=lambda item: -item[1][1])[:15]:
        print(f"  {count:6d} {spent:7.3f} s  {kind}")
    return seconds, invoices


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--events-per-subscription", type=int, default=100)
    parser.add_argument("--profile", action="store_true", help="run under pyinstrument and count statements")
    parser.add_argument("--groups", type=int, default=10, help="workspaces of the grouped case (0: skip it)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each case per size (medians shown)")
    parser.add_argument("--with-filter", action="store_true", help="the grouped case's charge has a filter too")
    args = parser.parse_args()
    bench_environment()
    from django.conf import settings

    from billing_project.processes import freeze_startup_objects

    counted_ahead()

    rows, grouped = [], []
    for size in args.sizes:
        # Both cases' tenants are built before either runs (the same tables, the same
        # cache), then run alternately `--repeat` times: the medians are compared.
        per = args.events_per_subscription
        pairs = [
            (build(size, per), build(size, per, args.groups, args.with_filter) if args.groups else None)
            for _ in range(args.repeat)
        ]
        raw_seconds, _groups, raw_cpu = raw_group_by(pairs[0][0])
        freeze_startup_objects()  # as a Celery worker does once started (billing_project.processes)
        plain_runs, grouped_runs, plain_cpu, grouped_cpu = [], [], [], []
        for plain_tenant, grouped_tenant in pairs:
            run_seconds, invoices = (profiled if args.profile else invoice)(plain_tenant)
            plain_cpu.append(invoice.cpu)  # type: ignore[attr-defined]
            assert invoices == size, f"expected {size} invoices, got {invoices}"
            plain_runs.append(run_seconds)
            if grouped_tenant is not None:
                grouped_seconds, invoices = invoice(grouped_tenant)
                assert invoices == size, f"expected {size} invoices, got {invoices}"
                grouped_runs.append(grouped_seconds)
                grouped_cpu.append(invoice.cpu)  # type: ignore[attr-defined]
        run_seconds = statistics.median(plain_runs)
        run_cpu = statistics.median(plain_cpu)
        rows.append((size, size * args.events_per_subscription, run_seconds, raw_seconds, run_cpu, raw_cpu))
        if grouped_runs:
            grouped.append(
                (size, run_seconds, statistics.median(grouped_runs), run_cpu, statistics.median(grouped_cpu))
            )

    print(machine_line())
    print(f"load average at the end: {Path('/proc/loadavg').read_text().split()[:3]}")
    print(f"batch size: {settings.INVOICE_RUN_BATCH_SIZE} subscriptions per transaction")
    print()
    print("| subscriptions | events | invoice run | per subscription | raw GROUP BY | run / raw | CPU run / raw |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for size, events, run_seconds, raw_seconds, run_cpu, raw_cpu in rows:
        cpu_ratio = f"{run_cpu:.2f} / {raw_cpu:.2f} s = {run_cpu / raw_cpu:.1f}×" if raw_cpu else "n/a"
        print(
            f"| {size:,} | {events:,} | {run_seconds:.2f} s | {run_seconds / size * 1000:.2f} ms "
            f"| {raw_seconds:.2f} s | {run_seconds / raw_seconds:.1f}× | {cpu_ratio} |"
        )
    if len(rows) > 1:
        (small, _, small_run, *_), (large, _, large_run, *_) = rows[0], rows[-1]
        print()
        print(f"growth: {large / small:.0f}× the subscriptions took {large_run / small_run:.1f}× the time")
    if grouped:
        print()
        case = f"{args.groups} workspaces" + (" + a filter" if args.with_filter else "")
        print(f"| subscriptions | plain run | {case} | grouped / plain | CPU grouped / plain |")
        print("| ---: | ---: | ---: | ---: | ---: |")
        for size, plain, with_groups, cpu_plain, cpu_groups in grouped:
            print(
                f"| {size:,} | {plain:.2f} s | {with_groups:.2f} s | {with_groups / plain:.2f}× "
                f"| {cpu_groups:.2f} / {cpu_plain:.2f} s = {cpu_groups / cpu_plain:.2f}× |"
            )


if __name__ == "__main__":
    main()
