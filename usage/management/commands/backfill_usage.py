"""`python manage.py backfill_usage --tenant ID FILE`: load historical usage.

FILE is JSON lines (one event object per line) or CSV with the columns
`idempotency_key,external_customer_id,meter,value,timestamp,properties` (properties as
a JSON object; empty cells are left out). Every line goes through the same validation
as the API and the same bulk write path (chunks of 1000, one INSERT … ON CONFLICT DO
NOTHING each), so running the command twice stores nothing twice. Unlike the API,
invalid lines do not stop the load: they are reported with their line numbers.
"""

from __future__ import annotations

import csv
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from tenants import clock
from tenants.isolation import scope_boundary, tenant_scope
from tenants.models import Tenant
from tenants.parsers import JsonBodyError, loads
from usage.parsing import ParsedEvent, usage_events_prepare
from usage.services import BatchKeyReused, usage_events_ingest_batch

CHUNK = 1000
CSV_COLUMNS = ["idempotency_key", "external_customer_id", "meter", "value", "timestamp", "properties"]


def read_lines(path: Path, fmt: str) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """(line number, event dict) per line; a string instead of a dict is a parse error."""
    with path.open(newline="") as handle:
        if fmt == "csv":
            for number, row in enumerate(csv.DictReader(handle), start=2):
                yield number, _csv_event(row)
            return
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                parsed = loads(line)
            except JsonBodyError as exc:
                yield number, _json_problem(exc, within="")
                continue
            yield number, parsed if isinstance(parsed, dict) else "a line must be a JSON object"


def _json_problem(exc: JsonBodyError, within: str) -> str:
    """What the API would answer (`tenants.parsers`), as a line of the summary."""
    place = ".".join(part for part in (within, exc.attr) if part)
    return f"{place}: {exc.message}" if place else f"invalid JSON: {exc.message}"


def _csv_event(row: dict[str, str]) -> dict[str, Any] | str:
    event: dict[str, Any] = {k: v for k, v in row.items() if k in CSV_COLUMNS and v not in ("", None)}
    if "properties" in event:
        try:
            event["properties"] = loads(event["properties"])
        except JsonBodyError as exc:
            return _json_problem(exc, within="properties")
    return event


class Command(BaseCommand):
    help = "Load usage events from a JSONL or CSV file into a tenant (idempotent; safe to run twice)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", required=True, type=uuid.UUID, help="the tenant's id")
        parser.add_argument("file", type=Path)
        parser.add_argument("--format", choices=["jsonl", "csv"], help="default: from the file's extension")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    @scope_boundary()
    def handle(self, *args: Any, **options: Any) -> None:
        tenant = Tenant.objects.filter(pk=options["tenant"]).first()
        if tenant is None:
            raise CommandError(f"no tenant {options['tenant']}")
        path: Path = options["file"]
        if not path.exists():
            raise CommandError(f"no file {path}")
        fmt = options["format"] or ("csv" if path.suffix.lower() == ".csv" else "jsonl")
        self.accepted = self.duplicates = 0
        self.rejected: list[tuple[int, str]] = []
        with tenant_scope(tenant):
            self._load_file(tenant.pk, read_lines(path, fmt), progress=not options["no_progress"])
        self._summary()

    def _load_file(
        self, tenant_id: uuid.UUID, lines: Iterator[tuple[int, dict[str, Any] | str]], progress: bool
    ) -> None:
        chunk: list[tuple[int, dict[str, Any]]] = []
        for number, item in tqdm(lines, unit=" lines", disable=not progress):
            if isinstance(item, str):
                self.rejected.append((number, item))
                continue
            chunk.append((number, item))
            if len(chunk) == CHUNK:
                self._load(tenant_id, chunk)
                chunk = []
        if chunk:
            self._load(tenant_id, chunk)

    def _load(self, tenant_id: uuid.UUID, chunk: list[tuple[int, dict[str, Any]]]) -> None:
        prepared = usage_events_prepare(tenant=tenant_id, raws=[raw for _, raw in chunk], now=clock.now(tenant_id))
        ready: list[tuple[int, ParsedEvent]] = []
        for (number, _), event, problems in zip(chunk, prepared.events, prepared.errors, strict=True):
            if event is None:
                self.rejected.append((number, _describe(problems)))
            else:
                ready.append((number, event))
        self._store(tenant_id, ready)

    def _store(self, tenant_id: uuid.UUID, ready: list[tuple[int, ParsedEvent]]) -> None:
        while ready:
            try:
                result = usage_events_ingest_batch(tenant=tenant_id, events=[e for _, e in ready])
            except BatchKeyReused as exc:
                # Drop the line whose key was used with another body; store the rest.
                number, _ = ready.pop(exc.index)
                self.rejected.append((number, exc.message))
                continue
            self.accepted += result.accepted
            self.duplicates += result.duplicates
            return

    def _summary(self) -> None:
        self.stdout.write(f"accepted: {self.accepted}")
        self.stdout.write(f"duplicates: {self.duplicates}")
        self.stdout.write(f"rejected: {len(self.rejected)}")
        for number, reason in sorted(self.rejected):
            self.stdout.write(f"  line {number}: {reason}")


def _describe(errors: Any) -> str:
    return "; ".join(f"{field}: {' '.join(str(m) for m in messages)}" for field, messages in errors.items())
