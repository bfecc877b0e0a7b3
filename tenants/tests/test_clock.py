"""The one clock (tenants.clock): business time takes the tenant, and nothing else in
the service reads the time."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine

from tenants import clock
from tenants.errors import Conflict
from tenants.models import Tenant
from tenants.tests.factories import SandboxTenantFactory

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


# A sandbox's clock


@pytest.mark.django_db
def test_a_sandboxs_business_time_is_its_clock_whatever_real_time_is():
    sandbox = SandboxTenantFactory(clock_time=datetime(2031, 7, 1, 9, 30, tzinfo=UTC))
    with time_machine.travel(NOW, tick=False):
        assert clock.now(sandbox) == clock.now(sandbox.pk) == datetime(2031, 7, 1, 9, 30, tzinfo=UTC)
        assert clock.real_now() == NOW


@pytest.mark.django_db
def test_a_live_tenants_time_costs_no_query_once_seen(tenant, django_assert_num_queries):
    with django_assert_num_queries(1):
        clock.now(tenant.pk)  # the first time: is it a sandbox?
    with django_assert_num_queries(0):
        clock.now(tenant.pk)
        clock.now(tenant)


@pytest.mark.django_db
def test_a_sandboxs_clock_is_read_each_time_it_is_asked(django_assert_num_queries):
    sandbox = SandboxTenantFactory()
    with django_assert_num_queries(2):
        first = clock.now(sandbox.pk)
        Tenant.objects.filter(pk=sandbox.pk).update(clock_time=datetime(2026, 2, 1, tzinfo=UTC))
    assert (first, clock.now(sandbox.pk)) == (datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC))


@pytest.mark.django_db
def test_while_it_advances_a_write_asking_the_time_is_a_409_and_a_read_sees_the_clock():
    sandbox = SandboxTenantFactory(clock_advancing_to=datetime(2026, 6, 1, tzinfo=UTC))

    with pytest.raises(Conflict) as raised:
        clock.now(sandbox.pk)

    assert raised.value.code == "clock_advancing"
    assert str(raised.value) == clock.CLOCK_ADVANCING.format(to="2026-06-01T00:00:00+00:00")
    assert clock.now(sandbox.pk, reading=True) == datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.django_db
def test_the_advance_runs_its_steps_at_their_moment_and_only_for_its_tenant(other_tenant):
    sandbox = SandboxTenantFactory(clock_advancing_to=datetime(2026, 6, 1, tzinfo=UTC))
    moment = datetime(2026, 3, 1, tzinfo=UTC)

    with clock.at(sandbox.pk, moment):
        assert clock.now(sandbox) == moment
        with time_machine.travel(NOW, tick=False):
            assert clock.now(other_tenant) == NOW  # another tenant keeps its own time
        with pytest.raises(Conflict):
            clock.now(SandboxTenantFactory(clock_advancing_to=datetime(2026, 6, 1, tzinfo=UTC)))

    with pytest.raises(Conflict):
        clock.now(sandbox)  # outside the step, a write waits like any other
