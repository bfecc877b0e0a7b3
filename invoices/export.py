"""The CSV export of invoices (API.md Part 2, "Documents, portal, export"): one row per
invoice line, with the invoice's number, dates, status and totals repeated on each row
(an invoice without lines is one row whose line columns are empty), oldest first. The
API's `GET …/invoices/export` and the admin's "Export selected as CSV" both answer
`invoice_export_response`, so the two files have the same rows.

Streamed, never held: one query (the invoices left-joined to their lines, as plain
tuples, no model instances) read through a server-side cursor EXPORT_CHUNK_SIZE rows at
a time, and rows leave in batches as they are made, so memory stays flat however many
lines (a test, and bench/export.py for 100,000 lines). The query is built where the
caller's tenant scope holds (the selector); the response's body is read later.

Values are the API's: amounts as decimal strings (`format_price`), quantities without
trailing zeros, times RFC 3339 in UTC. Text that a spreadsheet would run as a formula
(starting with =, +, -, @, a tab or a carriage return) is prefixed with a quote.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import StreamingHttpResponse

from invoices.models import Invoice
from plans.money import format_price, format_quantity
from tenants.formats import format_time

EXPORT_CHUNK_SIZE = 2000
ROWS_PER_WRITE = 500
CONTENT_TYPE = "text/csv; charset=utf-8"
FILENAME = "invoices.csv"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Cell writers: (value, the invoice's currency) → text; None (no line) is "".
Cell = Callable[[Any, str], str]


def _plain(value: object, currency: str) -> str:
    return "" if value is None else str(value)


def _text(value: str | None, currency: str) -> str:
    """Free text as a spreadsheet shows it, never as a formula it would run."""
    if value is None:
        return ""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def _group(value: dict[str, str | None] | None, currency: str) -> str:
    """A dimensional line's group as `workspace=a; model=(none)`: "" for none."""
    if not value:
        return ""
    return _text("; ".join(f"{k}={'(none)' if v is None else v}" for k, v in value.items()), currency)


def _time(value: datetime | None, currency: str) -> str:
    return format_time(value) or ""


def _money(value: Decimal | None, currency: str) -> str:
    return "" if value is None else format_price(value, currency)


def _quantity(value: Decimal | None, currency: str) -> str:
    return "" if value is None else format_quantity(value)


INVOICE_MONEY = (
    "subtotal", "discount", "tax", "total", "credits_applied", "amount_credited", "amount_paid", "amount_due",
)  # fmt: skip
INVOICE_TIMES = ("period_start", "period_end", "issued_at", "due_at", "paid_at", "voided_at")
# Column → the field it reads, in the file's order: the invoice's, then its line's.
INVOICE_FIELDS = {
    "invoice_id": "id",
    "invoice_number": "number",
    **{name: name for name in ("status", "billing_reason", "customer_id")},
    "customer_external_id": "customer__external_id",
    "customer_name": "customer__name",
    **{name: name for name in ("subscription_id", "currency", *INVOICE_TIMES, *INVOICE_MONEY)},
}
LINE_NAMES = (
    "position", "kind", "description", "meter_code", "model", "quantity", "amount", "period_start", "period_end",
)  # fmt: skip
LINE_FIELDS = {f"line_{name.removesuffix('_code')}": f"lines__{name}" for name in LINE_NAMES}
# Charge dimensions: the filter and the group of a dimensional charge's lines.
LINE_FIELDS |= {"line_filter": "lines__filter_name", "line_group": "lines__group_values"}
# How a column is written, where not as it is.
WRITERS: dict[str, Cell] = {
    **dict.fromkeys(("customer_external_id", "customer_name", "line_description", "line_meter", "line_filter"), _text),
    "line_group": _group,
    **dict.fromkeys((*INVOICE_TIMES, "line_period_start", "line_period_end"), _time),
    **dict.fromkeys((*INVOICE_MONEY, "line_amount"), _money),
    "line_quantity": _quantity,
}
CELLS: tuple[tuple[str, str, Cell], ...] = tuple(
    (column, field, WRITERS.get(column, _plain)) for column, field in {**INVOICE_FIELDS, **LINE_FIELDS}.items()
)
INVOICE_CELLS, LINE_CELLS = CELLS[: len(INVOICE_FIELDS)], CELLS[len(INVOICE_FIELDS) :]
INVOICE_COLUMNS, LINE_COLUMNS = tuple(INVOICE_FIELDS), tuple(LINE_FIELDS)
HEADER = (*INVOICE_COLUMNS, *LINE_COLUMNS)
_CURRENCY = [field for _, field, _ in CELLS].index("currency")
_FIRST_LINE_CELL = len(INVOICE_CELLS)


def invoice_export_row(values: tuple[Any, ...], invoice_cells: list[str] | None = None) -> list[str]:
    """One row of the export from the values of CELLS' fields (a line's are None for
    an invoice without lines). `invoice_cells`: the invoice's part, when the row
    before was of the same invoice (written once per invoice, not per line)."""
    currency = values[_CURRENCY]
    if invoice_cells is None:
        invoice_cells = [write(value, currency) for (_, _, write), value in zip(INVOICE_CELLS, values, strict=False)]
    lines = zip(LINE_CELLS, values[_FIRST_LINE_CELL:], strict=True)
    return invoice_cells + [write(value, currency) for (_, _, write), value in lines]


def invoice_export_rows(invoices: QuerySet[Invoice]) -> Iterator[list[str]]:
    """The rows of `invoices`: oldest first (by number within one instant), each
    invoice's lines by position."""
    values = invoices.order_by("issued_at", "number", "lines__position").values_list(*(field for _, field, _ in CELLS))
    invoice_id, invoice_cells = None, None
    for row in values.iterator(chunk_size=EXPORT_CHUNK_SIZE):
        if row[0] != invoice_id:
            invoice_id, invoice_cells = row[0], None
        cells = invoice_export_row(row, invoice_cells)
        invoice_cells = cells[:_FIRST_LINE_CELL]
        yield cells


class _Echo:
    """A file that hands back what is written: csv.writer's rows as strings."""

    def write(self, value: str) -> str:
        return value


def invoice_export_csv(invoices: QuerySet[Invoice]) -> Iterator[str]:
    """The CSV text of `invoices`, the header first, in pieces of ROWS_PER_WRITE rows."""
    writer = csv.writer(_Echo())
    batch = [writer.writerow(HEADER)]
    for row in invoice_export_rows(invoices):
        batch.append(writer.writerow(row))
        if len(batch) >= ROWS_PER_WRITE:
            yield "".join(batch)
            batch = []
    if batch:
        yield "".join(batch)


def invoice_export_response(invoices: QuerySet[Invoice]) -> StreamingHttpResponse:
    """`invoices` as a CSV file, streamed (see the module docstring)."""
    return StreamingHttpResponse(
        invoice_export_csv(invoices),
        content_type=CONTENT_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{FILENAME}"'},
    )
