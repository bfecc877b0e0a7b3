"""Refreshing the revenue view: concurrently, after every invoice run, on beat, by hand."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django_celery_beat.models import PeriodicTask
from structlog.testing import capture_logs

from invoices.models import InvoiceRun
from invoices.services import invoice_run_create
from invoices.signals import invoice_run_finished
from metrics import services, tasks
from metrics.models import MetricsRefresh, RevenueSnapshot
from subscriptions.tests.factories import SubscriptionFactory
from tenants.tests.utils import at
from usage.tests.factories import use

from .helpers import plan_with_usage, refresh

pytestmark = pytest.mark.django_db


def mrr(tenant):
    return {row.currency: row.mrr for row in RevenueSnapshot.objects.for_tenant(tenant)}


def refresh_logs(logs):
    return [entry["concurrently"] for entry in logs if entry["event"] == "revenue_metrics_refreshed"]


def is_populated():
    with connection.cursor() as cursor:
        cursor.execute("SELECT ispopulated FROM pg_matviews WHERE matviewname = 'metrics_revenue'")
        return cursor.fetchone()[0]


def test_refresh_concurrently_twice_picks_up_the_changes(tenant):
    plan = plan_with_usage(tenant, code="p", amount="49.00")
    SubscriptionFactory(tenant=tenant, plan=plan, start_at=at(2026, 1, 1))
    with capture_logs() as logs:
        assert refresh(at(2026, 1, 2)) == at(2026, 1, 2)
        assert mrr(tenant) == {"USD": Decimal("49")}
        SubscriptionFactory(tenant=tenant, plan=plan, start_at=at(2026, 1, 2))
        refresh(at(2026, 1, 3))
    assert mrr(tenant) == {"USD": Decimal("98")}
    assert refresh_logs(logs) == [True, True]
    assert MetricsRefresh.objects.get().refreshed_at == at(2026, 1, 3)


def test_a_view_that_was_never_populated_gets_a_plain_refresh(tenant):
    SubscriptionFactory(tenant=tenant, plan=plan_with_usage(tenant, code="p", amount="10.00"), start_at=at(2026, 1, 1))
    with connection.cursor() as cursor:
        cursor.execute("REFRESH MATERIALIZED VIEW metrics_revenue WITH NO DATA")
    assert is_populated() is False
    with capture_logs() as logs:
        refresh(at(2026, 1, 2))
        refresh(at(2026, 1, 3))
    assert refresh_logs(logs) == [False, True]
    assert is_populated() is True
    assert mrr(tenant) == {"USD": Decimal("10")}


def test_an_invoice_run_queues_a_refresh_on_commit(tenant, django_capture_on_commit_callbacks):
    sub = SubscriptionFactory(
        tenant=tenant, plan=plan_with_usage(tenant, code="p", amount="49.00"), start_at=at(2026, 1, 1)
    )
    use(sub, "storage_gb", "70", at(2026, 1, 10))  # 7.00
    with time_machine.travel(at(2026, 2, 1, 1), tick=False), django_capture_on_commit_callbacks(execute=True):
        run = invoice_run_create(tenant=tenant, as_of=at(2026, 2, 1))
    run.refresh_from_db()
    assert (run.status, run.invoices_created) == (InvoiceRun.Status.SUCCEEDED, 1)
    assert mrr(tenant) == {"USD": Decimal("56")}
    assert MetricsRefresh.objects.get().refreshed_at == at(2026, 2, 1, 1)


def test_the_receiver_waits_for_the_commit(tenant, django_capture_on_commit_callbacks):
    SubscriptionFactory(tenant=tenant, plan=plan_with_usage(tenant, code="p", amount="49.00"), start_at=at(2026, 1, 1))
    with django_capture_on_commit_callbacks() as callbacks:
        invoice_run_finished.send_robust(sender=InvoiceRun, tenant_id=tenant.id, run=None)
    # The revenue refresh (and the alerts' evaluation after a run: metrics.receivers).
    refreshes = [c for c in callbacks if c.__name__ == "queue_revenue_metrics_refresh"]
    assert len(refreshes) == 1
    assert mrr(tenant) == {}
    refreshes[0]()
    assert mrr(tenant) == {"USD": Decimal("49")}


def test_a_failing_receiver_does_not_fail_the_run(tenant, django_capture_on_commit_callbacks):
    SubscriptionFactory(tenant=tenant, plan=plan_with_usage(tenant, code="p", amount="49.00"), start_at=at(2026, 1, 1))

    def broken(sender, **kwargs):
        raise RuntimeError("receiver bug")

    invoice_run_finished.connect(broken, dispatch_uid="test.broken")
    try:
        with time_machine.travel(at(2026, 2, 1, 1), tick=False), django_capture_on_commit_callbacks(execute=True):
            run = invoice_run_create(tenant=tenant, as_of=at(2026, 2, 1))
    finally:
        invoice_run_finished.disconnect(dispatch_uid="test.broken")
    run.refresh_from_db()
    assert (run.status, run.invoices_created, run.error) == (InvoiceRun.Status.SUCCEEDED, 1, "")
    assert mrr(tenant) == {"USD": Decimal("49")}


def test_refreshes_asked_for_while_one_is_queued_are_coalesced(tenant, django_capture_on_commit_callbacks):
    SubscriptionFactory(tenant=tenant, plan=plan_with_usage(tenant, code="p", amount="49.00"), start_at=at(2026, 1, 1))
    cache.add(services.REFRESH_PENDING_KEY, 1)  # a refresh is queued and has not started
    with django_capture_on_commit_callbacks(execute=True):
        services.revenue_metrics_refresh_queue()
    assert mrr(tenant) == {}
    refresh(at(2026, 1, 2))  # the queued one runs and clears the mark
    assert cache.get(services.REFRESH_PENDING_KEY) is None
    SubscriptionFactory(tenant=tenant, plan=plan_with_usage(tenant, code="q", amount="1.00"), start_at=at(2026, 1, 1))
    with time_machine.travel(at(2026, 1, 3), tick=False), django_capture_on_commit_callbacks(execute=True):
        services.revenue_metrics_refresh_queue()
    assert mrr(tenant) == {"USD": Decimal("50")}
    assert MetricsRefresh.objects.get().refreshed_at == at(2026, 1, 3)


def test_the_task_refreshes(tenant):
    SubscriptionFactory(tenant=tenant, plan=plan_with_usage(tenant, code="p", amount="5.00"), start_at=at(2026, 1, 1))
    with time_machine.travel(at(2026, 1, 2), tick=False):
        result = tasks.revenue_metrics_refresh.delay()
    assert result.get() == "2026-01-02T00:00:00+00:00"
    assert mrr(tenant) == {"USD": Decimal("5")}


def test_the_command_refreshes(tenant):
    SubscriptionFactory(tenant=tenant, plan=plan_with_usage(tenant, code="p", amount="5.00"), start_at=at(2026, 1, 1))
    out = StringIO()
    with time_machine.travel(at(2026, 1, 2), tick=False):
        call_command("refresh_revenue_metrics", stdout=out)
    assert out.getvalue() == "revenue metrics refreshed at 2026-01-02T00:00:00+00:00\n"
    assert mrr(tenant) == {"USD": Decimal("5")}


def test_beat_refreshes_every_fifteen_minutes():
    call_command("ensure_periodic_tasks", stdout=StringIO())
    task = PeriodicTask.objects.get(name="Revenue metrics refresh")
    assert (task.task, task.interval.every, task.interval.period) == (
        "metrics.tasks.revenue_metrics_refresh",
        15,
        "minutes",
    )
