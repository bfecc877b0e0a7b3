"""The CSV export (API.md Part 2, "Documents, portal, export"): one row per invoice line
with the invoice's number, dates, status and totals on each, issued in [from, to),
streamed with flat memory; the admin's "Export selected as CSV" gives the same rows."""

from __future__ import annotations

import csv
import io
import tracemalloc
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from invoices import export
from invoices.models import Invoice, InvoiceLine
from invoices.tests.factories import InvoiceFactory, run
from plans.tests.factories import PlanFactory
from subscriptions.tests.factories import CustomerFactory, SubscriptionFactory
from tenants.params import RANGE_REVERSED
from tenants.tests.utils import at
from usage.tests.factories import use

pytestmark = pytest.mark.django_db


def body_of(response) -> str:
    assert response.streaming
    return b"".join(response.streaming_content).decode()


def rows_of(response) -> list[dict[str, str]]:
    text = body_of(response)
    reader = csv.DictReader(io.StringIO(text))
    assert tuple(reader.fieldnames or ()) == export.HEADER
    return list(reader)


def exported(api, turl, **query) -> list[dict[str, str]]:
    response = api.get(turl("invoices/export"), query)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="invoices.csv"'
    return rows_of(response)


def issued(sub, day, line_amounts=("49.00",), **fields) -> Invoice:
    """An invoice of `sub` issued on `day` (an adjustment: any number of them per period)."""
    return InvoiceFactory(
        subscription=sub, issued_at=day, billing_reason="adjustment", line_amounts=line_amounts, **fields
    )


def test_each_line_is_a_row_with_the_invoice_on_it(api, turl, tenant, sub):
    use(sub, "api_calls", "13250", at(2026, 1, 5))
    run(tenant, at(2026, 2, 1))
    january = Invoice.objects.get()
    january_first = "2026-01-01T00:00:00.000000Z"  # times as the API writes them
    rows = exported(api, turl, format="csv")
    assert [(row["line_position"], row["line_kind"], row["line_description"]) for row in rows] == [
        ("0", "flat_fee", "Pro (month)"),
        ("1", "usage", "API calls (tiered)"),
    ]
    first, second = rows
    assert {key: first[key] for key in export.INVOICE_COLUMNS} == {key: second[key] for key in export.INVOICE_COLUMNS}
    assert {key: first[key] for key in ("invoice_id", "invoice_number", "status", "billing_reason")} == {
        "invoice_id": str(january.id),
        "invoice_number": "INV-000001",
        "status": "open",
        "billing_reason": "period",
    }
    assert (first["customer_external_id"], first["currency"]) == ("cus_42", "USD")
    assert (first["period_start"], first["period_end"]) == (january_first, "2026-02-01T00:00:00.000000Z")
    assert (first["issued_at"], first["paid_at"]) == ("2026-02-01T01:00:00.000000Z", "")  # the run, an hour on
    assert (first["subtotal"], first["total"], first["amount_due"]) == ("70.25", "70.25", "70.25")
    assert (second["line_meter"], second["line_model"], second["line_quantity"], second["line_amount"]) == (
        "api_calls",
        "tiered",
        "13250",
        "21.25",
    )


def test_an_invoice_without_lines_is_one_row_with_empty_line_columns(api, turl, tenant, sub):
    empty = issued(sub, at(2026, 1, 15), line_amounts=())
    [row] = exported(api, turl)
    assert (row["invoice_number"], row["total"], row["status"]) == (empty.number, "0.00", "paid")
    assert all(row[column] == "" for column in export.LINE_COLUMNS)


def test_from_and_to_select_invoices_issued_in_the_half_open_range_oldest_first(api, turl, tenant, sub):
    jan, feb, feb_later, mar = (
        issued(sub, day) for day in (at(2026, 1, 31), at(2026, 2, 1), at(2026, 2, 28, 23), at(2026, 3, 1))
    )
    numbers = [row["invoice_number"] for row in exported(api, turl, **{"from": "2026-02-01", "to": "2026-03-01"})]
    assert numbers == [feb.number, feb_later.number]
    assert [row["invoice_number"] for row in exported(api, turl, to="2026-02-01T00:00:00Z")] == [jan.number]
    assert [row["invoice_number"] for row in exported(api, turl, **{"from": "2026-03-01"})] == [mar.number]
    assert len(exported(api, turl)) == 4


def test_only_the_tenants_invoices_are_exported(api, turl, tenant, other_tenant, sub):
    mine = issued(sub, at(2026, 1, 15))
    InvoiceFactory(tenant=other_tenant)
    assert [row["invoice_id"] for row in exported(api, turl)] == [str(mine.id)]


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ({"format": "xlsx"}, [("format", "invalid_choice")]),
        ({"format": ""}, [("format", "invalid_choice")]),
        ({"from": "last month"}, [("from", "invalid")]),
        ({"to": "2026-13-01"}, [("to", "invalid")]),
        ({"from": "2026-03-01", "to": "2026-02-01"}, [("from", "range_reversed")]),
        ({"format": "pdf", "from": "soon"}, [("format", "invalid_choice"), ("from", "invalid")]),
    ],
)
def test_a_bad_format_from_or_to_is_a_400_naming_each(api, turl, query, errors):
    response = api.get(turl("invoices/export"), query)
    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "validation_error"
    assert [(error["attr"], error["code"]) for error in body["errors"]] == errors
    if ("from", "range_reversed") in errors:
        assert body["errors"][0]["detail"] == RANGE_REVERSED


def test_text_a_spreadsheet_would_run_is_quoted_and_amounts_are_not(api, turl, tenant):
    customer = CustomerFactory(tenant=tenant, external_id="=cmd|' /C calc'!A0", name="@SUM(1+1)")
    sub = SubscriptionFactory(tenant=tenant, customer=customer, plan=PlanFactory(tenant=tenant))
    invoice = issued(sub, at(2026, 1, 15), line_amounts=("49.00", "-5.00"))
    InvoiceLine.objects.filter(invoice=invoice, position=1).update(description="-2 seats")
    rows = exported(api, turl)
    assert (rows[0]["customer_external_id"], rows[0]["customer_name"]) == ("'=cmd|' /C calc'!A0", "'@SUM(1+1)")
    assert (rows[1]["line_description"], rows[1]["line_amount"]) == ("'-2 seats", "-5.00")


def test_a_viewer_may_export(viewer_api, turl, sub):
    issued(sub, at(2026, 1, 15))
    response = viewer_api.get(turl("invoices/export"))
    assert response.status_code == 200 and len(rows_of(response)) == 1


def many_invoices(sub, count: int, lines_each: int) -> None:
    """`count` more invoices of `lines_each` lines, written in bulk."""
    template = issued(sub, at(2026, 1, 1), line_amounts=())
    first = Invoice.objects.count()
    fields = {f.attname: getattr(template, f.attname) for f in Invoice._meta.concrete_fields if f.name != "id"}
    invoices = Invoice.objects.bulk_create(
        Invoice(**{**fields, "number": f"BULK-{first + i}", "issued_at": at(2026, 1, 1) + timedelta(minutes=i)})
        for i in range(count)
    )
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            tenant_id=sub.tenant_id,
            invoice=invoice,
            position=position,
            kind="usage",
            description=f"API calls, part {position}",
            quantity=Decimal(position),
            amount=Decimal("0.10"),
        )
        for invoice in invoices
        for position in range(lines_each)
    )


def peak_memory_of_export(api, turl) -> tuple[int, int]:
    """(rows, the peak of memory allocated while they were streamed)."""
    response = api.get(turl("invoices/export"))
    rows = 0
    tracemalloc.start()
    try:
        for piece in response.streaming_content:
            rows += piece.count(b"\n")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return rows - 1, peak


def test_the_export_streams_with_flat_memory(api, turl, tenant, sub, monkeypatch):
    """Ten times the rows, not ten times the memory: rows are read a chunk at a time
    and leave in batches (bench/export.py measures 100,000 lines)."""
    monkeypatch.setattr(export, "EXPORT_CHUNK_SIZE", 100)
    monkeypatch.setattr(export, "ROWS_PER_WRITE", 100)
    many_invoices(sub, 40, 5)
    small_rows, small_peak = peak_memory_of_export(api, turl)
    many_invoices(sub, 400, 5)
    large_rows, large_peak = peak_memory_of_export(api, turl)
    # Each template invoice (no lines) is a row too.
    assert (small_rows, large_rows) == (1 + 200, 2 + 200 + 2000)
    assert large_peak < 2 * small_peak, (small_peak, large_peak)


# Admin


def test_the_admin_exports_the_selected_invoices_as_the_api_does(staff_client, api, turl, tenant, other_tenant, sub):
    late, early = (issued(sub, at(2026, 1, day), line_amounts=("49.00", "1.50")) for day in (20, 10))
    issued(sub, at(2026, 1, 15))  # not selected
    theirs = InvoiceFactory(tenant=other_tenant, issued_at=at(2026, 1, 15), billing_reason="adjustment")
    response = staff_client.post(
        reverse("admin:invoices_invoice_changelist"),
        {"action": "export_csv_selected", "_selected_action": [str(i.pk) for i in (late, early, theirs)]},
    )
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="invoices.csv"'
    rows = rows_of(response)
    # Oldest first, whatever their tenants; each row as the API exports it.
    assert [row["invoice_id"] for row in rows] == [str(early.pk)] * 2 + [str(theirs.pk)] + [str(late.pk)] * 2
    ours = {str(early.pk), str(late.pk)}
    assert [row for row in rows if row["invoice_id"] in ours] == [
        row for row in exported(api, turl) if row["invoice_id"] in ours
    ]
