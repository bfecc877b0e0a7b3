"""Late-usage detection on the partitioned events table: it reads the recent months'
partitions and the old months that got events since the last invoice (UsageLateMonth,
noted by the events table's trigger), never the other old months (usage.selectors
.stored_since_ranges, invoices.billing._late_candidates)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection

from invoices import billing
from invoices.models import Invoice, InvoiceLine
from invoices.services import invoice_due_subscriptions
from tenants.tests.utils import at
from usage import partitions, services
from usage.models import UsageLateMonth
from usage.selectors import stored_since_ranges, time_ranges_sql
from usage.tests.factories import use

pytestmark = pytest.mark.django_db


def run(tenant, as_of):
    """An invoice run as of `as_of`, made now (no time travel: the invoice's real time
    and the database's clock agree, as in production, so January 2026 is an old month)."""
    return invoice_due_subscriptions(tenant=tenant.id, as_of=as_of)


def planned_months(tenant, sub) -> set[tuple[int, int]]:
    """The months whose partitions the late-candidates query of `sub` plans (EXPLAIN,
    as the run makes it): the partitions pruned at plan time are not in the plan."""
    counted = billing._counted_through([sub.pk])
    since, stored_after = counted[sub.pk]
    condition, bounds = time_ranges_sql(
        stored_since_ranges(tenant=tenant, since=since, stored_after=stored_after), "e.timestamp", "r"
    )
    params = {
        "tenant": tenant.id, "reasons": list(billing.WINDOW_REASONS), "subs": [sub.pk],
        "customers": [sub.customer_id], "since": [since], **bounds,
    }  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (COSTS OFF) " + billing.late_candidates_sql(condition), params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    return {(int(y), int(m)) for y, m in re.findall(r" on usage_usageevent_p(\d{4})_(\d{2})\b", plan)}


def test_late_usage_detection_plans_only_recent_months_and_the_months_that_got_late_events(tenant, sub):
    use(sub, "api_calls", "900", at(2026, 1, 10))
    june = use(sub, "api_calls", "5", at(2025, 6, 10))  # an old month, stored before the invoice
    run(tenant, at(2026, 2, 1))
    january = Invoice.objects.get()
    with connection.cursor() as cursor:
        cursor.execute("SELECT now()")
        database_now = cursor.fetchone()[0]
    recent = partitions.month_of(database_now - timedelta(days=33))  # LATE_HORIZON_DAYS and a day
    assert len(partitions.existing_months()) > 24  # the migration's two years back and one ahead, at least

    # Nothing stored since the invoice: only the recent months are planned, January and June 2025 are not.
    months = planned_months(tenant, sub)
    assert months and min(months) >= recent
    assert (2026, 1) not in months and (2025, 6) not in months

    # 600 calls for January arrive late: January is noted with the seq it took, and planned too.
    late = use(sub, "api_calls", "600", at(2026, 1, 20))
    assert list(UsageLateMonth.objects.filter(tenant=tenant).values_list("month", "seq")) == [
        (date(2026, 1, 1), late.seq),
        (date(2025, 6, 1), june.seq),
    ]
    months = planned_months(tenant, sub)
    assert (2026, 1) in months and (2025, 6) not in months
    assert months - {(2026, 1)} and min(months - {(2026, 1)}) >= recent

    # And the run bills it: price(1500) − price(900) = 500 × 0.002 = 1.00 on February's invoice.
    run(tenant, at(2026, 3, 1))
    line = InvoiceLine.objects.get(kind=InvoiceLine.Kind.LATE_USAGE)
    assert (line.quantity, line.amount, line.source_invoice_id) == (Decimal(600), Decimal("1.00"), january.id)
    assert (line.period_start, line.period_end) == (at(2026, 1, 1), at(2026, 2, 1))


def test_a_void_of_an_old_event_notes_its_month_and_is_found(tenant, sub):
    stored = use(sub, "api_calls", "1500", at(2025, 11, 10))
    use(sub, "api_calls", "10", at(2026, 1, 10))
    run(tenant, at(2026, 2, 1))  # bills January only: November 2025 is before the subscription
    event = use(sub, "api_calls", "1500", at(2026, 1, 11))
    services.usage_event_void(tenant=tenant, event_id=event.pk, actor="user:1", reason="duplicate")
    event.refresh_from_db()
    noted = dict(UsageLateMonth.objects.filter(tenant=tenant).values_list("month", "seq"))
    assert noted == {date(2025, 11, 1): stored.seq, date(2026, 1, 1): event.seq}  # the void's new seq
    assert (2026, 1) in planned_months(tenant, sub)
    # Stored and voided since the invoice: January's quantity did not change, nothing to bill late.
    run(tenant, at(2026, 3, 1))
    assert not InvoiceLine.objects.filter(kind=InvoiceLine.Kind.LATE_USAGE).exists()


def test_recent_events_are_not_noted(tenant, sub):
    with connection.cursor() as cursor:
        cursor.execute("SELECT now()")
        database_now = cursor.fetchone()[0]
    use(sub, "api_calls", "1", database_now - timedelta(days=31))
    use(sub, "api_calls", "1", database_now)
    assert not UsageLateMonth.objects.filter(tenant=tenant).exists()
