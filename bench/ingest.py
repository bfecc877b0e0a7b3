"""Ingestion benchmark: `make bench-ingest` (or `.venv/bin/python bench/ingest.py`).

Starts the service under gunicorn (the production server, 2 workers per core) on a
free port against its own database (`<DATABASE_URL's name>_bench`, created and
migrated here), prepares a tenant, a customer, a meter and an API key, and drives it
with `wrk` (an event-loop load generator in C, from the machine's packages; Python
threads could not drive /healthz past ~1,000 req/s and flattered every ratio):

  (h) /healthz at concurrency 16 and at 64: the server's ceiling. The two agree when
      the server is the limit; the client's CPU time is printed too.
  (s) single events with unique keys at concurrency 16: req/s, p50, p99.
  (b) 1000-event batches with unique keys from 4 connections: events/s.
  (i) the service's own multi-row INSERT … ON CONFLICT DO NOTHING straight from
      psycopg, its parameters built beforehand, from as many connections as (b).
  (c) COPY of the same rows into the same table from one connection.

Each wrk run has a warm-up; a run with any non-2xx answer or socket error is refused,
and the events stored are counted against the requests wrk says succeeded. It prints
a table with the ratios s/h and b/c (the goals) and b/i. Everything runs on this
machine, against 127.0.0.1 only.

`--repeat N` runs every measure N times (each pass with a fresh tenant and server);
the table shows the first pass's figures, each followed by the min–max of all N. The
machine's load average is printed too: on a shared machine, compare the ratios of one
pass (s/h, b/c), not absolute rates across days.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, bench_environment, child_pids, machine_line, process_cpu


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare_tenant() -> tuple[str, str, str]:
    """A fresh tenant with customer `cus_bench`, meter `api_calls` and an API key."""
    from plans.models import Meter
    from subscriptions.models import Customer
    from tenants.models import Tenant
    from tenants.services import api_key_create

    tenant = Tenant.objects.create(name=f"bench {uuid.uuid4().hex[:6]}")
    Customer.objects.create(tenant=tenant, external_id="cus_bench", name="Bench")
    Meter.objects.create(tenant=tenant, code="api_calls", name="API calls", aggregation="sum")
    _, key = api_key_create(tenant=tenant, name="bench")
    return str(tenant.id), key, os.environ["DATABASE_URL"]


def start_server(
    env: dict[str, str], port: int, workers: int, threads: int, *, boot_seconds: int = 300
) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "-c", str(ROOT / "billing_project/gunicorn.conf.py"),
         "billing_project.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
         "--threads", str(threads), "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + boot_seconds  # a loaded machine imports slowly
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).ok:
                return server
        except requests.RequestException:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not start")


LUA = Path(__file__).resolve().parent / "lua"


@dataclass(frozen=True)
class WrkRun:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    client_cpu: float  # wrk's CPU seconds per wall second (1.0 = one core busy)
    server_cpu_ms: float = 0.0  # CPU of gunicorn's processes and their database backends per answer

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


def wrk(
    url: str,
    script: str,
    *,
    connections: int,
    seconds: int,
    headers: dict[str, str],
    env: dict[str, str],
    timeout: int | None = None,
) -> WrkRun:
    """One wrk run (2 threads); refuses a run with any error (`timeout`: wrk's per
    request, in seconds; its default is 2)."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: `make bench-ingest` installs it (Debian package wrk)")
    # A 30 s timeout by default: wrk's own (2 s) counts a slow answer of a loaded machine
    # as a socket error, and the run would be refused for it; p99 shows how slow it was.
    command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency", "-s", str(LUA / script)]
    command += ["--timeout", f"{timeout if timeout is not None else 30}s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    out = subprocess.run([*command, url], env={**os.environ, **env, "BENCH_LUA_DIR": str(LUA)},
                         capture_output=True, text=True, check=True).stdout  # fmt: skip
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    report = json.loads(out.strip().splitlines()[-1])
    if report["status_errors"] or report["socket_errors"]:
        raise SystemExit(f"wrk saw errors on {url}: {report}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return WrkRun(
        requests=report["requests"],
        seconds=report["duration_us"] / 1e6,
        p50_ms=report["p50_us"] / 1000,
        p99_ms=report["p99_us"] / 1000,
        client_cpu=cpu / wall,
    )


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds the processes have used so far (gone ones count 0)."""
    return sum(process_cpu(pid) for pid in pids)


def server_processes(server: subprocess.Popen[bytes]) -> list[int]:
    """gunicorn's master and workers, and the PostgreSQL backends of the bench database
    (the server's connections: nothing else uses that database meanwhile)."""
    from django.db import connection

    children = child_pids(server.pid)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        backends = [int(pid) for (pid,) in cursor.fetchall()]
    return [server.pid, *children, *backends]


def with_server_cpu(server: subprocess.Popen[bytes], run: Callable[[], WrkRun]) -> WrkRun:
    """`run` with the server's CPU per answer: what a quiet machine's rate is made of,
    and what the other processes of a shared machine change least."""
    pids = server_processes(server)
    before = cpu_seconds(pids)
    result = run()
    used = cpu_seconds(pids) - before
    return replace(result, server_cpu_ms=used * 1000 / max(1, result.requests))


def stored_events(tenant_id: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM usage_usageevent WHERE tenant_id = %s", [tenant_id])
        return int(cursor.fetchone()[0])


def settled_events(tenant_id: str) -> int:
    """The count of stored events once requests still in flight have settled (on a
    loaded machine the warm-up's last answers can take seconds): the same count twice,
    a second apart."""
    time.sleep(1)
    last = stored_events(tenant_id)
    while True:
        time.sleep(1)
        count = stored_events(tenant_id)
        if count == last:
            return count
        last = count


def checked(tenant_id: str, run: Callable[[], WrkRun], *, per_request: int, connections: int) -> WrkRun:
    """Run, then count the stored events: every answer wrk counted was stored. Requests
    in flight when wrk stops may still be stored (at most one per connection), so the
    counts are read once they settle, and may exceed wrk's by that much."""
    before = settled_events(tenant_id)
    result = run()
    stored = settled_events(tenant_id) - before
    if not result.requests * per_request <= stored <= (result.requests + connections) * per_request:
        raise SystemExit(f"wrk counted {result.requests} answers of {per_request} events; {stored} events were stored")
    return result


def bench_healthz(server: subprocess.Popen[bytes], root: str, connections: int, seconds: int) -> WrkRun:
    wrk(f"{root}/healthz", "get.lua", connections=connections, seconds=2, headers={}, env={})
    return with_server_cpu(
        server, lambda: wrk(f"{root}/healthz", "get.lua", connections=connections, seconds=seconds, headers={}, env={})
    )


def bench_singles(
    server: subprocess.Popen[bytes], base: str, headers: dict[str, str], tenant_id: str, connections: int, seconds: int
) -> WrkRun:
    body = json.dumps({"external_customer_id": "cus_bench", "meter": "api_calls", "value": "1"})

    def run(duration: int) -> WrkRun:
        env = {"BENCH_PREFIX": f"s-{uuid.uuid4().hex[:8]}", "BENCH_BODY": body}
        return wrk(f"{base}/usage", "single.lua", connections=connections, seconds=duration, headers=headers, env=env)

    run(2)  # warm-up: workers, connections, caches
    return checked(
        tenant_id, lambda: with_server_cpu(server, lambda: run(seconds)), per_request=1, connections=connections
    )


def bench_batches(base: str, headers: dict[str, str], tenant_id: str, connections: int, seconds: int) -> WrkRun:
    stamp = (datetime.now(UTC) - timedelta(days=1)).isoformat()

    def run(duration: int) -> WrkRun:
        env = {"BENCH_PREFIX": f"b-{uuid.uuid4().hex[:8]}", "BENCH_BATCH_SIZE": "1000", "BENCH_TIMESTAMP": stamp}
        return wrk(
            f"{base}/usage/batch", "batch.lua", connections=connections, seconds=duration, headers=headers, env=env
        )

    run(2)
    return checked(tenant_id, lambda: run(seconds), per_request=1000, connections=connections)


def run_threads(count: int, worker: Callable[[], None]) -> float:
    """Run `worker` on `count` threads at once; returns the seconds until all are done."""
    threads = [threading.Thread(target=worker) for _ in range(count)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def raw_rows(tenant_id: str, batches: int) -> tuple[dict[str, Any], list[list[Any]]]:
    """`batches` lists of 1000 events as the service's INSERT takes them (unique keys,
    the bench customer and meter, yesterday), and the database's connection settings."""
    from django.db import connection

    from plans.models import Meter
    from subscriptions.models import Customer
    from tenants.isolation import tenant_scope
    from usage.parsing import ParsedEvent

    with tenant_scope(uuid.UUID(tenant_id)):
        customer_id = Customer.objects.get(external_id="cus_bench").pk
        meter_id = Meter.objects.get(code="api_calls").pk
    dsn = connection.get_connection_params()
    dsn.pop("cursor_factory", None)
    dsn.pop("context", None)
    stamp = datetime.now(UTC) - timedelta(days=1)
    events = [
        [
            ParsedEvent(f"r-{uuid.uuid4().hex}", "cus_bench", "api_calls", customer_id, meter_id, Decimal(1), stamp, {},
                        "x" * 64)
            for _ in range(1000)
        ]
        for _ in range(batches)
    ]  # fmt: skip
    return dsn, events


def bench_raw_insert(tenant_id: str, batches: int, clients: int) -> float:
    """The very INSERT the service runs, straight from psycopg, its parameters built
    beforehand, from `clients` connections: what is left is the database and the driver."""
    import psycopg

    from usage.services import _INSERT_SQL, insert_params

    dsn, events = raw_rows(tenant_id, batches)
    stamp = datetime.now(UTC)
    work = [insert_params(uuid.UUID(tenant_id), batch, stamp) for batch in events]
    lock = threading.Lock()

    def worker() -> None:
        with psycopg.connect(**dsn, autocommit=True) as conn:
            while True:
                with lock:
                    if not work:
                        return
                    batch = work.pop()
                conn.execute(_INSERT_SQL, batch).fetchall()

    return batches * 1000 / run_threads(clients, worker)


def bench_copy(tenant_id: str, batches: int) -> float:
    """COPY of the same rows (the columns the service's INSERT writes) into the same
    table from one connection, one COPY per 1000 rows: PostgreSQL's fastest way in."""
    import psycopg

    dsn, events = raw_rows(tenant_id, batches)
    created = datetime.now(UTC)
    rows = [
        [(tenant_id, str(e.customer_id), str(e.meter_id), e.idempotency_key, str(e.value), e.timestamp, "{}",
          e.fingerprint, created) for e in batch]
        for batch in events
    ]  # fmt: skip
    columns = "tenant_id, customer_id, meter_id, idempotency_key, value, timestamp, properties, fingerprint, created_at"
    started = time.perf_counter()
    with psycopg.connect(**dsn, autocommit=True) as conn:
        for batch_rows in rows:
            with conn.cursor().copy(f"COPY usage_usageevent ({columns}) FROM STDIN") as copy:
                for row in batch_rows:
                    copy.write_row(row)
    return batches * 1000 / (time.perf_counter() - started)


@dataclass(frozen=True)
class Figures:
    """One pass of every measure, as `main` prints it."""

    health: WrkRun
    health_wide: WrkRun | None  # None: `--singles-only`, as are the batch figures
    single: WrkRun
    batch: WrkRun | None
    raw_rate: float
    copy_rate: float

    @property
    def batch_rate(self) -> float:
        return self.batch.rate * 1000 if self.batch else 0.0

    @property
    def s_over_h(self) -> float:
        return self.single.rate / self.health.rate

    @property
    def s_over_h_by_cpu(self) -> float:
        """s/h as the server's CPU per answer predicts it on a machine where CPU is the limit."""
        return self.health.server_cpu_ms / self.single.server_cpu_ms if self.single.server_cpu_ms else 0.0

    @property
    def b_over_c(self) -> float:
        return self.batch_rate / self.copy_rate

    @property
    def b_over_i(self) -> float:
        return self.batch_rate / self.raw_rate


def measure(args: argparse.Namespace, env: dict[str, str], workers: int) -> Figures:
    """One pass: a server of its own, the wrk runs, then the raw baselines."""
    tenant_id, key, _ = prepare_tenant()
    port = free_port()
    server = start_server(env, port, workers=workers, threads=args.threads)
    root = f"http://127.0.0.1:{port}"
    base = f"{root}/v1/tenants/{tenant_id}"
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    try:
        health = bench_healthz(server, root, args.concurrency, args.seconds)
        if args.singles_only:
            single = bench_singles(server, base, headers, tenant_id, args.concurrency, args.seconds)
            return Figures(health, None, single, None, 0.0, 0.0)
        health_wide = bench_healthz(server, root, 4 * args.concurrency, args.seconds)
        single = bench_singles(server, base, headers, tenant_id, args.concurrency, args.seconds)
        batch = bench_batches(base, headers, tenant_id, args.batch_clients, args.seconds)
    finally:
        server.terminate()
        server.wait(timeout=30)
    raw_rate = bench_raw_insert(tenant_id, args.raw_batches, args.batch_clients)
    copy_rate = bench_copy(tenant_id, args.raw_batches)
    return Figures(health, health_wide, single, batch, raw_rate, copy_rate)


def spread(values: list[float], fmt: str) -> str:
    """What follows a figure when there were several runs: their range, min–max."""
    if len(values) < 2:
        return ""
    return f" (range of {len(values)} runs: {fmt.format(min(values))}–{fmt.format(max(values))})"


def report(args: argparse.Namespace, runs: list[Figures], workers: int) -> None:
    """The table of the first run, each figure followed by its range over all runs."""
    first = runs[0]
    print(machine_line())
    print(f"load average at the end: {Path('/proc/loadavg').read_text().split()[:3]} (1, 5, 15 min)")
    kind = f"gthread workers x {args.threads} threads" if args.threads > 1 else "sync workers"
    print(f"server: gunicorn, {workers} {kind}; client: wrk, 2 threads, {args.seconds} s per run, same machine")
    print()
    print("| measure | figure | wrk CPU |")
    print("| --- | --- | --- |")

    def row(name: str, pick: Callable[[Figures], WrkRun | None], per: int, unit: str) -> None:
        run = pick(first)
        if run is None:
            return
        rates = [r.rate * per for r in map(pick, runs) if r]
        p99s = [r.p99_ms for r in map(pick, runs) if r]
        figure = f"{run.rate * per:,.0f} {unit}{spread(rates, '{:,.0f}')}, p50 {run.p50_ms:.1f} ms"
        figure += f", p99 {run.p99_ms:.1f} ms{spread(p99s, '{:.1f}')}"
        if run.server_cpu_ms:
            cpus = [r.server_cpu_ms for r in map(pick, runs) if r]
            figure += f", server CPU {run.server_cpu_ms:.2f} ms per answer{spread(cpus, '{:.2f}')}"
        print(f"| {name} | {figure} | {run.client_cpu:.2f} core |")

    def plain(name: str, values: list[float], fmt: str) -> None:
        print(f"| {name} | {fmt.format(values[0])}{spread(values, fmt)} | |")

    row(f"(h) /healthz, concurrency {args.concurrency}", lambda f: f.health, 1, "req/s")
    row(f"(h) /healthz, concurrency {4 * args.concurrency}", lambda f: f.health_wide, 1, "req/s")
    row(f"(s) single events, concurrency {args.concurrency}", lambda f: f.single, 1, "req/s")
    if args.singles_only:
        plain("s/h (goal ≥ 0.5)", [f.s_over_h for f in runs], "{:.2f}")
        plain("s/h by server CPU per answer (h's / s's)", [f.s_over_h_by_cpu for f in runs], "{:.2f}")
        return
    row(f"(b) batches of 1000 events, {args.batch_clients} connections", lambda f: f.batch, 1000, "events/s")
    clients = args.batch_clients
    plain(f"(i) raw INSERT … ON CONFLICT DO NOTHING, {clients} connections", [f.raw_rate for f in runs], "{:,.0f}")
    plain("(c) COPY, 1 connection", [f.copy_rate for f in runs], "{:,.0f}")
    plain("s/h (goal ≥ 0.5)", [f.s_over_h for f in runs], "{:.2f}")
    plain("s/h by server CPU per answer (h's / s's)", [f.s_over_h_by_cpu for f in runs], "{:.2f}")
    plain("b/c (goal ≥ 0.5)", [f.b_over_c for f in runs], "{:.2f}")
    plain("b/i", [f.b_over_i for f in runs], "{:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10, help="length of each measured wrk run")
    parser.add_argument("--batch-clients", type=int, default=4, help="connections of (b) and (i)")
    parser.add_argument("--raw-batches", type=int, default=200, help="1000-row batches of (i) and (c)")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker (gthread when > 1)")
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (default: 2 per core)")
    parser.add_argument(
        "--singles-only", action="store_true", help="only (h) at concurrency 16 and (s): the single-event ratio"
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs of every measure; the table shows the first and the range"
    )
    args = parser.parse_args()

    workers = args.workers or 2 * (os.cpu_count() or 1)
    env = bench_environment()
    runs = [measure(args, env, workers) for _ in range(max(1, args.repeat))]
    report(args, runs, workers)


if __name__ == "__main__":
    main()
