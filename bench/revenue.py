"""Revenue-metrics benchmark: `make bench-revenue` (or `.venv/bin/python bench/revenue.py`).

Builds, in its own database (`<DATABASE_URL's name>_bench`, dropped and migrated
here), one tenant with 100,000 subscriptions (default) and what the revenue view and
the revenue report read, written with bulk INSERT … SELECT from generate_series:

  - plans: monthly USD (49.00), yearly USD (490.00, every 10th), monthly EUR (39.00,
    every 20th); a `forever` 10 % coupon attached to every 25th customer;
  - statuses: every 50th trialing, every 50th past_due, every 50th canceled, the rest
    active;
  - invoices: one per month for the last 12 months (default) for the monthly
    subscriptions, one yearly invoice for the yearly ones, each with a flat-fee line
    and two usage lines (1.2 M invoices, 3.4 M lines by default); the latest month's
    every third is open, every 97th subscription's third month is void, the rest paid.

Then, in the same run:

  (r) `REFRESH MATERIALIZED VIEW CONCURRENTLY metrics_revenue` through the service
      (`revenue_metrics_refresh`), five times: median and max. Goal ≤ 1 s.
      Beside it, the view's query alone: the refresh's own overhead is the difference.
  (h) `GET /healthz`, (m) `GET …/metrics/mrr` and (v) `GET …/metrics/revenue` (default
      range: the last 12 months) with an API key, under gunicorn (2 sync workers per
      core) and `wrk` at concurrency 16: req/s, p50, p95, p99. Goal p95 ≤ 50 ms; (h) is
      the same server's ceiling on the same machine at the same moment.
  (m+r) (m) again while the view is refreshed back to back from another connection:
      CONCURRENTLY never blocks the readers.

Every answer is checked before the load runs (the MRR and the revenue of the built data,
to the cent). It prints a table and the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import requests
from dateutil.relativedelta import relativedelta

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import backend_pid, bench_environment, child_pids, machine_line, process_cpu
from bench.ingest import LUA, free_port, start_server

NOW = datetime.now(UTC)
# The current month's first instant: the latest invoices were issued then.
END = NOW.replace(day=1, hour=0, minute=0, second=0, microsecond=0)

# Subscriptions numbered g = 1..n (their customer's external id is cus_<g>).
_CUSTOMERS_SQL = """
INSERT INTO subscriptions_customer (id, external_id, name, email, metadata, created_at, tenant_id, tax_exempt)
SELECT gen_random_uuid(), 'cus_' || g, 'Customer ' || g, '', '{}', %(start)s, %(tenant)s, false
FROM generate_series(1, %(n)s) AS g
"""

_SUBSCRIPTIONS_SQL = """
CREATE TEMP TABLE bench_sub AS
SELECT gen_random_uuid() AS id, c.id AS customer_id, x.g,
       CASE WHEN x.g %% 10 = 0 THEN %(yearly)s::uuid WHEN x.g %% 20 = 1 THEN %(eur)s::uuid ELSE %(monthly)s::uuid END AS plan_id,
       CASE WHEN x.g %% 10 = 0 THEN 'year' ELSE 'month' END AS interval,
       CASE x.g %% 50 WHEN 2 THEN 'trialing' WHEN 3 THEN 'past_due' WHEN 4 THEN 'canceled' ELSE 'active' END AS status
FROM subscriptions_customer c, LATERAL (SELECT substr(c.external_id, 5)::int AS g) x
WHERE c.tenant_id = %(tenant)s;

INSERT INTO subscriptions_subscription
    (id, status, start_at, trial_end, billing_anchor, period_index, current_period_start, current_period_end,
     cancel_at_period_end, canceled_at, created_at, customer_id, plan_id, tenant_id, pending_plan_id)
SELECT s.id, s.status,
       CASE WHEN s.status = 'trialing' THEN %(end)s ELSE %(start)s END,
       CASE WHEN s.status = 'trialing' THEN %(end)s::timestamptz + interval '14 days' END,
       CASE WHEN s.status = 'trialing' THEN %(end)s::timestamptz + interval '14 days' ELSE %(start)s END,
       CASE WHEN s.status = 'trialing' THEN NULL WHEN s.interval = 'year' THEN 1 ELSE %(months)s END,
       %(end)s,
       CASE WHEN s.status = 'trialing' THEN %(end)s::timestamptz + interval '14 days'
            WHEN s.interval = 'year' THEN %(end)s::timestamptz + interval '1 year'
            ELSE %(end)s::timestamptz + interval '1 month' END,
       false, CASE WHEN s.status = 'canceled' THEN %(end)s END, %(start)s, s.customer_id, s.plan_id, %(tenant)s, NULL
FROM bench_sub s;

INSERT INTO subscriptions_subscriptionsegment (tenant_id, subscription_id, plan_id, start_at, end_at, billing_anchor)
SELECT %(tenant)s, s.id, s.plan_id, CASE WHEN s.status = 'trialing' THEN %(end)s ELSE %(start)s END, NULL,
       CASE WHEN s.status = 'trialing' THEN %(end)s::timestamptz + interval '14 days' ELSE %(start)s END
FROM bench_sub s;

INSERT INTO subscriptions_discount
    (id, position, periods_used, amount_remaining, created_at, ended_at, end_reason, coupon_id, customer_id,
     subscription_id, tenant_id)
SELECT gen_random_uuid(), 0, 0, NULL, %(start)s, NULL, '', %(coupon)s, s.customer_id, NULL, %(tenant)s
FROM bench_sub s WHERE s.g %% 25 = 0;
"""

# One row per invoice to write: monthly subscriptions every month of the range (m = 0
# the oldest), yearly ones once over the whole year. Trialing subscriptions have none.
_INVOICES_SQL = """
CREATE TEMP TABLE bench_inv AS
SELECT gen_random_uuid() AS id, s.id AS subscription_id, s.customer_id, s.g, m,
       CASE WHEN s.plan_id = %(eur)s::uuid THEN 'EUR' ELSE 'USD' END AS currency,
       CASE WHEN s.interval = 'year' THEN %(start)s ELSE %(start)s::timestamptz + m * interval '1 month' END AS period_start,
       CASE WHEN s.interval = 'year' THEN %(end)s ELSE %(start)s::timestamptz + (m + 1) * interval '1 month' END AS period_end,
       CASE WHEN s.interval = 'year' THEN 490.00 WHEN s.plan_id = %(eur)s::uuid THEN 39.00 ELSE 49.00 END AS fee,
       ((s.g * 7 + m) %% 100) * 0.37 AS calls,
       (s.g %% 7) * 1.10 AS storage,
       CASE WHEN s.g %% 97 = 0 AND m = 2 THEN 'void'
            WHEN (s.interval = 'year' OR m = %(months)s - 1) AND s.g %% 3 = 0 THEN 'open'
            ELSE 'paid' END AS status
FROM bench_sub s,
     generate_series(0, CASE WHEN s.interval = 'year' THEN 0 ELSE %(months)s - 1 END) AS m
WHERE s.status <> 'trialing';

INSERT INTO invoices_invoice
    (id, number, status, currency, period_start, period_end, subtotal, total, issued_at, due_at, paid_at, voided_at,
     created_at, customer_id, subscription_id, tenant_id, amount_due, amount_paid, billing_reason, credits_applied,
     discount, tax, taxes, amount_credited, usage_seq, attempt_count, first_failed_at, next_payment_attempt,
     retries_sent)
SELECT i.id, 'INV-' || lpad((row_number() OVER ())::text, 10, '0'), i.status, i.currency, i.period_start, i.period_end,
       i.fee + i.calls + i.storage, i.fee + i.calls + i.storage, i.period_end, i.period_end + interval '30 days',
       CASE WHEN i.status = 'paid' THEN LEAST(i.period_end + interval '3 days', %(settled_by)s) END,
       CASE WHEN i.status = 'void' THEN LEAST(i.period_end + interval '1 day', %(settled_by)s) END,
       i.period_end, i.customer_id, i.subscription_id, %(tenant)s,
       CASE WHEN i.status = 'open' THEN i.fee + i.calls + i.storage ELSE 0 END,
       CASE WHEN i.status = 'paid' THEN i.fee + i.calls + i.storage ELSE 0 END,
       'period', 0, 0, 0, '[]', 0, 0, 0, NULL, NULL, 0
FROM bench_inv i;

INSERT INTO invoices_invoiceline
    (position, kind, description, meter_code, model, quantity, amount, tiers, period_start, period_end, invoice_id,
     meter_id, source_invoice_id, tenant_id, discount_id)
SELECT l.position, l.kind, l.description, l.meter_code, l.model, l.quantity, l.amount, '[]', i.period_start,
       i.period_end, i.id, l.meter_id, NULL, %(tenant)s, NULL
FROM bench_inv i, LATERAL (VALUES
    (0, 'flat_fee', 'Subscription fee', '', '', 1::numeric, i.fee, NULL::uuid),
    (1, 'usage', 'API calls', 'api_calls', 'per_unit', i.calls * 1000, i.calls, %(calls)s::uuid),
    (2, 'usage', 'Storage', 'storage_gb', 'per_unit', i.storage * 10, i.storage, %(storage)s::uuid)
) AS l(position, kind, description, meter_code, model, quantity, amount, meter_id);
"""


@dataclass(frozen=True)
class Built:
    tenant_id: uuid.UUID
    key: str
    invoices: int
    lines: int
    seconds: float


def build(subscriptions: int, months: int) -> Built:
    from django.db import connection

    from plans.models import Coupon, Meter, Plan
    from tenants.models import Tenant
    from tenants.services import api_key_create

    started = time.perf_counter()
    start = END - relativedelta(months=months)
    tenant = Tenant.objects.create(name="bench revenue")
    calls = Meter.objects.create(tenant=tenant, code="api_calls", name="API calls", aggregation="sum")
    storage = Meter.objects.create(tenant=tenant, code="storage_gb", name="Storage", aggregation="sum")

    def plan(code: str, currency: str, interval: str, amount: str) -> Plan:
        return Plan.objects.create(
            tenant=tenant, code=code, name=code, currency=currency, interval=interval, amount=Decimal(amount)
        )

    monthly, yearly, eur = (
        plan("pro", "USD", "month", "49.00"),
        plan("pro_y", "USD", "year", "490.00"),
        plan("pro_eur", "EUR", "month", "39.00"),
    )
    coupon = Coupon.objects.create(tenant=tenant, code="TEN", name="10 % off", percent_off=10, duration="forever")
    _, key = api_key_create(tenant=tenant, name="bench")
    params: dict[str, Any] = {
        "tenant": tenant.id,
        "n": subscriptions,
        "start": start,
        "end": END,
        # Payments and voids happen a few days after the issue, but never after now: the
        # latest month's were dated into the future before, and the revenue route (to =
        # now, mid-month) then subtracted 65,333 of them one by one.
        "settled_by": max(END, NOW - timedelta(minutes=1)),
        "months": months,
        "monthly": monthly.id,
        "yearly": yearly.id,
        "eur": eur.id,
        "coupon": coupon.id,
        "calls": calls.id,
        "storage": storage.id,
    }
    with connection.cursor() as cursor:
        for script in (_CUSTOMERS_SQL, _SUBSCRIPTIONS_SQL, _INVOICES_SQL):
            for sql in script.split(";\n\n"):  # one statement per execute (server-side binding)
                cursor.execute(sql, params)
        cursor.execute("SELECT count(*) FROM invoices_invoice WHERE tenant_id = %s", [tenant.id])
        invoices = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM invoices_invoiceline WHERE tenant_id = %s", [tenant.id])
        lines = cursor.fetchone()[0]
    connection.close()  # drops the temp tables
    with connection.cursor() as cursor:  # autocommit: VACUUM cannot run in a transaction
        cursor.execute("VACUUM ANALYZE")
    return Built(tenant.id, key, invoices, lines, time.perf_counter() - started)


def expected_mrr(subscriptions: int, months: int) -> dict[str, Decimal]:
    """The USD and EUR MRR of the built data, computed here from the same rules as the
    SQL above (independently of the view): the answer the API must give."""
    mrr = {"USD": Decimal(0), "EUR": Decimal(0)}
    for g in range(1, subscriptions + 1):
        status = {2: "trialing", 3: "past_due", 4: "canceled"}.get(g % 50, "active")
        if status not in ("active", "past_due"):
            continue
        yearly, eur = g % 10 == 0, g % 10 != 0 and g % 20 == 1
        fee = Decimal("490.00") if yearly else Decimal("39.00") if eur else Decimal("49.00")
        if g % 25 == 0:
            fee -= fee * 10 / 100
        m = 0 if yearly else months - 1
        usage = ((g * 7 + m) % 100) * Decimal("0.37") + (g % 7) * Decimal("1.10")
        if g % 97 == 0 and m == 2:  # the latest invoice is void: the one before counts
            usage = ((g * 7 + m - 1) % 100) * Decimal("0.37") + (g % 7) * Decimal("1.10")
        mrr["EUR" if eur else "USD"] += (fee + usage) / (12 if yearly else 1)
    return {currency: amount.quantize(Decimal("0.01")) for currency, amount in mrr.items()}


@dataclass(frozen=True)
class Timed:
    wall: float
    cpu: float  # the PostgreSQL backend's CPU seconds

    def __str__(self) -> str:
        return f"{self.wall:.3f} s (database CPU {self.cpu:.3f} s)"


def timed(work: Any) -> Timed:
    pid = backend_pid()
    cpu, started = process_cpu(pid), time.perf_counter()
    work()
    return Timed(time.perf_counter() - started, process_cpu(pid) - cpu)


def query_seconds(sql: str) -> Timed:
    """A query run alone, as the refresh runs it (no JIT)."""
    from django.db import connection, transaction

    def run() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
            cursor.execute(sql)
            cursor.fetchall()

    return timed(run)


def view_query_seconds() -> Timed:
    """The view's defining query run alone: since metrics 0004, a sum of the
    per-subscription rows."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT definition FROM pg_matviews WHERE matviewname = 'metrics_revenue'")
        definition = cursor.fetchone()[0].rstrip().rstrip(";")
    return query_seconds(definition)


def old_view_query_seconds() -> Timed:
    """What every refresh computed before metrics 0004: metrics 0002's view query."""
    from importlib import import_module

    sql = import_module("metrics.migrations.0002_committed_net_of_discounts").CREATE_VIEW
    return query_seconds(sql.split("AS\n", 1)[1].split("WITH DATA;")[0])


def refresh_times(count: int) -> list[Timed]:
    """Refreshes with nothing marked: the view's sum of the per-subscription rows."""
    from metrics.services import revenue_metrics_refresh

    return [timed(revenue_metrics_refresh) for _ in range(count)]


def marked_refresh_times(tenant_id: uuid.UUID, marked: int, count: int) -> list[Timed]:
    """Refreshes after `marked` subscriptions changed (an update that moves nothing
    still marks them: the refresh recomputes them all)."""
    from django.db import connection

    from metrics.services import revenue_metrics_refresh

    times = []
    for _ in range(count):
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE subscriptions_subscription SET status = status WHERE id IN "
                "(SELECT id FROM subscriptions_subscription WHERE tenant_id = %s ORDER BY random() LIMIT %s)",
                [tenant_id, marked],
            )
        times.append(timed(revenue_metrics_refresh))
    return times


def revenue_selector_times(tenant_id: uuid.UUID, count: int) -> list[Timed]:
    """`metrics.selectors.revenue_by_month` for the default range (the last 12 months,
    to now) in this process: the route's query without HTTP."""
    from metrics.selectors import revenue_by_month, revenue_range_default

    start, end = revenue_range_default(datetime.now(UTC))
    return [timed(lambda: revenue_by_month(tenant=tenant_id, start=start, end=end)) for _ in range(count)]


def server_cpu(server: subprocess.Popen[bytes]) -> float:
    """CPU seconds of gunicorn's master and workers."""
    return sum(process_cpu(pid) for pid in [server.pid, *child_pids(server.pid)])


def median_timed(times: list[Timed]) -> str:
    return (
        f"median {statistics.median(t.wall for t in times):.3f} s, max {max(t.wall for t in times):.3f} s; "
        f"database CPU median {statistics.median(t.cpu for t in times):.3f} s ({len(times)} runs)"
    )


@dataclass(frozen=True)
class Load:
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    server_cpu_ms: float = 0.0  # gunicorn's CPU per answer

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


def wrk_get(
    url: str, key: str, *, connections: int, seconds: int, server: subprocess.Popen[bytes] | None = None
) -> Load:
    """One wrk run of GET `url` (2 threads); refuses a run with any error."""
    cpu = server_cpu(server) if server else 0.0
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: `make bench-revenue` installs it (Debian package wrk)")
    command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--timeout", "60s", "-s", str(LUA / "get.lua"),
               "-H", f"Authorization: Bearer {key}", url]  # fmt: skip
    out = subprocess.run(command, env={**os.environ, "BENCH_LUA_DIR": str(LUA)}, capture_output=True, text=True,
                         check=True).stdout  # fmt: skip
    report = json.loads(out.strip().splitlines()[-1])
    if report["status_errors"] or report["socket_errors"]:
        raise SystemExit(f"wrk saw errors on {url}: {report}")
    cpu = (server_cpu(server) - cpu) if server else 0.0
    return Load(
        server_cpu_ms=1000 * cpu / report["requests"] if report["requests"] else 0.0,
        requests=report["requests"],
        seconds=report["duration_us"] / 1e6,
        p50_ms=report["p50_us"] / 1000,
        p95_ms=report["p95_us"] / 1000,
        p99_ms=report["p99_us"] / 1000,
    )


def check_answers(base: str, key: str, subscriptions: int, months: int) -> None:
    """The routes answer the built data's figures before any load is measured."""
    headers = {"Authorization": f"Bearer {key}"}
    mrr = requests.get(f"{base}/metrics/mrr", headers=headers, timeout=60).json()
    got = {row["currency"]: Decimal(row["mrr"]) for row in mrr["currencies"]}
    if got != expected_mrr(subscriptions, months):
        raise SystemExit(f"MRR {got} is not the built data's {expected_mrr(subscriptions, months)}")
    revenue = requests.get(f"{base}/metrics/revenue", headers=headers, timeout=60).json()
    months_listed = {len(row["months"]) for row in revenue["currencies"]}
    invoiced = sum(Decimal(m["invoiced"]) for row in revenue["currencies"] for m in row["months"])
    if months_listed != {12} or invoiced <= 0:
        raise SystemExit(f"unexpected revenue answer: {revenue}")


def refresh_loop(stop: threading.Event, done: list[float]) -> None:
    from django.db import connection

    from metrics.services import revenue_metrics_refresh

    while not stop.is_set():
        started = time.perf_counter()
        revenue_metrics_refresh()
        done.append(time.perf_counter() - started)
    connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subscriptions", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=12, help="months of invoices (at least 3)")
    parser.add_argument("--seconds", type=int, default=10, help="length of each measured wrk run")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--refreshes", type=int, default=5)
    args = parser.parse_args()

    cores = os.cpu_count() or 1
    env = bench_environment()
    # Started first, while the machine is quieter: idle during the build.
    port = free_port()
    server = start_server(env, port, workers=2 * cores, threads=1)
    try:
        built = build(args.subscriptions, args.months)
        from metrics.services import revenue_metrics_refresh, revenue_rollups_rebuild

        # The build's inserts marked every subscription: the first refresh recomputes them all.
        first = timed(revenue_metrics_refresh)
        print(f"first refresh (every subscription marked by the build): {first}", flush=True)
        refreshes = refresh_times(args.refreshes)
        print(f"refresh, nothing marked: {median_timed(refreshes)}", flush=True)
        marked = {n: marked_refresh_times(built.tenant_id, n, 3) for n in (1_000, 10_000)}
        for n, times in marked.items():
            print(f"refresh, {n:,} marked: {median_timed(times)}", flush=True)
        view_seconds = view_query_seconds()
        old_view_seconds = old_view_query_seconds()
        rebuild = timed(revenue_rollups_rebuild)
        selector = revenue_selector_times(built.tenant_id, 20)
        print(
            f"view query alone {view_seconds}; the old view query {old_view_seconds}; rebuild {rebuild}; "
            f"revenue selector {median_timed(selector)}",
            flush=True,
        )
    except BaseException:
        server.terminate()
        raise
    base = f"http://127.0.0.1:{port}/v1/tenants/{built.tenant_id}"
    try:
        check_answers(base, built.key, args.subscriptions, args.months)
        loads = {}
        root = f"http://127.0.0.1:{port}"
        for name, url in (("healthz", f"{root}/healthz"), ("mrr", f"{base}/metrics/mrr")):
            wrk_get(url, built.key, connections=args.concurrency, seconds=2)  # warm-up
            loads[name] = wrk_get(url, built.key, connections=args.concurrency, seconds=args.seconds, server=server)
        stop, during = threading.Event(), list[float]()
        refresher = threading.Thread(target=refresh_loop, args=(stop, during))
        refresher.start()
        try:
            loads["mrr+refresh"] = wrk_get(
                f"{base}/metrics/mrr", built.key, connections=args.concurrency, seconds=args.seconds, server=server
            )
        finally:
            stop.set()
            refresher.join()
        # Last: slow answers would keep the workers busy after wrk stops.
        wrk_get(f"{base}/metrics/revenue", built.key, connections=args.concurrency, seconds=2)  # warm-up
        loads["revenue"] = wrk_get(
            f"{base}/metrics/revenue", built.key, connections=args.concurrency, seconds=args.seconds, server=server
        )
    finally:
        server.terminate()
        server.wait(timeout=30)

    print(machine_line())
    print(f"load average at the end: {Path('/proc/loadavg').read_text().split()[:3]}")
    print("CPU: a PostgreSQL backend's or gunicorn's user + system seconds, from /proc (less sensitive to the load)")
    print(
        f"data: 1 tenant, {args.subscriptions:,} subscriptions, {built.invoices:,} invoices, {built.lines:,} lines "
        f"({args.months} months), built in {built.seconds:.0f} s"
    )
    print(f"server: gunicorn, {2 * cores} sync workers; client: wrk, 2 threads, {args.seconds} s per run")
    print()
    print("| measure | figure |")
    print("| --- | --- |")
    print(f"| (b) first refresh after the build (every subscription marked: the old refresh's work) | {first} |")
    print(f"| (r) refresh CONCURRENTLY, nothing marked (goal ≤ 1 s) | {median_timed(refreshes)} |")
    for n, times in marked.items():
        print(f"| (r{n // 1000}k) refresh after {n:,} subscriptions changed | {median_timed(times)} |")
    labels = {
        "healthz": "(h) GET /healthz: the server's ceiling",
        "mrr": "(m) GET …/metrics/mrr",
        "revenue": "(v) GET …/metrics/revenue",
        "mrr+refresh": f"(m+r) GET …/metrics/mrr during {len(during)} back-to-back refreshes",
    }
    for name, load in loads.items():
        goal = "" if name == "healthz" else " (goal p95 ≤ 50 ms)"
        figure = (
            f"{load.rate:,.{0 if load.rate >= 10 else 1}f} req/s, p50 {load.p50_ms:.1f} ms, p95 {load.p95_ms:.1f} ms, "
            f"p99 {load.p99_ms:.1f} ms; gunicorn CPU {load.server_cpu_ms:.1f} ms per answer"
            if load.requests
            else f"no answer within the {args.seconds} s run"
        )
        print(f"| {labels[name]}, concurrency {args.concurrency}{goal} | {figure} |")
    print(f"| revenue_by_month alone, default range (no HTTP) | {median_timed(selector)} |")
    print(f"| view query alone (the sum of the per-subscription rows, no JIT) | {view_seconds} |")
    print(f"| the old view query alone (metrics 0002: every subscription from its invoices) | {old_view_seconds} |")
    print(f"| revenue_rollups --rebuild (the backfill, then a refresh) | {rebuild} |")


if __name__ == "__main__":
    main()
