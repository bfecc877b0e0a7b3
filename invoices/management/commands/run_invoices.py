"""`python manage.py run_invoices [--tenant ID] [--as-of TIME] [--dry-run]`: invoice what
is due from the shell, the same way as the API's run and the hourly beat job.

Without `--tenant`, every tenant in turn. Each tenant goes through
`invoices.services.invoice_due_subscriptions` (batches, SKIP LOCKED, exactly once), so
running the command while a worker runs the same tenant is safe. `--dry-run` only
counts the subscriptions that are due (`subscription_list_due`) and writes nothing.
`--as-of` is an RFC 3339 time with its offset or a date (midnight UTC); one more than a
few minutes ahead is refused, as by the API: a period is invoiced once it has ended.
A tenant whose run fails is reported and the others still run; the command then exits
with an error. What the failed run committed stays (each batch is its own
transaction), and running the command again finishes it.
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from tqdm import tqdm

from invoices import billing
from invoices.services import AS_OF_IN_THE_FUTURE, invoice_due_subscriptions, invoice_run_as_of
from subscriptions.selectors import subscription_list_due
from tenants.errors import Invalid
from tenants.isolation import scope_boundary, tenant_scope
from tenants.models import Tenant

BAD_AS_OF = (
    "--as-of must be an RFC 3339 time (2026-02-01T00:00:00Z) or a date (2026-02-01, midnight UTC); got {value!r}"
)
AS_OF_WITHOUT_OFFSET = "--as-of needs the time's UTC offset, like 2026-02-01T00:00:00Z; got {value!r}"
BAD_TENANT = "--tenant must be a tenant's id (a UUID); got {value!r}"
NO_TENANT = "no tenant {value}"
RUNS_FAILED = "invoicing failed for {count} tenant(s): {names}"


def parse_as_of(value: str) -> datetime:
    """A time with its offset, or a bare date (midnight UTC), from the command line. A
    time without an offset is refused, as by the API's `as_of` and usage timestamps."""
    try:
        day = parse_date(value)
        parsed = datetime(day.year, day.month, day.day, tzinfo=UTC) if day else parse_datetime(value)
    except ValueError:  # well-formed but impossible, like month 13
        parsed = None
    if parsed is None:
        raise CommandError(BAD_AS_OF.format(value=value))
    if timezone.is_naive(parsed):
        raise CommandError(AS_OF_WITHOUT_OFFSET.format(value=value))
    return parsed.astimezone(UTC)


def tenants_to_run(tenant_arg: str | None) -> list[Tenant]:
    if tenant_arg is None:
        return list(Tenant.objects.order_by("created_at", "id"))
    try:
        tenant_id = uuid.UUID(tenant_arg)
    except ValueError:
        raise CommandError(BAD_TENANT.format(value=tenant_arg)) from None
    tenant = Tenant.objects.filter(pk=tenant_id).first()
    if tenant is None:
        raise CommandError(NO_TENANT.format(value=tenant_id))
    return [tenant]


def _as_of(tenant: Tenant, given: datetime | None) -> datetime:
    """The tenant's as_of: `given`, or its now (`tenants.clock`)."""
    try:
        return invoice_run_as_of(tenant=tenant, as_of=given)
    except Invalid:
        raise CommandError(AS_OF_IN_THE_FUTURE) from None


def _shown(given: datetime | None, as_of: dict[uuid.UUID, datetime]) -> str:
    times = {given} if given is not None else set(as_of.values())
    return times.pop().isoformat() if len(times) == 1 else "now, each tenant's"


class Command(BaseCommand):
    help = "Invoice every subscription whose period ended (all tenants, or one), as the hourly beat job does."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", help="only this tenant (its id); default: every tenant")
        parser.add_argument("--as-of", help="bill periods that ended at or before this time; default: now")
        parser.add_argument("--dry-run", action="store_true", help="count what is due; write nothing")
        parser.add_argument("--batch-size", type=int, help="subscriptions per transaction (INVOICE_RUN_BATCH_SIZE)")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    @scope_boundary()
    def handle(self, *args: Any, **options: Any) -> None:
        given = None if options["as_of"] is None else parse_as_of(options["as_of"])
        tenants = tenants_to_run(options["tenant"])
        as_of = {tenant.pk: _as_of(tenant, given) for tenant in tenants}  # all checked before any run
        self.subscriptions = 0
        self.statuses: Counter[str] = Counter()
        self.failed: list[tuple[Tenant, str]] = []
        self.stdout.write(f"{'dry run: ' if options['dry_run'] else ''}as of {_shown(given, as_of)}")
        bar = tqdm(tenants, unit=" tenants", disable=options["no_progress"])
        for tenant in bar:
            bar.set_description(tenant.name[:30])
            with tenant_scope(tenant):
                if options["dry_run"]:
                    self.subscriptions += subscription_list_due(tenant=tenant, as_of=as_of[tenant.pk]).count()
                else:
                    self._run(tenant, as_of[tenant.pk], options["batch_size"], bar)
        bar.close()
        self._summary(len(tenants), dry_run=options["dry_run"])
        if self.failed:
            raise CommandError(
                RUNS_FAILED.format(count=len(self.failed), names=", ".join(str(t.pk) for t, _ in self.failed))
            )

    def _run(self, tenant: Tenant, as_of: datetime, batch_size: int | None, bar: Any) -> None:
        def count(outcome: billing.BatchOutcome) -> None:
            # Counted per committed batch: a tenant that fails half way still reports its part.
            self.subscriptions += outcome.subscriptions
            self.statuses.update(invoice.status for invoice in outcome.invoices)
            bar.set_postfix(invoices=sum(self.statuses.values()))

        try:
            invoice_due_subscriptions(tenant=tenant, as_of=as_of, batch_size=batch_size, on_batch=count)
        except Exception as exc:
            self.failed.append((tenant, f"{type(exc).__name__}: {exc}"))

    def _summary(self, tenants: int, *, dry_run: bool) -> None:
        self.stdout.write(f"tenants: {tenants}")
        if dry_run:
            self.stdout.write(f"subscriptions due: {self.subscriptions}")
            self.stdout.write("nothing was written (dry run)")
            return
        self.stdout.write(f"subscriptions processed: {self.subscriptions}")
        self.stdout.write(f"invoices created: {sum(self.statuses.values())}")
        for status, count in sorted(self.statuses.items()):
            self.stdout.write(f"  {status}: {count}")
        for tenant, error in self.failed:
            self.stderr.write(f"failed: tenant {tenant.pk} ({tenant.name}): {error}")
