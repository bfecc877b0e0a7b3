"""What alerts cost ingestion: `make bench-alerts` (or `.venv/bin/python bench/alerts.py`).

Two tenants built alike: 1,000 customers `cus_0`…`cus_999`, each subscribed to Pro
(0.10 per API call) in its current period; one of them has an alert on every
subscription (`usage_amount`, thresholds 100 and 1,000), the other none. The service
runs under gunicorn as in bench/ingest.py and wrk drives, for each tenant:

  (s) single events at concurrency 16, each request for the next customer;
  (b) 1000-event batches from 4 connections, each batch naming all 1,000 customers.

With alerts, every request marks the subscriptions it touched pending in Redis (one
pipelined SET NX per request) and queues an evaluation for each one not pending yet:
the worst case, since every event belongs to a subscription with an alert. No Celery
worker runs: the evaluations wait in the broker (their count is printed), so the
figures are ingestion's own cost. The runs go without, with, with, without (ABBA), so
that the table growing during the bench weighs on both cases alike; each case's
figure is the mean of its two runs. Goal: with ≥ 0.9 × without.
"""

from __future__ import annotations

import argparse
import os
import sys
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import bench_environment, first_period_subscription, machine_line
from bench.ingest import WrkRun, checked, free_port, start_server, wrk

CUSTOMERS = 1000
# A loaded machine answers a 1000-event batch in more than wrk's default 2 s now and then;
# a timeout would refuse the run, so requests get longer (latency is not what this measures).
WRK_TIMEOUT_SECONDS = 30


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


def singles(base: str, key: str, tenant_id: str, connections: int, seconds: int) -> WrkRun:
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

    def run(duration: int) -> WrkRun:
        env = {"BENCH_PREFIX": f"s-{uuid.uuid4().hex[:8]}", "BENCH_CUSTOMERS": str(CUSTOMERS)}
        return wrk(f"{base}/usage", "single_many.lua", connections=connections, seconds=duration, headers=headers,
                   env=env, timeout=WRK_TIMEOUT_SECONDS)  # fmt: skip

    run(2)  # warm-up: workers, connections, the alerting-subscriptions cache
    return checked(tenant_id, lambda: run(seconds), per_request=1, connections=connections)


def batches(base: str, key: str, tenant_id: str, connections: int, seconds: int) -> WrkRun:
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    stamp = (datetime.now(UTC) - timedelta(days=1)).isoformat()

    def run(duration: int) -> WrkRun:
        env = {"BENCH_PREFIX": f"b-{uuid.uuid4().hex[:8]}", "BENCH_BATCH_SIZE": "1000", "BENCH_TIMESTAMP": stamp,
               "BENCH_CUSTOMERS": str(CUSTOMERS)}  # fmt: skip
        return wrk(f"{base}/usage/batch", "batch_many.lua", connections=connections, seconds=duration,
                   headers=headers, env=env, timeout=WRK_TIMEOUT_SECONDS)  # fmt: skip

    run(2)
    return checked(tenant_id, lambda: run(seconds), per_request=1000, connections=connections)


def queued_evaluations() -> int:
    """Evaluations waiting in the broker (no worker runs during the bench)."""
    from billing_project.celery import app

    try:
        with app.connection_for_write() as conn:
            channel: Any = conn.default_channel
            return int(channel.queue_declare(queue="celery", passive=True).message_count)
    except Exception:  # a broker that cannot say: the count is only informative
        return -1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10, help="length of each measured wrk run")
    parser.add_argument("--concurrency", type=int, default=16, help="connections of (s)")
    parser.add_argument("--batch-clients", type=int, default=4, help="connections of (b)")
    args = parser.parse_args()

    cores = os.cpu_count() or 1
    env = bench_environment()
    from billing_project.celery import app

    app.control.purge()
    cases = {
        "without": prepare_tenant("bench no alerts", alerts=False),
        "with": prepare_tenant("bench alerts", alerts=True),
    }
    port = free_port()
    server = start_server(env, port, workers=2 * cores, threads=1, boot_seconds=600)  # a loaded machine boots slowly
    root = f"http://127.0.0.1:{port}"
    figures: dict[tuple[str, str], list[float]] = {}
    try:
        for case in ("without", "with", "with", "without"):
            tenant_id, key = cases[case]
            base = f"{root}/v1/tenants/{tenant_id}"
            single = singles(base, key, tenant_id, args.concurrency, args.seconds)
            batch = batches(base, key, tenant_id, args.batch_clients, args.seconds)
            figures.setdefault((case, "s"), []).append(single.rate)
            figures.setdefault((case, "b"), []).append(batch.rate * 1000)
    finally:
        server.terminate()
        server.wait(timeout=30)
    evaluations = queued_evaluations()
    app.control.purge()

    def mean(case: str, kind: str) -> float:
        values = figures[(case, kind)]
        return sum(values) / len(values)

    print(machine_line())
    print(f"load average before the report: {Path('/proc/loadavg').read_text().split()[:3]}")
    print(f"server: gunicorn, {2 * cores} sync workers; client: wrk, 2 threads, {args.seconds} s per run (ABBA)")
    print()
    print("| measure | without alerts | 1,000 subscriptions with alerts | with / without (goal ≥ 0.90) |")
    print("| --- | --- | --- | --- |")
    for kind, name, unit in (
        ("s", f"(s) single events, concurrency {args.concurrency}", "req/s"),
        ("b", f"(b) batches of 1000 events (1,000 customers each), {args.batch_clients} connections", "events/s"),
    ):
        without, with_ = mean("without", kind), mean("with", kind)
        runs = (
            " / ".join(f"{v:,.0f}" for v in figures[("without", kind)]),
            " / ".join(f"{v:,.0f}" for v in figures[("with", kind)]),
        )
        print(
            f"| {name} | {without:,.0f} {unit} ({runs[0]}) | {with_:,.0f} {unit} ({runs[1]}) | {with_ / without:.2f} |"
        )
    print(f"\nevaluations queued (debounced, one per subscription per window): {evaluations:,}")


if __name__ == "__main__":
    main()
