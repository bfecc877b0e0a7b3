"""The upcoming invoice against a long history (issue #18 item 4: p95 ≤ 50 ms at 100M
events): its statements do not grow with the months billed or the late windows found,
and those that read the events plan only the current period's partition, the recent
months and the old months that got late events (never the other old months). The
timing itself is `make bench-scale`'s (bench/scale.py), never a test's."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from invoices.services import invoice_due_subscriptions, invoice_preview
from subscriptions.models import Subscription
from tenants.tests.utils import at
from usage import partitions
from usage.tests.factories import use

pytestmark = pytest.mark.django_db

# The statements of one preview (invoices.services.invoice_preview): the subscription,
# its segment, the plan's charges, the period's usage, the last invoice's watermark, the
# late-noted months, the late candidates, then the balance, grants, tax rates and
# discounts. Late windows found add four (their plans, those plans' charges, their
# usage, the minimums of their plans for true-ups), however many windows and months.
# Fewer is welcome (lower them); more, per window or month, is the regression this catches.
QUERIES = 11
QUERIES_WITH_LATE_USAGE = QUERIES + 4


def preview(sub):
    """The upcoming invoice of `sub` (read again: the runs rolled its period), and the
    statements it ran (SQL with its values, as psycopg sent it)."""
    fresh = Subscription.objects.get(pk=sub.pk)
    with CaptureQueriesContext(connection) as queries:
        made = invoice_preview(tenant=sub.tenant_id, subscription=fresh)
    return made, [q["sql"] for q in queries.captured_queries]


def planned_months(statements: list[str]) -> set[tuple[int, int]]:
    """The months whose event partitions the statements plan (EXPLAIN: a partition pruned
    at plan time is not in the plan)."""
    months = set()
    for sql in statements:
        if "usage_usageevent" not in sql:
            continue
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (COSTS OFF) " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        months |= {(int(y), int(m)) for y, m in re.findall(r" on usage_usageevent_p(\d{4})_(\d{2})\b", plan)}
    return months


def recent_month() -> tuple[int, int]:
    """The first month that late-usage detection reads whatever was noted: its horizon
    (LATE_HORIZON_DAYS and a day) before now (the invoices below are made now)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT now()")
        return partitions.month_of(cursor.fetchone()[0] - timedelta(days=33))


def test_the_upcoming_invoice_reads_neither_more_statements_nor_more_months_with_history(tenant, sub):
    for month in range(1, 6):  # January to May billed, each with its usage
        use(sub, "api_calls", "1200", at(2026, month, 10))
        invoice_due_subscriptions(tenant=tenant.id, as_of=at(2026, month + 1, 1))
    use(sub, "api_calls", "3000", at(2026, 6, 5))  # June, the current period: 2,000 billable

    made, statements = preview(sub)
    assert (made.invoice.period_start, made.invoice.period_end) == (at(2026, 6, 1), at(2026, 7, 1))
    assert [(line.kind, line.amount) for line in made.lines] == [
        ("flat_fee", Decimal("49.00")),
        ("usage", Decimal("4.00")),
    ]
    assert len(statements) == QUERIES
    recent = recent_month()
    months = planned_months(statements)
    assert (2026, 6) in months
    assert not {(2026, m) for m in range(1, 6)} & months  # the billed months, with their events
    assert all(m >= recent for m in months - {(2026, 6)})

    # Late events for February and April (stored now: both months are noted): two late
    # lines, the same statements, and only those two old months more in the plans.
    use(sub, "api_calls", "500", at(2026, 2, 20))  # price(1700) − price(1200) = 1.00
    use(sub, "api_calls", "100", at(2026, 4, 20))  # price(1300) − price(1200) = 0.20
    made, statements = preview(sub)
    late = [(line.kind, line.period_start, line.amount) for line in made.lines if line.kind == "late_usage"]
    assert late == [
        ("late_usage", at(2026, 2, 1), Decimal("1.00")),
        ("late_usage", at(2026, 4, 1), Decimal("0.20")),
    ]
    assert made.invoice.total == Decimal("54.20")
    assert len(statements) == QUERIES_WITH_LATE_USAGE
    months = planned_months(statements)
    assert {(2026, 2), (2026, 4), (2026, 6)} <= months
    assert not {(2026, 1), (2026, 3), (2026, 5)} & months
    assert all(m >= recent for m in months - {(2026, 2), (2026, 4), (2026, 6)})

    # A third late month: still the same number of statements.
    use(sub, "api_calls", "1", at(2026, 5, 20))
    made, statements = preview(sub)
    assert len([line for line in made.lines if line.kind == "late_usage"]) == 3
    assert len(statements) == QUERIES_WITH_LATE_USAGE
