"""Ingestion benchmark: `make bench-ingest` (or `.venv/bin/python bench/ingest.py`).

Starts the service under gunicorn (the production server, 2 workers per core) on a
free port against its own database (`<DATABASE_URL's name>_bench`, created and
migrated here), prepares a tenant, a customer, a meter and an API key, and measures:

  (a) batch ingestion over HTTP: events/s, 1000-event batches from several clients;
  (b) single events with unique keys: requests/s and p50/p99 latency at concurrency 16;
  (c) /healthz requests/s on the same server at the same concurrency;
  (d) the raw rate of multi-row INSERT … ON CONFLICT DO NOTHING from Python (psycopg)
      into the same table, with as many connections as (a) has clients.

It prints a table with the ratios a/d and b/c and the machine it ran on. Everything
runs on this machine, against 127.0.0.1 only, for a bounded number of requests.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, bench_environment, machine_line


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


def start_server(env: dict[str, str], port: int, workers: int, threads: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "-c", str(ROOT / "billing_project/gunicorn.conf.py"),
         "billing_project.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
         "--threads", str(threads), "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).ok:
                return server
        except requests.RequestException:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not start")


def run_threads(count: int, worker: Callable[[], None]) -> float:
    """Run `worker` on `count` threads at once; returns the seconds until all are done."""
    threads = [threading.Thread(target=worker) for _ in range(count)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def run_clients(clients: int, jobs: list[Callable[[requests.Session], None]]) -> tuple[float, list[float]]:
    """Run the jobs on `clients` threads; returns (seconds, per-job latencies)."""
    latencies: list[float] = []
    lock = threading.Lock()
    cursor = iter(jobs)

    def worker() -> None:
        session = requests.Session()
        mine: list[float] = []
        while True:
            with lock:
                job = next(cursor, None)
            if job is None:
                break
            started = time.perf_counter()
            job(session)
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)

    return run_threads(clients, worker), latencies


def bench_batches(base: str, headers: dict[str, str], batches: int, clients: int) -> float:
    stamp = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    bodies = [
        json.dumps({"events": [
            {"idempotency_key": f"b-{uuid.uuid4().hex}", "external_customer_id": "cus_bench", "meter": "api_calls",
             "value": "1", "timestamp": stamp}
            for _ in range(1000)
        ]})
        for _ in range(batches)
    ]  # fmt: skip

    def job_for(body: str) -> Callable[[requests.Session], None]:
        def job(session: requests.Session) -> None:
            response = session.post(f"{base}/usage/batch", data=body, headers=headers, timeout=60)
            assert response.status_code == 200 and response.json()["accepted"] == 1000, response.text[:300]

        return job

    seconds, _ = run_clients(clients, [job_for(b) for b in bodies])
    return batches * 1000 / seconds


def bench_singles(base: str, headers: dict[str, str], count: int, clients: int) -> tuple[float, float, float]:
    body = json.dumps({"external_customer_id": "cus_bench", "meter": "api_calls", "value": "1"})

    def job(session: requests.Session) -> None:
        response = session.post(
            f"{base}/usage", data=body, headers={**headers, "Idempotency-Key": uuid.uuid4().hex}, timeout=30
        )
        assert response.status_code == 201, response.text[:300]

    seconds, latencies = run_clients(clients, [job] * count)
    latencies.sort()
    return count / seconds, statistics.median(latencies) * 1000, latencies[int(len(latencies) * 0.99) - 1] * 1000


def bench_healthz(root: str, count: int, clients: int) -> float:
    def job(session: requests.Session) -> None:
        assert session.get(f"{root}/healthz", timeout=30).status_code == 200

    seconds, _ = run_clients(clients, [job] * count)
    return count / seconds


def bench_raw_insert(tenant_id: str, batches: int, clients: int) -> float:
    """The very INSERT the service runs, straight from psycopg, its parameters built
    beforehand: what is left is the database and the driver."""
    import psycopg
    from django.db import connection

    from plans.models import Meter
    from subscriptions.models import Customer
    from tenants.isolation import tenant_scope
    from usage.parsing import ParsedEvent
    from usage.services import _INSERT_SQL, insert_params

    with tenant_scope(uuid.UUID(tenant_id)):
        customer_id = Customer.objects.get(external_id="cus_bench").pk
        meter_id = Meter.objects.get(code="api_calls").pk
    dsn = connection.get_connection_params()
    dsn.pop("cursor_factory", None)
    dsn.pop("context", None)
    stamp = datetime.now(UTC) - timedelta(days=1)

    def params() -> dict[str, object]:
        events = [
            ParsedEvent(
                f"r-{uuid.uuid4().hex}",
                "cus_bench",
                "api_calls",
                customer_id,
                meter_id,
                Decimal(1),
                stamp,
                {},
                "x" * 64,
            )
            for _ in range(1000)
        ]
        return insert_params(uuid.UUID(tenant_id), events, stamp)

    work = [params() for _ in range(batches)]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batches", type=int, default=100, help="1000-event batches for (a) and (d)")
    parser.add_argument("--batch-clients", type=int, default=4)
    parser.add_argument("--singles", type=int, default=5000, help="requests for (b) and (c)")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker (gthread when > 1)")
    args = parser.parse_args()

    cores = os.cpu_count() or 1
    env = bench_environment()
    tenant_id, key, _ = prepare_tenant()
    port = free_port()
    server = start_server(env, port, workers=2 * cores, threads=args.threads)
    root = f"http://127.0.0.1:{port}"
    base = f"{root}/v1/tenants/{tenant_id}"
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    try:
        bench_singles(base, headers, 200, args.concurrency)  # warm up workers and connections
        batch_rate = bench_batches(base, headers, args.batches, args.batch_clients)
        single_rate, p50, p99 = bench_singles(base, headers, args.singles, args.concurrency)
        health_rate = bench_healthz(root, args.singles, args.concurrency)
    finally:
        server.terminate()
        server.wait(timeout=30)
    raw_rate = bench_raw_insert(tenant_id, args.batches, args.batch_clients)

    print(machine_line())
    kind = f"gthread workers x {args.threads} threads" if args.threads > 1 else "sync workers"
    print(f"server: gunicorn, {2 * cores} {kind}; clients: Python threads on the same machine")
    print()
    print("| measure | figure |")
    print("| --- | --- |")
    print(
        f"| (a) batch ingestion over HTTP, {args.batch_clients} clients x 1000-event batches | {batch_rate:,.0f} events/s |"
    )
    print(
        f"| (b) single events, concurrency {args.concurrency} | {single_rate:,.0f} req/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms |"
    )
    print(f"| (c) /healthz, concurrency {args.concurrency} | {health_rate:,.0f} req/s |")
    print(f"| (d) raw INSERT … ON CONFLICT DO NOTHING, {args.batch_clients} connections | {raw_rate:,.0f} events/s |")
    print(f"| a/d (goal ≥ 0.5) | {batch_rate / raw_rate:.2f} |")
    print(f"| b/c (goal ≥ 0.5) | {single_rate / health_rate:.2f} |")


if __name__ == "__main__":
    main()
