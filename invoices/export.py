"""The CSV export of invoices (API.md Part 2, "Documents, portal, export"): one row per
invoice line, with the invoice's number, dates, status and totals repeated on each row
(an invoice without lines is one row whose line columns are empty). The API's
`GET …/invoices/export` and the admin's "Export selected as CSV" both answer
`invoice_export_response`, so the two files have the same rows.

Streamed, never held: invoices are read through a server-side cursor, EXPORT_CHUNK_SIZE
at a time (each chunk's lines in one more query), and rows leave in batches as they
are made, so memory stays flat however many lines (a test, and bench/export.py for
100,000 lines). The response's body is read after the view returned, outside its tenant
scope: the stream enters the scope it is given (the path tenant's, or `unscoped()` for
the admin).

Values are the API's: amounts as decimal strings (`format_price`), quantities without
trailing zeros, times RFC 3339 in UTC. Text that a spreadsheet would run as a formula
(starting with =, +, -, @, a tab or a carriage return) is prefixed with a quote.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import StreamingHttpResponse

from invoices.models import Invoice, InvoiceLine
from plans.money import format_price, format_quantity
from tenants.formats import format_time

EXPORT_CHUNK_SIZE = 500
ROWS_PER_WRITE = 500
CONTENT_TYPE = "text/csv; charset=utf-8"
FILENAME = "invoices.csv"
INVOICE_MONEY = (
    "subtotal", "discount", "tax", "total", "credits_applied", "amount_credited", "amount_paid", "amount_due",
)  # fmt: skip
INVOICE_TIMES = ("period_start", "period_end", "issued_at", "due_at", "paid_at", "voided_at")
INVOICE_COLUMNS = (
    "invoice_id", "invoice_number", "status", "billing_reason", "customer_id", "customer_external_id",
    "customer_name", "subscription_id", "currency", *INVOICE_TIMES, *INVOICE_MONEY,
)  # fmt: skip
LINE_COLUMNS = (
    "line_position", "line_kind", "line_description", "line_meter", "line_model", "line_quantity", "line_amount",
    "line_period_start", "line_period_end",
)  # fmt: skip
HEADER = (*INVOICE_COLUMNS, *LINE_COLUMNS)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _text(value: str) -> str:
    """Free text as a spreadsheet shows it, never as a formula it would run."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def _invoice_cells(invoice: Invoice) -> list[str]:
    customer = invoice.customer
    return [
        str(invoice.id),
        invoice.number,
        invoice.status,
        invoice.billing_reason,
        str(invoice.customer_id),
        _text(customer.external_id),
        _text(customer.name),
        str(invoice.subscription_id),
        invoice.currency,
        *(format_time(getattr(invoice, name)) or "" for name in INVOICE_TIMES),
        *(format_price(getattr(invoice, name), invoice.currency) for name in INVOICE_MONEY),
    ]


def _line_cells(line: InvoiceLine, currency: str) -> list[str]:
    return [
        str(line.position),
        line.kind,
        _text(line.description),
        _text(line.meter_code),
        line.model,
        format_quantity(line.quantity),
        format_price(line.amount, currency),
        format_time(line.period_start) or "",
        format_time(line.period_end) or "",
    ]


def invoice_export_row(invoice: Invoice, line: InvoiceLine | None) -> list[str]:
    """One row of the export: the invoice's columns, then the line's (empty without one)."""
    cells = _invoice_cells(invoice)
    return cells + (_line_cells(line, invoice.currency) if line is not None else [""] * len(LINE_COLUMNS))


def invoice_export_rows(invoices: QuerySet[Invoice]) -> Iterator[list[str]]:
    """The rows of `invoices` (in their order), lines by position, read chunk by chunk."""
    lines = Prefetch("lines", queryset=InvoiceLine.objects.order_by("position"))
    for invoice in invoices.select_related("customer").prefetch_related(lines).iterator(chunk_size=EXPORT_CHUNK_SIZE):
        for line in invoice.lines.all() or [None]:
            yield invoice_export_row(invoice, line)


class _Echo:
    """A file that hands back what is written: csv.writer's rows as strings."""

    def write(self, value: str) -> str:
        return value


def invoice_export_csv(
    invoices: QuerySet[Invoice], *, scope: Callable[[], AbstractContextManager[Any]]
) -> Iterator[str]:
    """The CSV text of `invoices`, the header first, in pieces of ROWS_PER_WRITE rows,
    read inside `scope()`."""
    writer = csv.writer(_Echo())
    with scope():
        batch = [writer.writerow(HEADER)]
        for row in invoice_export_rows(invoices):
            batch.append(writer.writerow(row))
            if len(batch) >= ROWS_PER_WRITE:
                yield "".join(batch)
                batch = []
        if batch:
            yield "".join(batch)


def invoice_export_response(
    invoices: QuerySet[Invoice], *, scope: Callable[[], AbstractContextManager[Any]]
) -> StreamingHttpResponse:
    """`invoices` as a CSV file, streamed (see the module docstring)."""
    return StreamingHttpResponse(
        invoice_export_csv(invoices, scope=scope),
        content_type=CONTENT_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{FILENAME}"'},
    )
