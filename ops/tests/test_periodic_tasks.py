"""`manage.py ensure_periodic_tasks`: the default beat schedules, created once and
never overwritten (support staff edit them in the admin)."""

from __future__ import annotations

import importlib
from io import StringIO

import pytest
from django.core.management import call_command
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from billing_project.celery import app
from ops.management.commands.ensure_periodic_tasks import DEFAULT_SCHEDULES

pytestmark = pytest.mark.django_db

INVOICE_RUN = "Invoice run, every tenant"


def ensure() -> list[str]:
    out = StringIO()
    call_command("ensure_periodic_tasks", stdout=out)
    return out.getvalue().splitlines()


def test_it_creates_every_default_schedule_once():
    first = ensure()
    second = ensure()

    assert PeriodicTask.objects.count() == len(DEFAULT_SCHEDULES)
    assert [line.split()[0] for line in first] == ["created"] * len(DEFAULT_SCHEDULES)
    assert [line.split()[0] for line in second] == ["kept"] * len(DEFAULT_SCHEDULES)
    assert {(t.name, t.task, t.interval.every) for t in PeriodicTask.objects.select_related("interval")} == set(
        DEFAULT_SCHEDULES
    )


def test_invoicing_runs_hourly_for_every_tenant():
    ensure()
    task = PeriodicTask.objects.get(name=INVOICE_RUN)
    assert (task.task, task.interval.every, task.interval.period, task.enabled) == (
        "invoices.tasks.invoice_run_all_tenants",
        60,
        IntervalSchedule.MINUTES,
        True,
    )
    assert (task.args, task.kwargs) == ("[]", "{}")


def test_a_schedule_edited_in_the_admin_is_kept():
    ensure()
    every_six_hours, _ = IntervalSchedule.objects.get_or_create(every=6, period=IntervalSchedule.HOURS)
    PeriodicTask.objects.filter(name=INVOICE_RUN).update(interval=every_six_hours, enabled=False)

    assert f"kept periodic task {INVOICE_RUN!r} (invoices.tasks.invoice_run_all_tenants, every 60 min)" in ensure()

    task = PeriodicTask.objects.get(name=INVOICE_RUN)
    assert (task.interval.every, task.interval.period, task.enabled) == (6, IntervalSchedule.HOURS, False)
    assert PeriodicTask.objects.filter(task="invoices.tasks.invoice_run_all_tenants").count() == 1


@pytest.mark.parametrize(("name", "task", "minutes"), DEFAULT_SCHEDULES)
def test_every_scheduled_task_is_a_registered_celery_task(name, task, minutes):
    importlib.import_module(task.rsplit(".", 1)[0])
    assert task in app.tasks
    assert minutes > 0
