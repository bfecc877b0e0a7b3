"""`manage.py run_invoices`: every tenant or one, an as-of time, a dry run, a summary."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command

from invoices.management.commands import run_invoices
from invoices.models import Invoice, NumberSequence
from invoices.services import AS_OF_IN_THE_FUTURE
from plans.tests.factories import PlanFactory
from subscriptions.models import Subscription
from subscriptions.tests.factories import SubscriptionFactory

pytestmark = pytest.mark.django_db

JAN_1 = datetime(2026, 1, 1, tzinfo=UTC)
FEB_1 = datetime(2026, 2, 1, tzinfo=UTC)


def command(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("run_invoices", *args, "--no-progress", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def due(tenant, other_tenant):
    """Tenant: two subscriptions (one on a free plan) due on Feb 1 and one due Feb 15;
    other tenant: one due on Feb 1."""
    free = PlanFactory(tenant=tenant, amount=Decimal(0))
    return [
        SubscriptionFactory(tenant=tenant, start_at=JAN_1),
        SubscriptionFactory(tenant=tenant, plan=free, start_at=JAN_1),
        SubscriptionFactory(tenant=tenant, start_at=datetime(2026, 1, 15, tzinfo=UTC)),
        SubscriptionFactory(tenant=other_tenant, start_at=JAN_1),
    ]


def test_it_invoices_every_tenant_and_sums_up(due, tenant, other_tenant):
    out, err = command("--as-of", "2026-02-01T00:00:00Z", "--batch-size", "1")

    assert Invoice.objects.for_tenant(tenant).count() == 2
    assert Invoice.objects.for_tenant(other_tenant).count() == 1
    assert out.splitlines() == [
        "as of 2026-02-01T00:00:00+00:00",
        "tenants: 2",
        "subscriptions processed: 3",
        "invoices created: 3",
        "  open: 2",
        "  paid: 1",
    ]
    assert err == ""
    assert Subscription.objects.get(pk=due[0].pk).current_period_start == FEB_1
    assert Subscription.objects.get(pk=due[2].pk).current_period_start == datetime(2026, 1, 15, tzinfo=UTC)


def test_a_second_run_creates_nothing(due):
    command("--as-of", "2026-02-01T00:00:00Z")
    out, _ = command("--as-of", "2026-02-01T00:00:00Z")
    assert "invoices created: 0" in out.splitlines()
    assert Invoice.unscoped().count() == 3


def test_tenant_limits_the_run_to_one_tenant(due, tenant, other_tenant):
    out, _ = command("--tenant", str(other_tenant.id), "--as-of", "2026-03-01T00:00:00Z")
    assert "tenants: 1" in out.splitlines()
    assert "invoices created: 2" in out.splitlines()  # January and February
    assert not Invoice.objects.for_tenant(tenant).exists()
    assert Invoice.objects.for_tenant(other_tenant).count() == 2


def test_as_of_defaults_to_now(due, tenant):
    with time_machine.travel(datetime(2026, 2, 1, 0, 30, tzinfo=UTC), tick=False):
        out, _ = command("--tenant", str(tenant.id))
    assert out.splitlines()[0] == "as of 2026-02-01T00:30:00+00:00"
    assert Invoice.objects.for_tenant(tenant).count() == 2


@pytest.mark.parametrize("value", ["2026-02-01", "2026-02-01T01:00:00+01:00"])
def test_a_date_is_midnight_utc_and_an_offset_is_kept(due, tenant, value):
    out, _ = command("--tenant", str(tenant.id), "--as-of", value)
    assert out.splitlines()[0] == "as of 2026-02-01T00:00:00+00:00"
    assert Invoice.objects.for_tenant(tenant).count() == 2


@pytest.mark.parametrize("value", ["2026-02-01T00:00:00", "2026-02-01 00:00"])
def test_a_time_without_an_offset_is_refused(due, value):
    # As the API's as_of and usage timestamps: which zone was meant is not ours to guess.
    with pytest.raises(CommandError) as error:
        command("--as-of", value)
    assert str(error.value) == run_invoices.AS_OF_WITHOUT_OFFSET.format(value=value)
    assert not Invoice.unscoped().exists()


def test_dry_run_counts_what_is_due_and_writes_nothing(due, tenant):
    before = list(Subscription.unscoped().order_by("id").values_list("id", "current_period_start", "status"))

    out, _ = command("--as-of", "2026-02-15T00:00:00Z", "--dry-run")

    assert out.splitlines() == [
        "dry run: as of 2026-02-15T00:00:00+00:00",
        "tenants: 2",
        "subscriptions due: 4",
        "nothing was written (dry run)",
    ]
    assert not Invoice.unscoped().exists()
    assert not NumberSequence.unscoped().exists()
    assert list(Subscription.unscoped().order_by("id").values_list("id", "current_period_start", "status")) == before


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01", "2026-02-30T00:00:00Z", ""])
def test_a_bad_as_of_is_refused(due, value):
    with pytest.raises(CommandError) as error:
        command("--as-of", value)
    assert str(error.value) == run_invoices.BAD_AS_OF.format(value=value)
    assert not Invoice.unscoped().exists()


def test_an_unknown_or_malformed_tenant_is_refused(due):
    missing = "6f1c0000-0000-4000-8000-000000000000"
    with pytest.raises(CommandError, match=f"no tenant {missing}"):
        command("--tenant", missing)
    with pytest.raises(CommandError) as error:
        command("--tenant", "acme")
    assert str(error.value) == run_invoices.BAD_TENANT.format(value="acme")
    assert not Invoice.unscoped().exists()


def test_a_failing_tenant_is_reported_and_the_others_still_run(due, tenant, other_tenant, monkeypatch):
    real = run_invoices.invoice_due_subscriptions
    failing = tenant

    def broken_for_tenant(*, tenant, **kwargs):
        if tenant.pk == failing.pk:
            raise RuntimeError("database went away")
        return real(tenant=tenant, **kwargs)

    monkeypatch.setattr(run_invoices, "invoice_due_subscriptions", broken_for_tenant)
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as error:
        call_command("run_invoices", "--as-of", "2026-02-01", "--no-progress", stdout=out, stderr=err)

    assert str(error.value) == run_invoices.RUNS_FAILED.format(count=1, names=str(tenant.id))
    assert f"failed: tenant {tenant.id} (Acme): RuntimeError: database went away" in err.getvalue()
    assert "invoices created: 1" in out.getvalue().splitlines()
    assert Invoice.objects.for_tenant(other_tenant).count() == 1
    assert not Invoice.objects.for_tenant(tenant).exists()


def test_it_shows_a_progress_bar_over_tenants(due, capsys):
    call_command("run_invoices", "--as-of", "2026-02-01", stdout=StringIO())
    assert "2/2" in capsys.readouterr().err


def test_an_as_of_in_the_future_is_refused(due):
    with time_machine.travel(datetime(2026, 1, 31, 23, 50, tzinfo=UTC), tick=False):
        with pytest.raises(CommandError) as error:
            command("--as-of", "2026-02-01T00:00:00Z")
        assert str(error.value) == AS_OF_IN_THE_FUTURE
        assert not Invoice.unscoped().exists()
        command("--as-of", "2026-01-31T23:54:00Z")  # a clock a few minutes ahead is fine
