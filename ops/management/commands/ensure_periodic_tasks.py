"""`python manage.py ensure_periodic_tasks`: register the default celery-beat schedules.

They live in django-celery-beat's tables, so support staff can see, pause and edit
them in the admin; this command creates the missing ones and never overwrites an
edited schedule. `make run` calls it after migrating.
"""

from typing import Any

from django.core.management.base import BaseCommand
from django_celery_beat.models import IntervalSchedule, PeriodicTask

# (name shown in the admin, task, every N minutes)
DEFAULT_SCHEDULES: list[tuple[str, str, int]] = [
    ("Webhook delivery sweeper", "webhooks.tasks.webhook_deliveries_sweep", 1),
    ("Revenue metrics refresh", "metrics.tasks.revenue_metrics_refresh", 15),
    ("Invoice run, every tenant", "invoices.tasks.invoice_run_all_tenants", 60),
    ("Invoice run sweeper", "invoices.tasks.invoice_runs_sweep", 5),
    ("Idempotency records purge", "tenants.tasks.idempotency_records_purge", 60),
    ("Sandbox clock advance sweeper", "tenants.tasks.clock_advances_sweep", 5),
    ("Dunning retries sweeper", "payments.tasks.dunning_sweep", 15),
    ("Credit grant expiry sweeper", "invoices.tasks.credit_grants_expire_sweep", 5),
    ("Usage partitions ahead", "usage.tasks.usage_partitions_ahead", 24 * 60),
]


class Command(BaseCommand):
    help = "Create the default periodic tasks (invoicing, sweepers, revenue refresh) if they are missing."

    def handle(self, *args: Any, **options: Any) -> None:
        for name, task, minutes in DEFAULT_SCHEDULES:
            interval, _ = IntervalSchedule.objects.get_or_create(every=minutes, period=IntervalSchedule.MINUTES)
            _, created = PeriodicTask.objects.get_or_create(name=name, defaults={"task": task, "interval": interval})
            self.stdout.write(
                f"{'created' if created else 'kept'} periodic task {name!r} ({task}, every {minutes} min)"
            )
