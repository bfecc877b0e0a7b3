"""CSV export benchmark: `make bench-export` (or `.venv/bin/python bench/export.py`).

For each size (default 10,000 and 100,000 invoice lines: invoices of 10 lines each) it
builds a tenant in its own database (`<DATABASE_URL's name>_bench`), writes the
invoices and their lines in bulk, then streams the body of `GET …/invoices/export`
(the view's selector and `invoices.export.invoice_export_csv`, in the tenant's scope)
twice: once timed, once under tracemalloc for the peak of memory Python allocated
while streaming. Goals: the peak does not grow with the lines (memory-flat), and
100,000 lines stream in well under a minute.
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import bench_environment, first_period_subscription, machine_line

LINES_PER_INVOICE = 10
ISSUED = datetime(2026, 2, 1, tzinfo=UTC)


def build(lines: int) -> uuid.UUID:
    from invoices.models import Invoice, InvoiceLine
    from plans.models import Plan
    from subscriptions.models import Customer
    from tenants.models import Tenant

    tenant = Tenant.objects.create(name=f"bench export {lines}")
    plan = Plan.objects.create(
        tenant=tenant, code="pro", name="Pro", currency="USD", interval="month", amount=Decimal("49.00")
    )
    customer = Customer.objects.create(tenant=tenant, external_id="cus_1", name="Customer 1")
    subscription = first_period_subscription(tenant, customer, plan, ISSUED, ISSUED + timedelta(days=28))
    subscription.save()
    total = Decimal("1.00") * LINES_PER_INVOICE
    invoices = Invoice.objects.bulk_create(
        [
            Invoice(
                tenant=tenant,
                number=f"INV-{i + 1:06d}",
                customer=customer,
                subscription=subscription,
                status="open",
                billing_reason="adjustment",  # any number of them per period
                currency="USD",
                period_start=ISSUED - timedelta(days=31),
                period_end=ISSUED,
                subtotal=total,
                total=total,
                amount_due=total,
                issued_at=ISSUED + timedelta(seconds=i),
                due_at=ISSUED + timedelta(days=30),
            )
            for i in range(lines // LINES_PER_INVOICE)
        ],
        batch_size=2000,
    )
    InvoiceLine.objects.bulk_create(
        (
            InvoiceLine(
                tenant=tenant,
                invoice=invoice,
                position=position,
                kind="usage",
                description=f"API calls, part {position}",
                meter_code="api_calls",
                model="per_unit",
                quantity=Decimal(10),
                amount=Decimal("1.00"),
            )
            for invoice in invoices
            for position in range(LINES_PER_INVOICE)
        ),
        batch_size=5000,
    )
    return tenant.id


def stream(tenant_id: uuid.UUID) -> int:
    """The export's body, streamed and dropped piece by piece: its rows, header included."""
    from invoices import selectors
    from invoices.export import invoice_export_csv
    from tenants.isolation import tenant_scope

    with tenant_scope(tenant_id):  # as the view's request is
        invoices = selectors.invoice_list_issued(tenant=tenant_id, start=None, end=None)
    return sum(piece.count("\n") for piece in invoice_export_csv(invoices))


def timed(work: Callable[[], int]) -> tuple[float, int]:
    started = time.perf_counter()
    rows = work()
    return time.perf_counter() - started, rows


def peak(work: Callable[[], int]) -> int:
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, nargs="+", default=[10_000, 100_000])
    args = parser.parse_args()
    bench_environment()

    results = []
    for lines in args.lines:
        tenant_id = build(lines)
        stream(tenant_id)  # warm the cache once
        seconds, rows = timed(partial(stream, tenant_id))
        assert rows == lines + 1, f"expected {lines + 1} rows, got {rows}"
        results.append((lines, seconds, peak(partial(stream, tenant_id))))

    print(machine_line())
    print()
    print("| invoice lines | seconds | lines/s | peak memory while streaming |")
    print("| ---: | ---: | ---: | ---: |")
    for lines, seconds, top in results:
        print(f"| {lines:,} | {seconds:.2f} s | {lines / seconds:,.0f} | {top / 1024 / 1024:.1f} MiB |")
    if len(results) > 1:
        (small, _, small_peak), (large, _, large_peak) = results[0], results[-1]
        print()
        print(f"growth: {large / small:.0f}× the lines took {large_peak / small_peak:.2f}× the peak memory")


if __name__ == "__main__":
    main()
