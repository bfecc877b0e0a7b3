"""`python manage.py refresh_revenue_metrics`: refresh the revenue view now (what the
beat task does every 15 minutes and every invoice run asks for)."""

from typing import Any

from django.core.management.base import BaseCommand

from metrics import services


class Command(BaseCommand):
    help = "Refresh the revenue materialized view (MRR/ARR per tenant and currency)."

    def handle(self, *args: Any, **options: Any) -> None:
        refreshed_at = services.revenue_metrics_refresh()
        self.stdout.write(f"revenue metrics refreshed at {refreshed_at.isoformat()}")
