"""Reads of revenue: MRR from the materialized view, and invoiced and paid revenue by
month from the invoices. Both are per currency: amounts of different currencies are
never added together.

Amounts come back as Decimals in the currency's minor unit. MRR figures are the view's
exact sums rounded once, here, with `plans.money.quantize_money`; invoice totals are
already rounded, so their sums need no rounding.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db import connections, router

from invoices.models import Invoice
from metrics.models import MetricsRefresh, RevenueSnapshot
from plans.money import quantize_money
from tenants.models import TenantRef, tenant_pk

# Finalized invoices that were not voided: what the tenant invoiced, paid or not.
INVOICED_STATUSES = (Invoice.Status.OPEN, Invoice.Status.PAID, Invoice.Status.UNCOLLECTIBLE)


@dataclass(frozen=True)
class CurrencyMrr:
    currency: str
    mrr: Decimal
    arr: Decimal
    committed_mrr: Decimal
    usage_mrr: Decimal
    active_subscriptions: int
    trialing_subscriptions: int


@dataclass(frozen=True)
class MrrReport:
    refreshed_at: datetime | None
    currencies: list[CurrencyMrr]


def mrr_for_tenant(*, tenant: TenantRef) -> MrrReport:
    """The tenant's MRR per currency as of the last refresh of the view. A currency
    appears while the tenant has a live (trialing, active or past_due) subscription
    in it; `refreshed_at` is None only if the view was never refreshed."""
    refresh = MetricsRefresh.objects.filter(pk=1).first()
    rows = RevenueSnapshot.objects.for_tenant(tenant).order_by("currency")
    return MrrReport(
        refreshed_at=refresh.refreshed_at if refresh else None,
        currencies=[
            CurrencyMrr(
                currency=row.currency,
                mrr=quantize_money(row.mrr, row.currency),
                arr=quantize_money(row.arr, row.currency),
                committed_mrr=quantize_money(row.committed_mrr, row.currency),
                usage_mrr=quantize_money(row.usage_mrr, row.currency),
                active_subscriptions=row.active_subscriptions,
                trialing_subscriptions=row.trialing_subscriptions,
            )
            for row in rows
        ],
    )


@dataclass(frozen=True)
class MonthRevenue:
    month: datetime  # the first instant of the month, UTC
    invoiced: Decimal
    paid: Decimal


@dataclass(frozen=True)
class CurrencyRevenue:
    currency: str
    months: list[MonthRevenue]


def month_start(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def month_count(start: datetime, end: datetime) -> int:
    """How many UTC months `[start, end)` touches (`len(months_between(start, end))`,
    without listing them)."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    return (end.year - start.year) * 12 + end.month - start.month + (1 if end > month_start(end) else 0)


def months_between(start: datetime, end: datetime) -> list[datetime]:
    """The UTC months that `[start, end)` touches, as their first instants.

    >>> months_between(datetime(2026, 1, 15, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC))
    [datetime.datetime(2026, 1, 1, 0, 0, tzinfo=datetime.timezone.utc), datetime.datetime(2026, 2, 1, 0, 0, tzinfo=datetime.timezone.utc)]
    """
    months = []
    month = month_start(start)
    while month < end:
        months.append(month)
        month += relativedelta(months=1)
    return months


def revenue_range_default(end: datetime, months: int = 12) -> tuple[datetime, datetime]:
    """`[start of the UTC month (months - 1) before end's, end)`: the last `months`
    months, the current one so far included. Raises ValueError before year 1."""
    return month_start(end) - relativedelta(months=months - 1), end


# Revenue by month from the monthly rollup (metrics 0004): the folded months and the
# deltas not folded yet, less the invoices of the range's first and last months that
# fall outside the range (a range that starts or ends mid-month). One statement, so
# one snapshot: a refresh folding deltas meanwhile is seen before or after, never half.
_REVENUE_SQL = """
SELECT currency, month, sum(invoiced), sum(paid), sum(invoiced_count), sum(paid_count)
FROM (
    SELECT currency, month, invoiced, paid, invoiced_count, paid_count
    FROM metrics_revenuemonth WHERE tenant_id = %(tenant)s AND month >= %(first)s AND month < %(last)s
    UNION ALL
    SELECT currency, month, invoiced, paid, invoiced_count, paid_count
    FROM metrics_revenuedelta WHERE tenant_id = %(tenant)s AND month >= %(first)s AND month < %(last)s
    UNION ALL
    SELECT currency, date_trunc('month', issued_at, 'UTC'), -(CASE WHEN total > 0 THEN total - tax ELSE 0 END), 0, -1, 0
    FROM invoices_invoice
    WHERE tenant_id = %(tenant)s AND status IN ('open', 'paid', 'uncollectible') AND billing_reason <> 'credit_purchase'
      AND ((issued_at >= %(first)s AND issued_at < %(start)s) OR (issued_at >= %(end)s AND issued_at < %(last)s))
    UNION ALL
    SELECT currency, date_trunc('month', paid_at, 'UTC'), 0, -total, 0, -1
    FROM invoices_invoice
    WHERE tenant_id = %(tenant)s AND status = 'paid'
      AND ((paid_at >= %(first)s AND paid_at < %(start)s) OR (paid_at >= %(end)s AND paid_at < %(last)s))
) AS parts
GROUP BY currency, month
"""


def revenue_by_month(*, tenant: TenantRef, start: datetime, end: datetime) -> list[CurrencyRevenue]:
    """Invoiced and paid revenue per UTC month of `[start, end)`, per currency.

    invoiced: totals less tax of the invoices issued in the month that are not void
    (open, paid or uncollectible): revenue, not what is collected for a tax authority
    (API.md Part 2), and not credit purchases (an advance payment: the credits count
    when an invoice uses them); a total of 0 (a negative invoice, credited to the
    balance) adds nothing. paid: totals of the invoices paid in the month (by `paid_at`).
    Every month of the range is listed, with zeros where nothing happened, for each
    currency that has something in the range (an invoice that counts, of any amount).

    Read from the monthly rollup that the database keeps with the invoices (metrics
    0004, docs/metrics.md "At scale"): as fresh as the invoices, and the same sums as
    grouping the invoices themselves (`metrics/tests/test_rollups.py`).
    """
    months = months_between(start, end)
    params: dict[str, uuid.UUID | datetime] = {
        "tenant": tenant_pk(tenant),
        "first": months[0],
        "last": months[-1] + relativedelta(months=1),
        "start": start,
        "end": end,
    }
    sums: dict[str, dict[datetime, tuple[Decimal, Decimal]]] = defaultdict(dict)
    counted: dict[str, int] = defaultdict(int)
    with connections[router.db_for_read(Invoice)].cursor() as cursor:
        cursor.execute(_REVENUE_SQL, params)
        for currency, month, invoiced, paid, invoiced_count, paid_count in cursor.fetchall():
            counted[currency] += invoiced_count + paid_count
            sums[currency][month] = (
                invoiced if invoiced_count else Decimal(0),
                paid if paid_count else Decimal(0),
            )
    zero = (Decimal(0), Decimal(0))
    return [
        CurrencyRevenue(
            currency=currency,
            months=[MonthRevenue(month, *sums[currency].get(month, zero)) for month in months],
        )
        for currency in sorted(c for c, n in counted.items() if n > 0)
    ]
