"""What a segment's closing invoice adds for progressive billing and minimum commitments
(API.md Part 2, "Alerts, progressive billing, commitments"; docs/invoicing.md
"Thresholds and minimums").

A closing invoice (`period`, `cancellation` or `plan_change`: the invoice that bills a
segment's window) gets, after its fee, usage and delta lines and before discounts and
tax:

- `minimum_true_up` = max(0, round(minimum × fraction) − Σ its `flat_fee`, `proration`
  and `usage` lines), fraction = the window's share of its period (1 for a whole
  period; a cancellation's or a plan change's part). Its usage lines are the window's
  whole usage (what threshold invoices billed is counted there once: they are credited
  back below), so threshold invoices' usage is included and never twice;
- `progressive_billing_credit` = −Σ `usage` lines of the window's non-void `threshold`
  invoices (same subscription, same `period_start`), so that the period's invoices add
  up to what one invoice would have billed.

A delta of a window (late usage, a correction) whose plan has a minimum adds a
`minimum_true_up` line (with `source_invoice_id` = the window's invoice) worth
true_up(new) − Σ true-ups already billed for the window, where true_up(new) counts
the window's fee and usage lines plus every delta billed for it, this one included:
late usage that takes a committed period above its minimum gives the true-up back.

Queries only for plans that have thresholds or a minimum, one per batch of bills.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from django.db import connection

from invoices.calculation import LateUsage, LineDraft, Proration
from invoices.models import WINDOW_REASONS
from plans.models import Plan
from plans.money import prorate_money, quantize_money
from subscriptions.models import Subscription
from tenants.models import TenantRef, tenant_pk

ZERO = Decimal(0)
MINIMUM_TRUE_UP = "minimum_true_up"
PROGRESSIVE_BILLING_CREDIT = "progressive_billing_credit"
# The lines a minimum commitment counts (API.md: "Σ fee, proration and usage lines").
COMMITTED_KINDS = frozenset({"flat_fee", "proration", "usage"})
DELTA_KINDS = frozenset({"late_usage", "correction"})


class PricedBill(Protocol):
    """What this module reads of an `invoices.billing.Bill`."""

    subscription: Subscription
    start: datetime
    end: datetime
    plan: Plan
    reason: str
    lines: list[LineDraft]
    late: list[LateUsage]
    error: str

    @property
    def proration(self) -> Proration | None: ...


def minimum_for(plan: Plan, proration: Proration | None) -> Decimal:
    """The plan's minimum for a window: round(minimum × part / whole), or the whole."""
    if proration is None:
        return quantize_money(plan.minimum_amount, plan.currency)
    return prorate_money(plan.minimum_amount, proration.part, proration.whole, plan.currency)


def minimum_true_up_line(plan: Plan, lines: Sequence[LineDraft], proration: Proration | None) -> LineDraft | None:
    """The closing invoice's true-up to the plan's minimum, None when met (or none):
    a minimum of 100.00, a fee of 20.00 and usage of 30.00 give 50.00; the same
    canceled at a third of the period (proration 6.67, usage 30.00) gives 33.33 − 36.67
    < 0: none."""
    if plan.minimum_amount <= 0:
        return None
    committed = sum((line.amount for line in lines if line.kind in COMMITTED_KINDS), ZERO)
    true_up = minimum_for(plan, proration) - committed
    if true_up <= 0:
        return None
    quantity = Decimal(1) if proration is None else Decimal(proration.part) / Decimal(proration.whole)
    return LineDraft(MINIMUM_TRUE_UP, f"Minimum commitment true-up ({plan.name})", _shown(quantity), true_up)


def _shown(fraction: Decimal) -> Decimal:
    return fraction.quantize(Decimal("0.000001"))


def progressive_credit_line(amount: Decimal) -> LineDraft:
    """−Σ of the usage that the segment's threshold invoices billed."""
    return LineDraft(
        PROGRESSIVE_BILLING_CREDIT, "Progressive billing: usage billed on threshold invoices", Decimal(1), -amount
    )


_THRESHOLD_USAGE_SQL = """
SELECT i.subscription_id, i.period_start, coalesce(sum(l.amount), 0)
FROM unnest(%(subs)s::uuid[], %(starts)s::timestamptz[]) AS w(subscription_id, period_start)
JOIN invoices_invoice i ON i.subscription_id = w.subscription_id AND i.period_start = w.period_start
     AND i.billing_reason = 'threshold' AND i.status <> 'void'
JOIN invoices_invoiceline l ON l.invoice_id = i.id AND l.kind = 'usage'
WHERE i.tenant_id = %(tenant)s
GROUP BY i.subscription_id, i.period_start
"""


def threshold_usage_billed(
    *, tenant: TenantRef, windows: Sequence[tuple[uuid.UUID, datetime]]
) -> dict[tuple[uuid.UUID, datetime], Decimal]:
    """Σ usage lines of the non-void threshold invoices of each (subscription, window start)."""
    if not windows:
        return {}
    params: dict[str, Any] = {
        "tenant": tenant_pk(tenant), "subs": [w[0] for w in windows], "starts": [w[1] for w in windows],
    }  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(_THRESHOLD_USAGE_SQL, params)
        return {(sub, start): amount for sub, start, amount in cursor.fetchall()}


def commitment_lines(*, tenant: TenantRef, bills: Sequence[PricedBill]) -> None:
    """Add the true-ups and progressive billing credits to priced bills (in place)."""
    closing = [b for b in bills if not b.error and b.reason in WINDOW_REASONS]
    progressive = [b for b in closing if b.plan.usage_thresholds]
    billed = threshold_usage_billed(tenant=tenant, windows=[(b.subscription.pk, b.start) for b in progressive])
    for bill in closing:
        extra = [line for line in [minimum_true_up_line(bill.plan, bill.lines, bill.proration)] if line is not None]
        if amount := billed.get((bill.subscription.pk, bill.start)):
            extra.append(progressive_credit_line(amount))
        bill.lines = [*bill.lines, *extra]
    _delta_true_ups(tenant, [b for b in bills if not b.error])


# What each window's invoice and the deltas billed for it since add up to, by kind:
# its own lines (source null) and the lines of later invoices that name it as source.
_WINDOW_BILLED_SQL = """
SELECT coalesce(l.source_invoice_id, l.invoice_id) AS window_invoice, l.kind, sum(l.amount)
FROM invoices_invoiceline l
WHERE l.tenant_id = %(tenant)s
  AND ((l.invoice_id = ANY(%(ids)s::uuid[]) AND l.source_invoice_id IS NULL) OR l.source_invoice_id = ANY(%(ids)s::uuid[]))
GROUP BY 1, 2
"""


def _window_billed(tenant_id: uuid.UUID, invoice_ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, Decimal]]:
    found: dict[uuid.UUID, dict[str, Decimal]] = defaultdict(dict)
    with connection.cursor() as cursor:
        cursor.execute(_WINDOW_BILLED_SQL, {"tenant": tenant_id, "ids": invoice_ids})
        for invoice_id, kind, amount in cursor.fetchall():
            found[invoice_id][kind] = amount
    return found


def _delta_true_ups(tenant: TenantRef, bills: Sequence[PricedBill]) -> None:
    """A `minimum_true_up` line per window that a bill's deltas change, when the
    window's plan has a minimum: true_up(new) − true-ups already billed for it."""
    deltas = [(b, line) for b in bills for line in b.lines if line.kind in DELTA_KINDS and line.source_invoice_id]
    if not deltas:
        return
    late = {item.source_invoice_id: item for b in bills for item in b.late if item.source_invoice_id}
    plans = Plan.objects.for_tenant(tenant).filter(
        pk__in={i.charge.plan_id for i in late.values()}, minimum_amount__gt=0
    )
    minimums = {p.pk: p for p in plans}
    windows = {src: item for src, item in late.items() if item.charge.plan_id in minimums}
    if not windows:
        return
    billed = _window_billed(tenant_pk(tenant), list(windows))
    for bill in bills:
        new: dict[uuid.UUID, Decimal] = defaultdict(Decimal)
        for line in bill.lines:
            if line.kind in DELTA_KINDS and line.source_invoice_id in windows:
                new[line.source_invoice_id] += line.amount
        extra = []
        for src, amount in new.items():
            item, sums = windows[src], billed.get(src, {})
            plan = minimums[item.charge.plan_id]
            counted = sum((sums.get(k, ZERO) for k in (*COMMITTED_KINDS, *DELTA_KINDS)), ZERO) + amount
            true_up = max(minimum_for(plan, item.proration) - counted, ZERO)
            if change := true_up - sums.get(MINIMUM_TRUE_UP, ZERO):
                extra.append(_delta_line(plan, item.period_start, item.period_end, src, change))
        bill.lines = [*bill.lines, *extra]


def _delta_line(plan: Plan, start: datetime, end: datetime, source: uuid.UUID, amount: Decimal) -> LineDraft:
    return LineDraft(
        MINIMUM_TRUE_UP,
        f"Minimum commitment true-up ({plan.name}) for {start:%Y-%m-%d} – {end:%Y-%m-%d}",
        Decimal(1),
        amount,
        period_start=start,
        period_end=end,
        source_invoice_id=source,
    )
