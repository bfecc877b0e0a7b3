"""`python manage.py usage_partitions`: list the monthly partitions of the usage events
table, create the coming ones (`--ahead N`, what the daily beat task does) or drop the
months before one (`--drop-before YYYY-MM`: retention, with their keys and revisions;
asks for `--yes`). See docs/DESIGN.md "Usage events, partitioned by month"."""

from __future__ import annotations

import re
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tenants import clock
from usage import partitions

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class Command(BaseCommand):
    help = "List, create ahead or drop (retention) the monthly partitions of the usage events table."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--ahead", type=int, help="create this month's partition and the N next ones")
        parser.add_argument("--drop-before", metavar="YYYY-MM", help="drop every month before this one")
        parser.add_argument("--yes", action="store_true", help="really drop (events, keys and revisions go)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["ahead"] is not None:
            made = partitions.ensure_partitions_ahead(now=clock.real_now(), months_ahead=options["ahead"])
            self.stdout.write(f"created {len(made)} partition(s): {', '.join(map(partitions.partition_name, made))}")
        if options["drop_before"]:
            match = _MONTH.match(options["drop_before"])
            if not match or not 1 <= int(match[2]) <= 12:
                raise CommandError("--drop-before takes a month, like 2024-01")
            if not options["yes"]:
                raise CommandError("dropping partitions deletes their events: add --yes")
            dropped = partitions.drop_partitions_before((int(match[1]), int(match[2])))
            self.stdout.write(
                f"dropped {len(dropped)} partition(s): {', '.join(map(partitions.partition_name, dropped))}"
            )
        for month in sorted(partitions.existing_months()):
            self.stdout.write(partitions.partition_name(month))
