"""Progressive billing (API.md Part 2, "Alerts, progressive billing, commitments";
docs/invoicing.md "Thresholds and minimums"): a `threshold` invoice as soon as the
usage charges of a subscription's current segment reach a threshold of its plan.

The check (`thresholds_check`) runs a few seconds after ingestion stored events of
the customer (`invoices.receivers`: debounced per customer, one task) and at each
invoice run (`invoices.services.invoice_due_subscriptions`, after the periods that
ended are billed). For each live subscription on a plan with `usage_thresholds`,
out of its trial, whose current period has not ended:

- the window is [segment start, now): the current period's start, or the plan
  change that began the segment later; its usage is what is stored so far for the
  segment's part of the period (events stamped `now` included: a sandbox stamps them
  with its frozen clock);
- its usage charges so far = Σ price(quantity so far) of the plan's charges (a `max`
  or `unique_count` charge at the segment's share of its period, as the closing
  invoice prices it);
- the highest threshold reached, if above every threshold that an earlier threshold
  invoice of the window was issued for (void ones included: a voided threshold
  invoice is billed again by the closing invoice, not by a new threshold), gets one
  invoice: per charge, price(quantity so far) − Σ the usage lines of the window's
  earlier non-void threshold invoices (quantity likewise). Usage that jumps over two
  thresholds at once makes one invoice, for the higher.

Exactly once: the subscriptions are locked (`FOR UPDATE SKIP LOCKED`: a check or run
that holds one does the work) and `invoice_once_per_threshold` (subscription,
period_start, threshold_amount) refuses a second invoice whatever happens. Threshold
invoices are finalized like the others (numbers, discounts, tax, credits, webhooks,
collection) and never count late usage (`usage_seq` 0: the closing invoice counts
the window's usage in full and credits them back, `invoices.commitments`).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Max, Q, Sum

from invoices.billing import Bill, Walk, line_fits, write_invoices
from invoices.calculation import LineDraft, Proration, usage_line
from invoices.models import Invoice, InvoiceLine
from plans.models import Charge
from plans.selectors import charges_by_plan
from subscriptions.models import Subscription
from tenants.models import TenantRef, tenant_pk
from tenants.updates import lock_rows
from usage.selectors import UsageWindow, usage_totals_for_period

CHECK_BATCH_SIZE = 500
THRESHOLD = Invoice.BillingReason.THRESHOLD
ZERO = Decimal(0)


def _candidates(tenant: TenantRef, customer_ids: Collection[uuid.UUID] | None, after: uuid.UUID) -> Q:
    found = Q(tenant_id=tenant_pk(tenant), status__in=[Subscription.Status.ACTIVE, Subscription.Status.PAST_DUE])
    found &= Q(plan__usage_thresholds__len__gt=0, period_index__isnull=False, pk__gt=after)
    if customer_ids is not None:
        found &= Q(customer_id__in=list(customer_ids))
    return found


def thresholds_check(
    *, tenant: TenantRef, now: datetime, customer_ids: Collection[uuid.UUID] | None = None
) -> list[Invoice]:
    """Issue the threshold invoices due at `now` for the tenant's subscriptions (or
    those of `customer_ids`), batch by batch; returns them."""
    made: list[Invoice] = []
    after = uuid.UUID(int=0)
    while True:
        with transaction.atomic():
            rows = (
                Subscription.objects.for_tenant(tenant).filter(_candidates(tenant, customer_ids, after)).order_by("pk")
            )
            ids = lock_rows(rows[:CHECK_BATCH_SIZE], skip_locked=True)
            if not ids:
                return made
            subs = list(
                Subscription.objects.for_tenant(tenant).filter(pk__in=ids).select_related("plan").order_by("pk")
            )
            made += _check_batch(tenant, subs, now)
        after = ids[-1]


def _window(sub: Subscription, walk: Walk, now: datetime) -> tuple[datetime, datetime] | None:
    """[segment start, now) of the current period, None when empty or already ended
    (the run closes an ended period; its closing invoice bills it in full)."""
    start = max(sub.current_period_start, walk.segment_start(sub), sub.start_at)
    if now >= sub.current_period_end or now <= start:
        return None
    return start, now


def _check_batch(tenant: TenantRef, subs: Sequence[Subscription], now: datetime) -> list[Invoice]:
    walk = Walk.of(tenant, subs)
    bills = []
    for sub in subs:
        if span := _window(sub, walk, now):
            period = (sub.current_period_start, sub.current_period_end)
            bills.append(Bill(sub, *span, sub.plan, reason=THRESHOLD, period=period))
    if not bills:
        return []
    charges = charges_by_plan(tenant=tenant, plan_ids={b.plan.pk for b in bills})
    meters = list({c.meter_id: c.meter for cs in charges.values() for c in cs}.values())
    windows = {bill.subscription.pk: _so_far(bill) for bill in bills}
    totals = usage_totals_for_period(tenant=tenant, windows=list(windows.values()), meters=meters)
    earlier = _earlier(bills)
    due = []
    for bill in bills:
        window = windows[bill.subscription.pk]
        quantities = {c.meter_id: totals.get((window, c.meter_id), ZERO) for c in charges[bill.plan.pk]}
        if _price_threshold(bill, charges[bill.plan.pk], quantities, earlier):
            due.append(bill)
    return write_invoices(tenant=tenant, bills=due, now=now, usage_seq=0)


def _so_far(bill: Bill) -> UsageWindow:
    """The usage stored so far for the window: from its start to the period's end (a
    sandbox stamps events at its clock's reading, `now` itself; events are at most 5
    minutes ahead of it)."""
    assert bill.period is not None
    return UsageWindow(bill.subscription.customer_id, bill.start, bill.period[1])


class Earlier:
    """What the window's earlier threshold invoices were issued for and billed."""

    def __init__(self) -> None:
        self.highest: dict[tuple[uuid.UUID, datetime], Decimal] = {}
        self.billed: dict[tuple[uuid.UUID, datetime, uuid.UUID | None], tuple[Decimal, Decimal]] = {}


def _earlier(bills: Sequence[Bill]) -> Earlier:
    """Two queries for the batch: the highest threshold invoiced per window (any
    status), and Σ (quantity, amount) of non-void threshold usage lines per meter."""
    found = Earlier()
    windows = Q()
    for bill in bills:
        windows |= Q(subscription_id=bill.subscription.pk, period_start=bill.start)
    invoices = Invoice.objects.filter(windows, billing_reason=THRESHOLD)
    for row in invoices.values("subscription_id", "period_start").annotate(top=Max("threshold_amount")):
        found.highest[(row["subscription_id"], row["period_start"])] = row["top"]
    lines = InvoiceLine.objects.filter(
        invoice__in=invoices.exclude(status=Invoice.Status.VOID), kind=InvoiceLine.Kind.USAGE
    )
    keys = ("invoice__subscription_id", "invoice__period_start", "meter_id")
    for row in lines.values(*keys).annotate(q=Sum("quantity"), a=Sum("amount")).order_by():
        found.billed[(row[keys[0]], row[keys[1]], row[keys[2]])] = (row["q"], row["a"])
    return found


def _price_threshold(
    bill: Bill, charges: Sequence[Charge], quantities: dict[uuid.UUID, Decimal], earlier: Earlier
) -> bool:
    """Fill the bill's lines and threshold if usage so far reached a new threshold."""
    sub, plan = bill.subscription, bill.plan
    assert bill.period is not None
    # `max`/`unique_count` at the segment's share of the period, as its closing invoice prices them.
    proration = Proration.of_window(bill.start, bill.period[1], bill.period)
    lines = [usage_line(c, quantities.get(c.meter_id, ZERO), plan.currency, proration) for c in charges]
    so_far = sum((line.amount for line in lines), ZERO)
    reached = [amount for amount in plan.usage_thresholds if amount <= so_far]
    highest = earlier.highest.get((sub.pk, bill.start))
    if not reached or (highest is not None and max(reached) <= highest):
        return False
    bill.threshold = max(reached)
    bill.lines = [_less_billed(line, earlier.billed.get((sub.pk, bill.start, line.meter_id))) for line in lines]
    return all(line_fits(line) for line in bill.lines)


def _less_billed(line: LineDraft, billed: tuple[Decimal, Decimal] | None) -> LineDraft:
    if billed is None:
        return line
    quantity, amount = billed
    return replace(line, quantity=line.quantity - quantity, amount=line.amount - amount)
