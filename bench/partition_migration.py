"""How long the partitioning migration takes: `.venv/bin/python bench/partition_migration.py --events N`.

In its own database (`<DATABASE_URL's name>_bench`, dropped and migrated first), the
usage app is taken back to before the partitioning (0005_revision_seq: the plain
events table), `--events` events of 1,000 subscriptions are inserted over 24 months,
and the two migrations are timed: 0006 (the table partitioned by month, its keys
copied into usage_idempotencykey; ACCESS EXCLUSIVE on the events table throughout) and
0007 (the months of the stored events noted in usage_latemonth). The figure per
million events is what docs/usage.md "Partitions and retention" plans the downtime by.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, bench_environment, machine_line

_EVENTS_SQL = """
INSERT INTO usage_usageevent
    (tenant_id, customer_id, meter_id, idempotency_key, value, timestamp, properties, fingerprint, created_at)
SELECT %(tenant)s, (%(customers)s::uuid[])[(n * 7919) %% %(count)s + 1], %(meter)s, 'k' || n, 1 + n %% 50,
       t, '{}'::jsonb, 'b', t
FROM generate_series(0::bigint, %(events)s::bigint - 1) AS n,
     LATERAL (SELECT timestamptz '2024-02-01 00:00Z' + (n * %(step)s) * interval '1 microsecond' AS t) s
"""


def migrate(env: dict[str, str], target: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "usage", target, "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    args = parser.parse_args()
    env = bench_environment()
    from django.db import connection

    from bench.invoice_run import setup
    from tenants.isolation import unscoped

    migrate(env, "0005_revision_seq")
    with unscoped():
        tenant, calls, _ = setup(1000)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM subscriptions_customer WHERE tenant_id = %s ORDER BY id", [tenant.id])
        customers = [row[0] for row in cursor.fetchall()]
        step = 730 * 86400 * 1_000_000 // args.events  # two years, in microseconds
        params = {
            "tenant": tenant.id, "customers": customers, "count": len(customers), "meter": calls.id,
            "events": args.events, "step": step,
        }  # fmt: skip
        started = time.perf_counter()
        cursor.execute(_EVENTS_SQL, params)
        insert_seconds = time.perf_counter() - started
    connection.close()
    partition_seconds = migrate(env, "0006_partition_events")
    note_seconds = migrate(env, "0007_late_months")
    back_seconds = migrate(env, "0005_revision_seq")
    per_million = 1_000_000 / args.events
    print(machine_line())
    print(f"load average before: {Path('/proc/loadavg').read_text().split()[:3]}")
    print(f"{args.events:,} events over 24 months in a plain table (inserted in {insert_seconds:.0f} s)")
    print(f"0006 partition:   {partition_seconds:.1f} s = {partition_seconds * per_million:.1f} s per million events")
    print(f"0007 late months: {note_seconds:.1f} s = {note_seconds * per_million:.1f} s per million events")
    print(f"back to 0005:     {back_seconds:.1f} s = {back_seconds * per_million:.1f} s per million events")


if __name__ == "__main__":
    main()
