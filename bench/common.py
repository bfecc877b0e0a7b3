"""What the benchmarks share: the machine line, a database of their own, and the CPU
time of processes of this machine (/proc), which a shared machine's load disturbs far
less than wall time."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine_line() -> str:
    return f"machine: {os.cpu_count()} cores, {cpu_model()}, Python {platform.python_version()}, {platform.system()}"


def bench_environment() -> dict[str, str]:
    """Point this process (and its children) at `<DATABASE_URL's database>_bench`,
    dropped, created and migrated here: a benchmark never touches development data,
    and every run starts from empty tables (earlier runs' rows would slow it)."""
    import environ

    base_url = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/billing")
    name = environ.Env.db_url_config(base_url)["NAME"]
    env = {
        **os.environ,
        "DATABASE_URL": base_url.rsplit("/", 1)[0] + "/" + name + "_bench",
        "APP_ENV": "development",
        "LOG_LEVEL": "WARNING",
        "REQUEST_LOG_LEVEL": "ERROR",
        "DJANGO_SETTINGS_MODULE": "billing_project.settings",
    }
    os.environ.update(env)
    _drop_database(base_url, name + "_bench")
    for command in (["ensure_database"], ["migrate", "--noinput", "-v0"]):
        subprocess.run(
            [sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
        )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    return env


def _drop_database(base_url: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    maintenance = base_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def first_period_subscription(tenant: Any, customer: Any, plan: Any, start: datetime, end: datetime) -> Any:
    """An active subscription (not saved) of `customer` to `plan` in its first period,
    [start, end): what the benchmarks bill or export."""
    from subscriptions.models import Subscription

    return Subscription(
        tenant=tenant,
        customer=customer,
        plan=plan,
        status="active",
        start_at=start,
        billing_anchor=start,
        period_index=0,
        current_period_start=start,
        current_period_end=end,
    )


_TICK = os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int) -> float:
    """User + system CPU seconds a process of this machine has used so far (a gunicorn
    worker, a PostgreSQL backend: the database is local); 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime, stime (fields 14 and 15)


def child_pids(pid: int) -> list[int]:
    """The direct children of a process (gunicorn's workers); none once it is gone."""
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def backend_pid() -> int:
    """This process's PostgreSQL backend."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])
