"""The one clock (tenants.clock): business time takes the tenant, and nothing else in
the service reads the time."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine

from tenants import clock

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
READS_THE_TIME = re.compile(r"\btimezone\.now\(\)|\bdatetime\.(?:now|utcnow|today)\(|\bdate\.today\(")
# An outside party with a clock of its own: the mock payment provider signs its webhooks
# at its time. Benchmarks are not the service.
OUTSIDE = {"run_mock_payment_provider.py"}


def _service_sources() -> list[Path]:
    return [
        path
        for path in ROOT.rglob("*.py")
        if not {".venv", "tests", "migrations", "bench"} & set(path.relative_to(ROOT).parts)
        and path.name not in OUTSIDE
        and path.name != "conftest.py"
    ]


@pytest.mark.django_db
def test_business_time_is_the_tenants_and_follows_time_machine(tenant):
    with time_machine.travel(NOW, tick=False):
        assert clock.now(tenant) == clock.now(tenant.pk) == NOW
        assert clock.real_now() == NOW


def test_nothing_but_the_clock_reads_the_time():
    sources = _service_sources()
    assert ROOT / "tenants" / "clock.py" in sources
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sources
        if path.name != "clock.py" or path.parent.name != "tenants"
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if READS_THE_TIME.search(line)
    ]
    assert offenders == [], "use tenants.clock.now(tenant) (business time) or clock.real_now()"
