"""`python manage.py revenue_rollups --check | --rebuild`: the rollups behind the
revenue metrics (metrics 0004, docs/metrics.md "At scale").

`--check` compares the per-subscription MRR rows and the monthly revenue rows with the
full computation from subscriptions and invoices (after folding what is pending, as a
refresh does) and prints the rows that differ; it exits with status 1 when any do.
`--rebuild` computes them all again from scratch (the backfill of metrics 0004), then
refreshes the view. Both read every live subscription and every invoice: seconds per
100,000 subscriptions.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from metrics import services


class Command(BaseCommand):
    help = "Check the revenue rollups against the full computation (--check), or rebuild them (--rebuild)."

    def add_arguments(self, parser: CommandParser) -> None:
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--check", action="store_true", help="Print the rows that differ; exit 1 if any")
        action.add_argument("--rebuild", action="store_true", help="Compute every row again, then refresh the view")

    def handle(self, *args: Any, check: bool, rebuild: bool, **options: Any) -> None:
        if rebuild:
            services.revenue_rollups_rebuild()
            self.stdout.write("revenue rollups rebuilt and the view refreshed")
            return
        differences = services.revenue_rollups_check()
        for d in differences:
            self.stdout.write(f"{d.table} {d.key}: stored {d.stored}, computed {d.computed}")
        if differences:
            raise CommandError(f"{len(differences)} rollup rows differ from the full computation")
        self.stdout.write("revenue rollups match the full computation")
