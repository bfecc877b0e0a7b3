"""What alerts cost ingestion: `make bench-alerts` (or `.venv/bin/python bench/alerts.py`).

Two tenants built alike: 1,000 customers `cus_0`…`cus_999`, each subscribed to Pro
(0.10 per API call) in its current period; one of them has an alert on every
subscription (`usage_amount`, thresholds 100 and 1,000), the other none. Goal (issue
#16): ingestion with alerts ≥ 0.90 × without. Two measures, each case run `--repeat`
times in interleaved order (without, with, with, without, without, with, …) so that
the table growing and the machine's load drift weigh on both cases alike:

 1. HTTP: the service under gunicorn as in bench/ingest.py, a fresh server (and a
    warm-up) for every run of a case, wrk driving
      (s) single events at concurrency 16, each request for the next customer;
      (b) 1000-event batches from 4 connections, each batch naming all 1,000 customers.
    Per case: the median rate and the min–max of its runs; the ratio of the medians,
    and the min–max of the ratios of the runs made back to back (pairs). Also the CPU
    the server spent per request (gunicorn's workers + their PostgreSQL backends +
    Redis), less sensitive to the machine's load than a rate.
 2. In-process CPU: `--cpu-requests` single POSTs and `--cpu-batches` batch POSTs through
    the very WSGI application gunicorn serves, in this process (no HTTP server, no
    client): CPU seconds per request of this process + its PostgreSQL backend + the
    Redis server, and the SQL queries and Redis commands per request. Other
    processes' load slows these requests but hardly changes their CPU time: this is
    the figure that decides on a shared machine.

Redis: a private `redis-server` (started here on a free port, no persistence, stopped
at the end) serves the cache, the broker, the idempotency claims and the alerts' marks
of both measures, so its CPU and command counts are the bench's alone; without
`redis-server` on PATH the shared REDIS_URL serves, and its figures are left out.

With alerts, every request marks the alerting subscriptions it touched pending in Redis
(one pipelined SET NX per request, docs/alerts.md) and queues an evaluation for each
one not pending yet: the worst case, since every event belongs to a subscription with
an alert. No Celery worker runs: the evaluations wait in the broker (their count is
printed), so the figures are ingestion's own cost.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    backend_pid,
    bench_environment,
    child_pids,
    first_period_subscription,
    machine_line,
    process_cpu,
)
from bench.ingest import WrkRun, checked, free_port, start_server, wrk

CUSTOMERS = 1000
BATCH_SIZE = 1000
CASES = ("without", "with")
# A loaded machine answers a 1000-event batch in more than wrk's default 2 s now and then;
# a timeout would refuse the run, so requests get longer (latency is not what this measures).
WRK_TIMEOUT_SECONDS = 30
REDIS_SETTINGS = (
    "REDIS_URL",
    "IDEMPOTENCY_REDIS_URL",
    "ALERTS_REDIS_URL",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
)


def load_average() -> str:
    return " / ".join(Path("/proc/loadavg").read_text().split()[:3])


def interleaved(repeat: int) -> list[str]:
    """without, with, with, without, without, with, …: `repeat` runs of each case."""
    order: list[str] = []
    for index in range(repeat):
        order += CASES if index % 2 == 0 else CASES[::-1]
    return order


def prepare_tenant(name: str, *, alerts: bool) -> tuple[str, str]:
    """A tenant with 1,000 subscribed customers (each with an alert when `alerts`) and
    an API key; returns (tenant id, key)."""
    from metrics.models import Alert
    from plans.models import Charge, Meter, Plan
    from plans.pricing import ChargeSpec
    from subscriptions.models import Customer, Subscription, SubscriptionSegment
    from tenants.models import Tenant
    from tenants.services import api_key_create

    tenant = Tenant.objects.create(name=name)
    meter = Meter.objects.create(tenant=tenant, code="api_calls", name="API calls", aggregation="sum")
    plan = Plan.objects.create(tenant=tenant, code="pro", name="Pro", currency="USD", interval="month", amount=49)
    spec = ChargeSpec.per_unit(Decimal("0.10"))
    Charge.objects.create(tenant=tenant, plan=plan, meter=meter, position=0, **Charge.fields_from_spec(spec))
    start = datetime.now(UTC) - timedelta(days=2)
    customers = Customer.objects.bulk_create(
        [Customer(tenant=tenant, external_id=f"cus_{i}", name=f"Customer {i}") for i in range(CUSTOMERS)]
    )
    subs = Subscription.objects.bulk_create(
        [first_period_subscription(tenant, c, plan, start, start + timedelta(days=30)) for c in customers]
    )
    SubscriptionSegment.objects.bulk_create(
        [
            SubscriptionSegment(tenant=tenant, subscription=s, plan=plan, start_at=start, billing_anchor=start)
            for s in subs
        ]
    )
    if alerts:
        Alert.objects.bulk_create(
            [Alert(tenant=tenant, subscription=s, type="usage_amount", thresholds=[Decimal(100), Decimal(1000)])
             for s in subs]
        )  # fmt: skip
    _, key = api_key_create(tenant=tenant, name="bench")
    return str(tenant.id), key


# CPU accounting ---------------------------------------------------------------------------


def database_backends() -> list[int]:
    """The pids of the other client backends of the bench database (the server's)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            " AND backend_type = 'client backend'"
        )
        return [int(row[0]) for row in cursor.fetchall()]


@dataclass
class Snapshot:
    app: dict[int, float]
    database: dict[int, float]
    redis_cpu: float
    redis_calls: int
    queued: int


@dataclass
class Cost:
    """What some requests cost, per request: CPU milliseconds of the application
    (this process or gunicorn's workers), of PostgreSQL's backends and of Redis, and
    Redis commands; `queries` when counted (in-process only)."""

    requests: int
    app_ms: float
    database_ms: float
    redis_ms: float | None
    redis_calls: float | None
    queries: float | None = None
    queued: int | None = None

    @property
    def total_ms(self) -> float:
        return self.app_ms + self.database_ms + (self.redis_ms or 0.0)


class CpuProbe:
    """Snapshots of the CPU of some application processes, some PostgreSQL backends
    and the private Redis server (None: the shared one, left out)."""

    def __init__(self, app_pids: Callable[[], list[int]], db_pids: Callable[[], list[int]], redis_url: str | None):
        self.app_pids, self.db_pids = app_pids, db_pids
        self.redis: Any = None
        if redis_url is not None:
            import redis

            self.redis = redis.Redis.from_url(redis_url)

    def snapshot(self) -> Snapshot:
        redis_cpu, calls, queued = 0.0, 0, 0
        if self.redis is not None:
            cpu = self.redis.info("cpu")
            redis_cpu = float(cpu["used_cpu_user"]) + float(cpu["used_cpu_sys"])
            stats = self.redis.info("commandstats")
            calls = sum(int(v["calls"]) for k, v in stats.items() if k not in ("cmdstat_info",))
            queued = int(self.redis.llen("celery"))
        return Snapshot(
            app={p: process_cpu(p) for p in self.app_pids()},
            database={p: process_cpu(p) for p in self.db_pids()},
            redis_cpu=redis_cpu,
            redis_calls=calls,
            queued=queued,
        )

    def cost(self, before: Snapshot, requests: int, queries: int | None = None) -> Cost:
        after = self.snapshot()

        def spent(old: dict[int, float], new: dict[int, float]) -> float:
            return sum(cpu - old.get(pid, 0.0) for pid, cpu in new.items())

        per = 1000 / requests
        private = self.redis is not None
        return Cost(
            requests=requests,
            app_ms=spent(before.app, after.app) * per,
            database_ms=spent(before.database, after.database) * per,
            redis_ms=(after.redis_cpu - before.redis_cpu) * per if private else None,
            # the probe's own INFO and LLEN calls between the snapshots are not counted
            redis_calls=(after.redis_calls - before.redis_calls - 1) / requests if private else None,
            queries=queries / requests if queries is not None else None,
            queued=after.queued - before.queued if private else None,
        )


@contextmanager
def private_redis() -> Iterator[str | None]:
    """A redis-server of the bench's own on a free port, or None without one on PATH."""
    binary = shutil.which("redis-server")
    if binary is None:
        yield None
        return
    port = free_port()
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    import redis

    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                redis.Redis.from_url(url).ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise SystemExit("the private redis-server did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


# 1. HTTP -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HttpRun:
    case: str
    load: str
    single: WrkRun
    batch: WrkRun
    single_cost: Cost
    batch_cost: Cost


def measured(probe: CpuProbe, run: Callable[[], WrkRun], per_request_costs: list[Cost]) -> Callable[[], WrkRun]:
    """`run`, with the server's CPU per request noted in `per_request_costs`."""

    def go() -> WrkRun:
        before = probe.snapshot()
        result = run()
        per_request_costs.append(probe.cost(before, result.requests))
        return result

    return go


def http_run(env: dict[str, str], case: str, tenant: tuple[str, str], args: argparse.Namespace,
             redis_url: str | None) -> HttpRun:  # fmt: skip
    """One run of a case on a server of its own: warm-ups, then (s) and (b)."""
    tenant_id, key = tenant
    load = load_average()
    port = free_port()
    server = start_server(env, port, workers=args.workers, threads=1, boot_seconds=600)  # a loaded machine boots slowly
    base = f"http://127.0.0.1:{port}/v1/tenants/{tenant_id}"
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    stamp = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    probe = CpuProbe(lambda: child_pids(server.pid), database_backends, redis_url)
    costs: list[Cost] = []

    def singles(duration: int) -> WrkRun:
        env = {"BENCH_PREFIX": f"s-{uuid.uuid4().hex[:8]}", "BENCH_CUSTOMERS": str(CUSTOMERS)}
        return wrk(f"{base}/usage", "single_many.lua", connections=args.concurrency, seconds=duration,
                   headers=headers, env=env, timeout=WRK_TIMEOUT_SECONDS)  # fmt: skip

    def batches(duration: int) -> WrkRun:
        env = {"BENCH_PREFIX": f"b-{uuid.uuid4().hex[:8]}", "BENCH_BATCH_SIZE": str(BATCH_SIZE),
               "BENCH_TIMESTAMP": stamp, "BENCH_CUSTOMERS": str(CUSTOMERS)}  # fmt: skip
        return wrk(f"{base}/usage/batch", "batch_many.lua", connections=args.batch_clients, seconds=duration,
                   headers=headers, env=env, timeout=WRK_TIMEOUT_SECONDS)  # fmt: skip

    try:
        # Warm-up: workers, connections, the alerting-subscriptions cache (and, with
        # alerts, every subscription's mark set: a batch names all of them).
        batches(args.warmup)
        singles(args.warmup)
        single = checked(tenant_id, measured(probe, lambda: singles(args.seconds), costs), per_request=1,
                         connections=args.concurrency)  # fmt: skip
        batches(args.warmup)
        batch = checked(tenant_id, measured(probe, lambda: batches(args.seconds), costs), per_request=BATCH_SIZE,
                        connections=args.batch_clients)  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=30)
    return HttpRun(case, load, single, batch, costs[0], costs[1])


# 2. In-process ---------------------------------------------------------------------------


def wsgi_poster(key: str) -> Callable[[str, bytes, str | None, int], None]:
    """post(path, body, idempotency key, expected status) through the WSGI application."""
    from django.core.wsgi import get_wsgi_application

    app = get_wsgi_application()
    statuses: list[str] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[..., None]:
        statuses.append(status)
        return lambda data: None

    def post(path: str, body: bytes, idempotency_key: str | None, expected: int) -> None:
        environ = {
            "REQUEST_METHOD": "POST", "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
            "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body)),
            "HTTP_AUTHORIZATION": f"Bearer {key}", "wsgi.input": io.BytesIO(body), "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr, "wsgi.multithread": False, "wsgi.multiprocess": True,
            "wsgi.run_once": False, "wsgi.version": (1, 0),
        }  # fmt: skip
        if idempotency_key is not None:
            environ["HTTP_IDEMPOTENCY_KEY"] = idempotency_key
        response = app(environ, start_response)
        content = b"".join(response)
        getattr(response, "close", lambda: None)()
        status = int(statuses.pop().split()[0])
        if status != expected:
            raise SystemExit(f"POST {path} answered {status}: {content[:300]!r}")

    return post


@dataclass
class InProcessRun:
    case: str
    load: str
    single: Cost
    batch: Cost


def single_bodies(count: int) -> list[tuple[bytes, str]]:
    tail = ',"meter":"api_calls","value":"1"}'
    return [
        (('{"external_customer_id":"cus_' + str(i % CUSTOMERS) + '"' + tail).encode(), f"p-{uuid.uuid4().hex}")
        for i in range(count)
    ]


def batch_bodies(count: int) -> list[bytes]:
    stamp = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    bodies = []
    for _ in range(count):
        prefix = uuid.uuid4().hex
        events = [
            {"idempotency_key": f"{prefix}-{i}", "external_customer_id": f"cus_{i % CUSTOMERS}", "meter": "api_calls",
             "value": "1", "timestamp": stamp}
            for i in range(BATCH_SIZE)
        ]  # fmt: skip
        bodies.append(json.dumps({"events": events}).encode())
    return bodies


def in_process_run(case: str, tenant: tuple[str, str], args: argparse.Namespace, redis_url: str | None,
                   post: Callable[[str, bytes, str | None, int], None]) -> InProcessRun:  # fmt: skip
    """One run of a case in this process: a warm-up, then the singles and the batches,
    their bodies built beforehand (the client's work is not counted)."""
    from django.db import connection

    tenant_id, _ = tenant
    single_path, batch_path = f"/v1/tenants/{tenant_id}/usage", f"/v1/tenants/{tenant_id}/usage/batch"
    warm_singles, warm_batches = single_bodies(200), batch_bodies(2)
    singles, batches = single_bodies(args.cpu_requests), batch_bodies(args.cpu_batches)
    load = load_average()
    for body in warm_batches:
        post(batch_path, body, None, 200)
    for body, key in warm_singles:
        post(single_path, body, key, 201)
    backend = backend_pid()  # after the warm-up: a request may have reconnected
    probe = CpuProbe(lambda: [os.getpid()], lambda: [backend], redis_url)
    queries = [0]

    def count(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        queries[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        before = probe.snapshot()
        for body, key in singles:
            post(single_path, body, key, 201)
        single = probe.cost(before, len(singles), queries[0])
        queries[0] = 0
        before = probe.snapshot()
        for body in batches:
            post(batch_path, body, None, 200)
        batch = probe.cost(before, len(batches), queries[0])
    if backend_pid() != backend:
        raise SystemExit("the database connection changed during the in-process run: its CPU is unknown")
    return InProcessRun(case, load, single, batch)


# Report --------------------------------------------------------------------------------------


def median_and_range(values: list[float], fmt: str) -> str:
    text = fmt.format(statistics.median(values))
    if len(values) > 1:
        text += f" ({fmt.format(min(values))}–{fmt.format(max(values))})"
    return text


def ratios(runs: list[Any], pick: Callable[[Any], float]) -> tuple[float, list[float]]:
    """with / without: of the medians, and of each pair of runs made back to back."""
    by_case = {case: [pick(r) for r in runs if r.case == case] for case in CASES}
    of_medians = statistics.median(by_case["with"]) / statistics.median(by_case["without"])
    pairs = [w / wo for wo, w in zip(by_case["without"], by_case["with"], strict=True)]
    return of_medians, pairs


def ratio_text(of_medians: float, pairs: list[float]) -> str:
    text = f"{of_medians:.2f}"
    if len(pairs) > 1:
        text += f" (pairs {min(pairs):.2f}–{max(pairs):.2f})"
    return text


def report_http(runs: list[HttpRun], args: argparse.Namespace) -> None:
    print(f"## 1. HTTP: gunicorn, {args.workers} sync workers, a fresh server per run; wrk, 2 threads, "
          f"{args.seconds} s per measured run after {args.warmup} s warm-ups")  # fmt: skip
    print("order and load average (1 / 5 / 15 min) at each run's start:")
    for run in runs:
        print(f"  {run.case:>7}: {run.load}")
    print()
    print(f"| measure (median of {args.repeat} runs, min–max) | without alerts | 1,000 subscriptions with alerts "
          "| with / without (goal ≥ 0.90): of the medians (pairs' min–max) |")  # fmt: skip
    print("| --- | --- | --- | --- |")
    rows: list[tuple[str, Callable[[HttpRun], float], str, str]] = [
        (f"(s) single events, concurrency {args.concurrency}", lambda r: r.single.rate, "{:,.0f}", "req/s"),
        (f"(b) 1000-event batches (all 1,000 customers), {args.batch_clients} connections",
         lambda r: r.batch.rate * BATCH_SIZE, "{:,.0f}", "events/s"),
    ]  # fmt: skip
    for name, pick, fmt, unit in rows:
        cells = [median_and_range([pick(r) for r in runs if r.case == case], fmt) + f" {unit}" for case in CASES]
        print(f"| {name} | {cells[0]} | {cells[1]} | {ratio_text(*ratios(runs, pick))} |")
    cpu_rows: list[tuple[str, Callable[[HttpRun], float]]] = [
        ("(s) server CPU ms per request (workers + PostgreSQL + Redis)", lambda r: r.single_cost.total_ms),
        ("(b) server CPU ms per batch (workers + PostgreSQL + Redis)", lambda r: r.batch_cost.total_ms),
    ]
    for name, pick in cpu_rows:
        cells = [median_and_range([pick(r) for r in runs if r.case == case], "{:.2f}") for case in CASES]
        of_medians, pairs = ratios(runs, pick)
        # CPU per request: lower is better, so the throughput it allows is the inverse
        print(f"| {name} | {cells[0]} | {cells[1]} | CPU × {ratio_text(of_medians, pairs)} |")
    print()


def report_in_process(runs: list[InProcessRun], args: argparse.Namespace, private: bool) -> None:
    print(f"## 2. In-process CPU: {args.cpu_requests} single POSTs and {args.cpu_batches} 1000-event batch POSTs "
          "per run through the WSGI application (no server, no client), after a warm-up of 200 + 2")  # fmt: skip
    print("order and load average at each run's start:")
    for run in runs:
        print(f"  {run.case:>7}: {run.load}")
    print()
    print(f"| per request (median of {args.repeat} runs, min–max) | without alerts | with alerts "
          "| with / without: of the medians (pairs' min–max) |")  # fmt: skip
    print("| --- | --- | --- | --- |")
    for kind, label in (("single", "(s) single POST"), ("batch", "(b) 1000-event batch POST")):
        parts: list[tuple[str, Callable[[Cost], float | None], str]] = [
            ("CPU ms, total (this process + its PostgreSQL backend + Redis)", lambda c: c.total_ms, "{:.3f}"),
            ("CPU ms, this process", lambda c: c.app_ms, "{:.3f}"),
            ("CPU ms, its PostgreSQL backend", lambda c: c.database_ms, "{:.3f}"),
            ("CPU ms, Redis server", lambda c: c.redis_ms, "{:.3f}"),
            ("SQL queries", lambda c: c.queries, "{:.2f}"),
            ("Redis commands (those a Lua script runs included)", lambda c: c.redis_calls, "{:.2f}"),
        ]
        for name, get, fmt in parts:
            if not private and "Redis" in name and "total" not in name:
                continue

            def pick(run: InProcessRun, get: Callable[[Cost], float | None] = get, kind: str = kind) -> float:
                return float(get(getattr(run, kind)) or 0.0)

            cells = [median_and_range([pick(r) for r in runs if r.case == case], fmt) for case in CASES]
            try:
                ratio = ratio_text(*ratios(runs, pick))
            except ZeroDivisionError:
                ratio = "—"
            print(f"| {label}: {name} | {cells[0]} | {cells[1]} | {ratio} |")
    if private:
        queued = {case: sum(getattr(r, kind).queued or 0 for r in runs if r.case == case for kind in ("single", "batch"))
                  for case in CASES}  # fmt: skip
        print(f"\nevaluations queued during the measured requests: without {queued['without']:,}, "
              f"with {queued['with']:,} (the warm-ups queue one per subscription; a mark lasts "
              "ALERTS_EVALUATION_DELAY_SECONDS + 60 s with no worker to clear it)")  # fmt: skip
    else:
        print("\nRedis: the shared server (no redis-server on PATH): its CPU and commands are not counted")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each case, interleaved (ABBA …)")
    parser.add_argument("--seconds", type=int, default=20, help="length of each measured wrk run")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of each wrk warm-up")
    parser.add_argument("--concurrency", type=int, default=16, help="connections of (s)")
    parser.add_argument("--batch-clients", type=int, default=4, help="connections of (b)")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1), help="gunicorn workers")
    parser.add_argument("--cpu-requests", type=int, default=2000, help="single POSTs per in-process run")
    parser.add_argument("--cpu-batches", type=int, default=40, help="batch POSTs per in-process run")
    parser.add_argument("--skip-http", action="store_true", help="the in-process measure only")
    parser.add_argument("--skip-in-process", action="store_true", help="the HTTP measure only")
    args = parser.parse_args()
    args.repeat = max(1, args.repeat)
    # A bench stopped by `kill` still stops its redis-server and gunicorn (the finally blocks).
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(f"stopped by signal {signum}"))

    with private_redis() as redis_url:
        if redis_url is not None:
            os.environ.update(dict.fromkeys(REDIS_SETTINGS, redis_url))
        # One database connection for the whole in-process measure: its backend's CPU is
        # read by pid (a connection older than DB_CONN_MAX_AGE would be replaced).
        os.environ["DB_CONN_MAX_AGE"] = "3600"
        env = bench_environment()
        from billing_project.celery import app

        app.control.purge()
        tenants = {
            "without": prepare_tenant("bench no alerts", alerts=False),
            "with": prepare_tenant("bench alerts", alerts=True),
        }
        started = datetime.now(UTC)
        http_runs: list[HttpRun] = []
        if not args.skip_http:
            http_runs = [http_run(env, case, tenants[case], args, redis_url) for case in interleaved(args.repeat)]
        in_process_runs: list[InProcessRun] = []
        if not args.skip_in_process:
            posts = {case: wsgi_poster(tenants[case][1]) for case in CASES}
            in_process_runs = [
                in_process_run(case, tenants[case], args, redis_url, posts[case]) for case in interleaved(args.repeat)
            ]
        app.control.purge()

    print(machine_line())
    print(f"bench/alerts.py {' '.join(sys.argv[1:])}: {started:%Y-%m-%d %H:%M}–{datetime.now(UTC):%H:%M} UTC, "
          f"load average at the end {load_average()} (1 / 5 / 15 min)")  # fmt: skip
    print(f"Redis: {'a private redis-server' if redis_url else 'the shared REDIS_URL'}; no Celery worker")
    print()
    if http_runs:
        report_http(http_runs, args)
    if in_process_runs:
        report_in_process(in_process_runs, args, redis_url is not None)


if __name__ == "__main__":
    main()
