"""The invoicing engine: bill due subscriptions in batches, exactly once.

A batch is one transaction: lock up to INVOICE_RUN_BATCH_SIZE due subscriptions with
`SELECT … FOR UPDATE SKIP LOCKED` (concurrent runs take different ones), walk each
forward to `as_of` (end a trial, bill every ended period in order, cancel at period
end), aggregate all their usage windows with one grouped query, price the lines,
take the invoice numbers from the tenant's sequence, and write invoices, lines, the
billed quantities and the rolled subscriptions with bulk statements. A crash anywhere
rolls the whole batch back; the unique (subscription, period_start) constraint would
refuse a second invoice of a period even if the locking were bypassed.

Whose usage: an event belongs to the one subscription that charges its meter and is
live at its timestamp (`subscriptions.services` refuses a subscription whose life
would overlap another's on a meter), and a bill's usage window is clipped to its
subscription's life [start_at, canceled_at). Windows are counted once each however
many subscriptions share their bounds. Empty windows are never billed.

Plan changes: a subscription's plan history is a list of segments
(`subscriptions.SubscriptionSegment`). Every bill is a window of one segment within one
period, priced with that segment's plan (`Bill.plan`); a window shorter than its period
prorates the fee and the `max`/`unique_count` charges (`Bill.proration`). The walk
(`advance`, with a `Walk`) applies a pending change where its period ends and records
the switches, which are written with the subscriptions' state (`invoices.plan_changes`
bills a change now). Subscriptions are locked alone, then read (`lock_rows`).

Late usage: each invoice remembers how far usage was stored when it counted
(`usage_seq`, from `usage_stored_through`, taken before the batch's transaction: the
fence waits for ingestion in flight). Each time a subscription is invoiced, events of
its customer with a greater `seq` than its last invoice's whose timestamps fall in
windows already invoiced send those windows to be counted again, with the charges
of the window's segment: a sequence, never a comparison of times, so a sandbox's
clock cannot hide them. A quantity that differs
from what the window was billed for (its usage line plus earlier late-usage lines for
it) becomes a `late_usage` line on this invoice, worth round(price(new)) − Σ already
billed for that window. Counting again is idempotent: an event seen twice (stored
between the fence and the batch's count) finds the quantity already billed and adds
nothing. A canceled subscription has no next invoice: its late usage goes on an
`adjustment` invoice from the next run (`bill_adjustments_batch`).

Totals: `invoices.totals.invoice_totals` turns the lines, the customer's tax rates
(its own, else the tenant's defaults, none when exempt: one query per batch) and its
balance into the amounts; `taxes` are frozen on the invoice as decimal strings; a
negative total is credited to the balance (ledger `negative_invoice`), a positive
balance pays what it can (`applied_to_invoice`).

A subscription that cannot be billed (an amount beyond the columns, a pricing error)
is left as it was and reported in the batch's `failures`; the others are billed.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import structlog
from django.conf import settings
from django.db import connection, transaction

from audit.services import audit_record_each
from billing_project.bulk import as_jsonb, insert_rows, stored_instance
from billing_project.lookups import array_literal
from billing_project.memo import by_identity
from invoices.calculation import LateUsage, LineDraft, Proration, SourceInvoice, invoice_lines, tiers_json
from invoices.commitments import commitment_lines
from invoices.dimension_usage import Ahead, bucket_totals, charge_buckets, count_ahead, dimension_deltas, line_bucket
from invoices.discounting import DiscountBook, discount_book
from invoices.grants import GrantBook, customers_with_grants, grant_book
from invoices.instruments import BILLING_FAILURES, INVOICES_TOTAL
from invoices.locks import lock_customers
from invoices.models import AMOUNT_LIMIT, WINDOW_REASONS, BalanceTransaction, Invoice, InvoiceLine
from invoices.numbering import Series, take_numbers
from invoices.serializers import invoice_body
from invoices.signals import invoices_finalized
from invoices.totals import Totals, invoice_totals
from plans.dimensions import Bucket
from plans.models import Charge, Plan
from plans.money import format_price, format_quantity
from plans.selectors import charges_by_plan
from plans.taxes import TaxRateSpec
from subscriptions import periods
from subscriptions.models import Subscription
from subscriptions.payloads import subscription_body
from subscriptions.selectors import segment_starts, subscription_list_due, tax_rates_for_customers
from subscriptions.services import (
    PlanSwitch,
    subscription_segments_switch,
    subscription_updated_body,
    subscriptions_save_state,
)
from tenants import clock
from tenants.errors import Conflict
from tenants.models import TenantRef, tenant_pk
from tenants.updates import lock_rows
from usage.selectors import (
    UsageWindow,
    stored_since_ranges,
    time_ranges_sql,
    usage_stored_through,
    usage_totals_for_period,
)
from webhooks.models import EventType
from webhooks.services import events_publish

log = structlog.get_logger(__name__)

# A subscription backdated by decades still finishes in one run; the cap only stops
# a bad anchor from looping for ever.
MAX_PERIODS_PER_RUN = 1200


Reason = Invoice.BillingReason
AMOUNT_TOO_LARGE = "An amount of this invoice does not fit the invoice columns (|amount| < 10^36)."
CANCEL_WITH_CHANGE_PENDING = (
    "A plan change is pending for the end of the period: delete it (DELETE …/pending-change) before "
    "canceling at period end, or cancel now."
)


@dataclass
class Bill:
    """One invoice to write: a window [start, end) of one segment of a subscription's
    life, billed with that segment's `plan`: a whole `period`, or the part of one (with
    a proration); or an adjustment's late usage of earlier windows."""

    subscription: Subscription
    start: datetime
    end: datetime
    plan: Plan
    reason: str = Reason.PERIOD
    period: tuple[datetime, datetime] | None = None
    late: list[LateUsage] = field(default_factory=list)
    lines: list[LineDraft] = field(default_factory=list)
    error: str = ""
    threshold: Decimal | None = None  # a `threshold` bill: the highest threshold it is issued for

    @property
    def window(self) -> UsageWindow:
        """The usage window: [start, end) clipped to the subscription's life."""
        sub = self.subscription
        end = self.end if sub.canceled_at is None else min(self.end, sub.canceled_at)
        return UsageWindow(sub.customer_id, max(self.start, sub.start_at), end)

    @property
    def proration(self) -> Proration | None:
        """The part of its period the window covers, when it is not all of it."""
        return None if self.period is None else Proration.of_window(self.start, self.end, self.period)

    @property
    def billing_period(self) -> tuple[datetime, datetime]:
        """The billing period the window belongs to (discounts count and cap per one)."""
        return self.period or (self.start, self.end)


@dataclass
class Walk:
    """What walking subscriptions forward makes besides bills: the events to publish,
    the plan switches to write (pending changes that took effect, changes now), and
    where each subscription's current segment starts (its bills start there at the
    earliest)."""

    since: dict[uuid.UUID, datetime] = field(default_factory=dict)
    events: list[tuple[str, Subscription]] = field(default_factory=list)
    switches: list[tuple[Subscription, PlanSwitch]] = field(default_factory=list)

    @classmethod
    def of(cls, tenant: TenantRef, subscriptions: Sequence[Subscription]) -> Walk:
        return cls(since=segment_starts(tenant=tenant, subscription_ids=[s.pk for s in subscriptions]))

    def segment_start(self, sub: Subscription) -> datetime:
        return self.since.get(sub.pk, sub.start_at)

    def switch(self, sub: Subscription, plan: Plan, at: datetime) -> None:
        """`sub` changes to `plan` at `at` (at its current segment's start at the earliest)."""
        at = max(at, self.segment_start(sub))
        previous = sub.plan_id
        sub.switch_plan(plan, at)
        self.switches.append((sub, PlanSwitch.of(sub, previous, at)))
        self.since[sub.pk] = at

    def without(self, failed: Collection[uuid.UUID]) -> Walk:
        return Walk(
            since=self.since,
            events=[(kind, sub) for kind, sub in self.events if sub.pk not in failed],
            switches=[(sub, switch) for sub, switch in self.switches if sub.pk not in failed],
        )


@dataclass
class BatchOutcome:
    subscriptions: int = 0
    invoices: list[Invoice] = field(default_factory=list)
    failures: list[dict[str, str]] = field(default_factory=list)


def advance(sub: Subscription, as_of: datetime, walk: Walk) -> list[Bill]:
    """Walk `sub` forward to `as_of` in memory: the bills of every period that ended,
    the trial's end, a pending plan change and a cancellation at period end (with
    their events)."""
    bills: list[Bill] = []
    if sub.in_trial_window and sub.current_period_end <= as_of:
        if sub.cancel_at_period_end:  # canceled during the trial: nothing to bill
            _cancel(sub, sub.current_period_end, walk.events)
            return bills
        sub.status = Subscription.Status.ACTIVE
        _roll(sub, walk)
        walk.events.append((EventType.SUBSCRIPTION_TRIAL_ENDED, sub))
    while sub.is_live and sub.current_period_end <= as_of and len(bills) < MAX_PERIODS_PER_RUN:
        bills.append(period_bill(sub, walk))
        if sub.cancel_at_period_end:
            _cancel(sub, sub.current_period_end, walk.events)
        else:
            _roll(sub, walk)
    return bills


def period_bill(sub: Subscription, walk: Walk) -> Bill:
    """The bill of the current period at its end: from the current segment's start
    when a plan change began it mid-period (the new plan's proration)."""
    start, end = sub.current_period_start, sub.current_period_end
    return Bill(sub, max(start, walk.segment_start(sub)), end, sub.plan, period=(start, end))


def _roll(sub: Subscription, walk: Walk) -> None:
    """Move to the next period; a pending plan change takes effect where it starts
    (and with another interval, a full period of the new plan starts there)."""
    if sub.pending_plan is not None:
        at, plan, sub.pending_plan = sub.current_period_end, sub.pending_plan, None
        walk.switch(sub, plan, at)
        if sub.current_period_start == at:  # re-anchored at `at`
            return
    sub.period_index, sub.current_period_start, sub.current_period_end = sub.next_period()


def _cancel(sub: Subscription, at: datetime, events: list[tuple[str, Subscription]]) -> None:
    sub.status = Subscription.Status.CANCELED
    sub.canceled_at = at
    events.append((EventType.SUBSCRIPTION_CANCELED, sub))


def partial_bill(sub: Subscription, now: datetime, walk: Walk, reason: str = Reason.CANCELLATION) -> Bill | None:
    """The bill of the current segment up to `now` (a cancellation's final invoice, or
    the old plan's at a plan change): the fee × (now − segment start) / period length
    in microseconds, usage to `now`. None when the window is empty (at the very start
    of the segment or period, or before it began)."""
    start, end = sub.current_period_start, sub.current_period_end
    begin = max(start, walk.segment_start(sub))
    if now <= begin:
        return None
    return Bill(sub, begin, now, sub.plan, reason=reason, period=(start, end))


def line_fits(line: LineDraft) -> bool:
    return abs(line.amount) < AMOUNT_LIMIT and abs(line.quantity) < AMOUNT_LIMIT


def _price(
    bill: Bill,
    charges: list[Charge],
    quantities: dict[uuid.UUID, Decimal],
    buckets: dict[uuid.UUID, dict[Bucket, Decimal]] | None = None,
) -> None:
    """Fill the bill's lines, or its `error` when they cannot be priced or stored."""
    try:
        lines = invoice_lines(
            plan=bill.plan,
            charges=charges,
            quantities=quantities,
            buckets=buckets,
            late=bill.late,
            proration=bill.proration,
            fee=bill.reason != Reason.ADJUSTMENT,
        )
    except (ArithmeticError, ValueError) as exc:
        bill.error = f"{type(exc).__name__}: {exc}"
        return
    if not all(line_fits(line) for line in lines) or abs(sum(line.amount for line in lines)) >= AMOUNT_LIMIT:
        bill.error = AMOUNT_TOO_LARGE
        return
    bill.lines = lines


def price_bills(*, tenant: TenantRef, bills: Sequence[Bill], late: bool = True, ahead: Ahead | None = None) -> None:
    """Fill each bill's lines: usage of its window (one grouped query for all of them,
    the dimensional charges' from the run's count `ahead` where it has them), late
    usage of earlier windows (on a subscription's first bill, unless the bills carry
    theirs already), the flat fee."""
    if not bills:
        return
    charges = charges_by_plan(tenant=tenant, plan_ids={b.plan.pk for b in bills})
    plain = [c for plan_charges in charges.values() for c in plan_charges if c.dimensions() is None]
    meters = {c.meter_id: c.meter for c in plain}
    windows = list({b.window for b in bills if b.reason != Reason.ADJUSTMENT})
    totals = usage_totals_for_period(tenant=tenant, windows=windows, meters=list(meters.values()))
    buckets = bucket_totals(tenant=tenant, windows=windows, charges=charges.values(), ahead=ahead)
    if late:
        _attach_late_usage(tenant_pk(tenant), bills)
    for bill in bills:
        plan_charges = charges[bill.plan.pk]
        quantities = {c.meter_id: totals.get((bill.window, c.meter_id), Decimal(0)) for c in plan_charges}
        _price(bill, plan_charges, quantities, charge_buckets(buckets, bill.window, plan_charges))
    commitment_lines(tenant=tenant, bills=bills)  # minimum true-ups, progressive billing credits


# Invoiced windows (and meters) of these subscriptions that got events stored (or
# corrected: a void or amend takes a new seq) since the subscription was last invoiced
# (a greater seq), whether a correction is among them, with what they were billed so far
# (the usage line of the window's invoice plus the late-usage lines that later invoices
# added for it, the usage line's part of it, and what the invoice kept after its discounts) and
# the segment that the window belongs to (its plan prices it; its anchor and the plan's
# interval give the period, for the proration). A dimensional charge's lines are summed
# per (filter, group): one row each (`invoices.dimension_usage`). The events are also bounded by time
# (`{ranges}`, usage.selectors.stored_since_ranges): the events table is partitioned by
# month of `timestamp` and `seq` says nothing about the month, so the months where events
# stored since can be (the recent ones, and old ones noted by UsageLateMonth) are given as
# constants, and the planner leaves every other month's partition out of the plan.
# LATERAL … OFFSET 0 (not flattened into a join) keeps it a probe of `usage_cust_seq_idx`
# per customer: as a plain join the bounds made the planner hash the tenant's whole
# month instead (EXPLAIN in bench/scale.py).
_LATE_CANDIDATES_SQL = """
WITH w AS (SELECT * FROM unnest(%(subs)s::uuid[], %(customers)s::uuid[], %(since)s::bigint[])
           AS w(subscription_id, customer_id, since)),
touched AS (
    SELECT i.id AS invoice_id, e.meter_id, bool_or(e.revision > 1) AS corrected
    FROM w
    CROSS JOIN LATERAL (
        SELECT e.meter_id, e.timestamp, e.revision FROM usage_usageevent e
        WHERE e.tenant_id = %(tenant)s AND e.customer_id = w.customer_id AND e.seq > w.since
          AND {ranges}
        OFFSET 0
    ) e
    JOIN invoices_invoice i ON i.subscription_id = w.subscription_id
         AND i.billing_reason = ANY(%(reasons)s::text[])
         AND e.timestamp >= i.period_start AND e.timestamp < i.period_end
    GROUP BY i.id, e.meter_id
),
segment AS (
    SELECT t.invoice_id, coalesce(g.plan_id, s.plan_id) AS plan_id, coalesce(g.billing_anchor, s.billing_anchor) AS anchor
    FROM (SELECT DISTINCT invoice_id FROM touched) t
    JOIN invoices_invoice i ON i.id = t.invoice_id
    JOIN subscriptions_subscription s ON s.id = i.subscription_id
    LEFT JOIN subscriptions_subscriptionsegment g ON g.subscription_id = i.subscription_id
         AND g.start_at <= i.period_start AND (g.end_at IS NULL OR g.end_at > i.period_start)
)
SELECT t.invoice_id, i.subscription_id, i.customer_id, t.meter_id, i.period_start, i.period_end,
       g.plan_id, g.anchor, coalesce(sum(l.quantity), 0) AS billed, coalesce(sum(l.amount), 0) AS billed_amount,
       coalesce(sum(l.amount) FILTER (WHERE l.kind = 'usage'), 0) AS source_amount,
       i.subtotal, i.discount, i.status IN ('void', 'uncollectible') AS closed,
       t.corrected, l.filter_name, l.group_values
FROM touched t
JOIN invoices_invoice i ON i.id = t.invoice_id
JOIN segment g ON g.invoice_id = t.invoice_id
LEFT JOIN invoices_invoiceline l ON l.meter_id = t.meter_id
     AND ((l.invoice_id = t.invoice_id AND l.kind = 'usage') OR (l.source_invoice_id = t.invoice_id))
GROUP BY t.invoice_id, i.subscription_id, i.customer_id, t.meter_id, i.period_start, i.period_end, g.plan_id, g.anchor,
         i.subtotal, i.discount, i.status, t.corrected, l.filter_name, l.group_values
ORDER BY i.period_start
"""


def late_candidates_sql(condition: str) -> str:
    """_LATE_CANDIDATES_SQL bounded by `condition` on the events' timestamps."""
    return _LATE_CANDIDATES_SQL.replace("{ranges}", condition)


def _attach_late_usage(tenant_id: uuid.UUID, bills: Sequence[Bill]) -> None:
    """Count again the invoiced windows that got late events; a changed quantity
    becomes a late-usage line on the subscription's first bill of this run."""
    first_bill: dict[uuid.UUID, Bill] = {}
    for bill in bills:
        first_bill.setdefault(bill.subscription.pk, bill)
    subs = [bill.subscription for bill in first_bill.values()]
    for sub_id, items in late_usage_for(tenant=tenant_id, subscriptions=subs).items():
        first_bill[sub_id].late.extend(items)


@dataclass(frozen=True)
class _Candidate:
    invoice_id: uuid.UUID
    subscription_id: uuid.UUID
    window: UsageWindow
    charge: Charge
    proration: Proration | None
    billed: Decimal
    billed_amount: Decimal
    source_amount: Decimal
    source: SourceInvoice
    corrected: bool
    bucket: Bucket | None = None


def _late_candidates(
    tenant: TenantRef, subs: Sequence[Subscription], since: list[int], stored_after: datetime
) -> list[_Candidate]:
    """The invoiced windows of `subs` with events stored since, on a meter that the
    window's segment charges (events of other meters cost nothing). `stored_after`: the
    earliest of their last invoices' real times, which bounds the months read."""
    ranges = stored_since_ranges(tenant=tenant, since=min(since), stored_after=stored_after)
    condition, bounds = time_ranges_sql(ranges, "e.timestamp", "r")
    params: dict[str, Any] = {
        "tenant": tenant_pk(tenant), "reasons": list(WINDOW_REASONS), "subs": array_literal(s.pk for s in subs),
        "customers": array_literal(s.customer_id for s in subs), "since": array_literal(since), **bounds,
    }  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(late_candidates_sql(condition), params)
        touched = cursor.fetchall()
    plans = {p.pk: p for p in Plan.objects.for_tenant(tenant).filter(pk__in={row[6] for row in touched})}
    charges = charges_by_plan(tenant=tenant, plan_ids=set(plans))
    charge_of = {(plan_id, c.meter_id): c for plan_id, cs in charges.items() for c in cs}
    found = []
    for (
        invoice_id,
        sub_id,
        customer_id,
        meter_id,
        start,
        end,
        plan_id,
        anchor,
        billed,
        billed_amount,
        *src,
        corrected,
        filter_name,
        group_values,
    ) in touched:
        if (charge := charge_of.get((plan_id, meter_id))) is not None:
            _, period_start, period_end = periods.period_containing(anchor, plans[plan_id].interval, start)
            proration = Proration.of_window(start, end, (period_start, period_end))
            window = UsageWindow(customer_id, start, end)
            source = SourceInvoice(*src[1:])
            found.append(
                _Candidate(
                    invoice_id, sub_id, window, charge, proration, billed, billed_amount, src[0], source, corrected,
                    line_bucket(charge, filter_name, group_values),
                )
            )  # fmt: skip
    return found


def late_usage_for(*, tenant: TenantRef, subscriptions: Sequence[Subscription]) -> dict[uuid.UUID, list[LateUsage]]:
    """The invoiced windows of each subscription whose quantity of a charged meter
    changed since it was billed, with what they were billed so far; each priced with
    the charges of the plan of its segment."""
    counted = _counted_through([s.pk for s in subscriptions])
    subs = [s for s in subscriptions if s.pk in counted]
    if not subs:
        return {}
    stored_after = min(counted[s.pk][1] for s in subs)
    candidates = _late_candidates(tenant, subs, [counted[s.pk][0] for s in subs], stored_after)
    found: dict[uuid.UUID, list[LateUsage]] = {}
    for c, bucket, quantity in dimension_deltas(tenant=tenant, candidates=candidates):
        late = LateUsage(
            c.charge, c.window.start, c.window.end, c.billed, quantity, c.invoice_id, c.billed_amount, c.proration,
            source_amount=c.source_amount, source=c.source, correction=c.corrected, bucket=bucket,
        )  # fmt: skip
        found.setdefault(c.subscription_id, []).append(late)
    candidates = [c for c in candidates if c.charge.dimensions() is None]
    if not candidates:
        return found
    meters = list({c.charge.meter_id: c.charge.meter for c in candidates}.values())
    totals = usage_totals_for_period(tenant=tenant, windows=list({c.window for c in candidates}), meters=meters)
    for c in candidates:
        quantity = totals[(c.window, c.charge.meter_id)]
        if quantity != c.billed:
            late = LateUsage(
                c.charge, c.window.start, c.window.end, c.billed, quantity, c.invoice_id, c.billed_amount, c.proration,
                source_amount=c.source_amount, source=c.source, correction=c.corrected,
            )  # fmt: skip
            found.setdefault(c.subscription_id, []).append(late)
    return found


def _counted_through(subscription_ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[int, datetime]]:
    """How far usage was stored when each subscription was last invoiced, if ever, and
    the real time that invoice was made (events stored since were stored after it)."""
    rows = (
        Invoice.objects.filter(subscription_id__any=subscription_ids)
        .order_by("subscription_id", "-usage_seq", "created_at")
        .distinct("subscription_id")
        .values_list("subscription_id", "usage_seq", "created_at")
    )
    return {sub_id: (seq, at) for sub_id, seq, at in rows}


_INVOICE_COLUMNS = {
    "id": "uuid", "tenant_id": "uuid", "number": "text", "customer_id": "uuid", "subscription_id": "uuid",
    "status": "text", "billing_reason": "text", "currency": "text", "period_start": "timestamptz",
    "period_end": "timestamptz", "subtotal": "numeric", "discount": "numeric", "tax": "numeric", "taxes": "jsonb",
    "total": "numeric", "credits_applied": "numeric", "amount_credited": "numeric",
    "amount_paid": "numeric", "amount_due": "numeric", "issued_at": "timestamptz", "due_at": "timestamptz",
    "paid_at": "timestamptz", "voided_at": "timestamptz", "usage_seq": "bigint", "created_at": "timestamptz",
    "attempt_count": "integer", "next_payment_attempt": "timestamptz", "first_failed_at": "timestamptz",
    "retries_sent": "smallint", "threshold_amount": "numeric",
}  # fmt: skip
_LINE_COLUMNS = {
    "id": "bigint", "tenant_id": "uuid", "invoice_id": "uuid", "position": "smallint", "kind": "text", "description": "text",
    "meter_id": "uuid", "meter_code": "text", "model": "text", "quantity": "numeric", "amount": "numeric",
    "tiers": "jsonb", "period_start": "timestamptz", "period_end": "timestamptz", "source_invoice_id": "uuid",
    "discount_id": "uuid", "filter_name": "text", "group_values": "jsonb",
}  # fmt: skip


def line_row(tenant_id: uuid.UUID, invoice_id: uuid.UUID, position: int, draft: LineDraft) -> tuple[Any, ...]:
    """The stored columns of a line in `_LINE_COLUMNS`' order, `jsonb` ones encoded (a
    tuple, as `insert_rows` sends it as it is: the run writes thousands)."""
    return (
        draft.id, tenant_id, invoice_id, position, draft.kind, draft.description[:300], draft.meter_id,
        draft.meter_code, draft.model, draft.quantity, draft.amount, tiers_json(draft.tiers), draft.period_start,
        draft.period_end, draft.source_invoice_id, draft.discount_id, draft.filter, _group_json(draft.group),
    )  # fmt: skip


# A bucket's group is one dict shared by all its lines (`calculation.line_shape`):
# encoded once per bucket, by identity (a dict cannot be hashed).
_group_text = by_identity(as_jsonb, limit=10_000)


def _group_json(group: dict[str, str | None] | None) -> str | None:
    return None if group is None else _group_text(group)


def build_invoice(*, tenant: TenantRef, bill: Bill, number: str, now: datetime, totals: Totals) -> Invoice:
    """The finalized invoice of a priced bill: open, or paid at once when nothing is due
    (as it will be stored: `write_invoices` inserts its fields)."""
    sub, due, currency = bill.subscription, totals.amount_due, bill.plan.currency
    return stored_instance(Invoice, {
        "id": uuid.uuid4(), "tenant_id": tenant_pk(tenant), "number": number, "customer_id": sub.customer_id,
        "subscription_id": sub.pk, "status": Invoice.Status.OPEN if due > 0 else Invoice.Status.PAID,
        "billing_reason": bill.reason, "currency": currency, "period_start": bill.start, "period_end": bill.end,
        "subtotal": totals.subtotal, "discount": totals.discount, "tax": totals.tax,
        "taxes": frozen_taxes(totals, currency), "total": totals.total, "credits_applied": totals.credits_applied,
        "amount_credited": Decimal(0), "amount_paid": Decimal(0), "amount_due": due, "issued_at": now,
        "due_at": now + timedelta(days=settings.INVOICE_DUE_DAYS), "paid_at": None if due > 0 else now,
        "created_at": clock.real_now(), "threshold_amount": bill.threshold,
    })  # fmt: skip


def frozen_taxes(totals: Totals, currency: str) -> list[dict[str, str]]:
    """`taxes` as the invoice keeps them: decimal strings, never read from the rates again."""
    return [
        {
            "code": tax.code,
            "name": tax.name,
            "percentage": format_quantity(tax.percentage),
            "taxable": format_price(tax.taxable, currency),
            "amount": format_price(tax.amount, currency),
        }
        for tax in totals.taxes
    ]


def bill_totals(
    bill: Bill,
    *,
    balance: Decimal,
    tax_rates: Sequence[TaxRateSpec],
    discounts: DiscountBook | None = None,
    grants: Sequence[Decimal] = (),
) -> Totals:
    """The amounts of a priced bill (the run, a cancellation and the preview alike),
    with what the customer's `discounts` take off it, booked in them and added to the
    bill as its `discount` lines, and what the `grants` (their remaining amounts, in
    the order they are used) pay of it."""
    charges = [line for line in bill.lines if line.kind != InvoiceLine.Kind.DISCOUNT]
    offers = discounts.offers(bill) if discounts is not None else []
    totals = invoice_totals(
        charges,
        currency=bill.plan.currency,
        balance=balance,
        discounts=[offer.off for offer in offers],
        tax_rates=tax_rates,
        grants=grants,
        credit_purchase=bill.reason == Reason.CREDIT_PURCHASE,
    )
    if discounts is not None:
        bill.lines = [*charges, *discounts.use(bill, offers, totals.discounts)]
    return totals


def _body(invoice: Invoice, bill: Bill) -> Callable[[], dict[str, Any]]:
    return lambda: invoice_body(invoice, bill.lines)  # built only if an endpoint receives it


_BALANCES_SQL = """
SELECT customer_id, currency, sum(amount) FROM invoices_balancetransaction
WHERE tenant_id = %(tenant)s AND customer_id = ANY(%(customers)s::uuid[])
GROUP BY customer_id, currency
"""


def _read_balances(tenant_id: uuid.UUID, customer_ids: set[uuid.UUID]) -> dict[tuple[uuid.UUID, str], Decimal]:
    with connection.cursor() as cursor:
        cursor.execute(_BALANCES_SQL, {"tenant": tenant_id, "customers": array_literal(customer_ids)})
        return {(customer, currency): amount for customer, currency, amount in cursor.fetchall()}


def customer_balances(
    *, tenant: TenantRef, bills: Sequence[Bill], lock: bool = True, also_lock: Collection[uuid.UUID] = ()
) -> dict[tuple[uuid.UUID, str], Decimal]:
    """The balance per (customer, currency) of the bills' customers. With `lock`, the
    customers whose balance these invoices use or credit (and `also_lock`: those
    whose grants they may use) are locked first (in id order, so concurrent runs
    cannot deadlock) and their balances read again: two invoices of one customer
    finalized at once never use the same credit."""
    tenant_id = tenant_pk(tenant)
    customers = {b.subscription.customer_id for b in bills}
    balances = _read_balances(tenant_id, customers)
    touched = {c for (c, _), amount in balances.items() if amount > 0}
    # A negative line can make a negative total (credited to the balance); a total
    # cannot be negative without one.
    touched |= {b.subscription.customer_id for b in bills if any(line.amount < 0 for line in b.lines)}
    touched |= set(also_lock)
    if lock and touched:
        lock_customers(touched)
        balances.update(_read_balances(tenant_id, touched))
    return balances


def _ledger_rows(invoice: Invoice, totals: Totals) -> list[BalanceTransaction]:
    entries = [
        (totals.to_balance, BalanceTransaction.Kind.NEGATIVE_INVOICE, f"Negative invoice {invoice.number}"),
        (-totals.balance_applied, BalanceTransaction.Kind.APPLIED_TO_INVOICE, f"Applied to invoice {invoice.number}"),
    ]
    common = invoice.customer_fields
    return [
        BalanceTransaction(**common, amount=amount, kind=kind, invoice_id=invoice.pk, description=text)
        for amount, kind, text in entries
        if amount
    ]


def finalize_bills(
    *,
    tenant: TenantRef,
    bills: Sequence[Bill],
    numbers: Sequence[str],
    now: datetime,
    balances: dict[tuple[uuid.UUID, str], Decimal],
    rates: dict[uuid.UUID, list[TaxRateSpec]],
    discounts: DiscountBook,
    grants: GrantBook,
) -> list[tuple[Invoice, Totals]]:
    """The finalized invoices of priced bills with their amounts, in order, stored
    nowhere: each one uses the customer's grants and balance as the ones before it
    left them (`grants` books what each uses, `balances` is updated), and its
    discounts as the ones before it left them (`discounts` books what each takes).
    The run, a cancellation, a plan change and their previews all make their
    invoices here."""
    made = []
    for bill, number in zip(bills, numbers, strict=True):
        key = (bill.subscription.customer_id, bill.plan.currency)
        offers = grants.offers(*key, bill.end)
        totals = bill_totals(
            bill,
            balance=balances.get(key, Decimal(0)),
            tax_rates=rates.get(bill.subscription.customer_id, []),
            discounts=discounts,
            grants=[grant.remaining for grant in offers],
        )
        balances[key] = balances.get(key, Decimal(0)) + totals.balance_change
        invoice = build_invoice(tenant=tenant, bill=bill, number=number, now=now, totals=totals)
        grants.use(invoice, offers, totals.grants_applied)
        made.append((invoice, totals))
    return made


def write_invoices(*, tenant: TenantRef, bills: Sequence[Bill], now: datetime, usage_seq: int) -> list[Invoice]:
    """Store the priced bills as finalized invoices with their lines and balance
    entries, and publish `invoice.finalized` for each. Runs inside the caller's
    transaction; `usage_seq` is how far usage was stored when the bills counted it."""
    if not bills:
        return []
    tenant_id = tenant_pk(tenant)
    # The discounts' locks before the customers' (the order every writer takes them in).
    discounts = discount_book(tenant=tenant_id, bills=bills, now=now, lock=True)
    customers = {b.subscription.customer_id for b in bills}
    # Customers with grants are locked with the balance's (one call: id order), and
    # their grants read under the lock.
    balances = customer_balances(
        tenant=tenant_id, bills=bills, also_lock=customers_with_grants(tenant=tenant_id, customer_ids=customers)
    )
    grants = grant_book(tenant=tenant_id, customer_ids=customers)
    rates = tax_rates_for_customers(tenant=tenant_id, customer_ids=customers)
    numbers = take_numbers(tenant_id, Series.INVOICE, len(bills))
    made = finalize_bills(
        tenant=tenant_id,
        bills=bills,
        numbers=numbers,
        now=now,
        balances=balances,
        rates=rates,
        discounts=discounts,
        grants=grants,
    )
    invoices = [invoice for invoice, _ in made]
    for invoice in invoices:
        invoice.usage_seq = usage_seq
    ledger = [row for invoice, totals in made for row in _ledger_rows(invoice, totals)]
    _number_lines(bills)
    lines = [
        line_row(tenant_id, inv.id, i, d) for inv, b in zip(invoices, bills, strict=True) for i, d in enumerate(b.lines)
    ]
    insert_rows(Invoice._meta.db_table, _INVOICE_COLUMNS, [i.__dict__ for i in invoices])
    insert_rows(InvoiceLine._meta.db_table, _LINE_COLUMNS, lines)
    BalanceTransaction.objects.bulk_create(ledger)
    discounts.save(tenant=tenant_id)
    grants.save(tenant_id)
    events_publish(
        tenant=tenant_id,
        events=[(EventType.INVOICE_FINALIZED, _body(inv, b)) for inv, b in zip(invoices, bills, strict=True)],
    )
    audit_record_each(tenant=tenant_id, entries=[("invoice.finalized", inv, _finalized(inv)) for inv in invoices])
    for invoice in invoices:
        INVOICES_TOTAL.labels(status=invoice.status).inc()
    # Payments (a later app) collects the open ones once this transaction commits.
    invoices_finalized.send(sender=Invoice, tenant_id=tenant_id, invoices=invoices)
    return invoices


# The sequence looked up once (MATERIALIZED: inlined, the catalog lookup ran for every
# id and cost nine tenths of the statement), the ids sent back as one array.
_LINE_IDS_SQL = """
WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence('invoices_invoiceline', 'id')::regclass AS seq)
SELECT array_agg(nextval(s.seq)) FROM s, generate_series(1, %s)
"""


def _number_lines(bills: Sequence[Bill]) -> None:
    """Give the bills' lines their ids before they are stored (one query), so that the
    `invoice.finalized` body shows the ids the API shows (a line's provenance route)."""
    count = sum(len(b.lines) for b in bills)
    if not count:
        return
    with connection.cursor() as cursor:
        cursor.execute(_LINE_IDS_SQL, [count])
        ids = iter(cursor.fetchone()[0])
    for bill in bills:
        for line in bill.lines:
            object.__setattr__(line, "id", next(ids))  # a draft's one field set after it is made


def _finalized(invoice: Invoice) -> dict[str, list[Any]]:
    return {"number": [None, invoice.number], "status": [None, invoice.status], "total": [None, invoice.total]}


def _walked(kind: str, sub: Subscription) -> dict[str, list[Any]]:
    if kind == EventType.SUBSCRIPTION_TRIAL_ENDED:
        return {"status": [Subscription.Status.TRIALING, Subscription.Status.ACTIVE]}
    return {"status": [None, sub.status], "canceled_at": [None, sub.canceled_at]}


def publish_subscription_events(tenant_id: uuid.UUID, walk: Walk) -> None:
    """The walk's `subscription.*` events, then a `subscription.updated` per plan switch,
    and their audit entries (`subscription.trial_ended`, `.canceled`, `.plan_changed`)."""
    events = [(kind, _subscription_body(sub)) for kind, sub in walk.events]
    events += [(EventType.SUBSCRIPTION_UPDATED, _updated_body(sub, s.previous_plan_id)) for sub, s in walk.switches]
    if events:
        events_publish(tenant=tenant_id, events=events)
    entries = [(str(kind), sub, _walked(kind, sub)) for kind, sub in walk.events]
    entries += [
        ("subscription.plan_changed", sub, {"plan_id": [s.previous_plan_id, sub.plan_id]}) for sub, s in walk.switches
    ]
    audit_record_each(tenant=tenant_id, entries=entries)


def _subscription_body(sub: Subscription) -> Callable[[], dict[str, Any]]:
    return lambda: subscription_body(sub)


def _updated_body(sub: Subscription, previous_plan_id: uuid.UUID) -> Callable[[], dict[str, Any]]:
    return lambda: subscription_updated_body(sub, previous_plan_id)


SUBSCRIPTION_STATE_FIELDS = [
    "status", "period_index", "current_period_start", "current_period_end", "canceled_at", "plan", "billing_anchor",
    "pending_plan",
]  # fmt: skip


def _failure(sub: Subscription, error: str) -> dict[str, str]:
    log.error("subscription_not_billed", subscription_id=str(sub.pk), error=error)
    BILLING_FAILURES.inc()
    return {"subscription_id": str(sub.pk), "error": error}


def _drop_failed(
    bills: list[Bill], walk: Walk, states: dict[uuid.UUID, dict[str, Any]]
) -> tuple[list[Bill], Walk, list[dict[str, str]]]:
    """Put subscriptions with a bill that cannot be written back as they were, and
    keep only the others' bills, events and plan switches."""
    failed = {b.subscription.pk: b for b in bills if b.error}
    for sub_id, bill in failed.items():
        for name, value in states[sub_id].items():
            setattr(bill.subscription, name, value)
    kept = [b for b in bills if b.subscription.pk not in failed]
    return kept, walk.without(failed), [_failure(b.subscription, b.error) for b in failed.values()]


def _state(sub: Subscription) -> dict[str, Any]:
    return {name: getattr(sub, name) for name in [*SUBSCRIPTION_STATE_FIELDS, "cancel_at_period_end"]}


def _batch_work_mem() -> None:
    """The batch transaction's work_mem (settings.INVOICE_RUN_WORK_MEM): room for its
    grouped usage counts' hash tables, which spilled to disk with the default."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('work_mem', %s, true)", [settings.INVOICE_RUN_WORK_MEM])


def load_subscriptions(tenant: TenantRef, ids: Sequence[uuid.UUID]) -> list[Subscription]:
    """The subscriptions `ids` (in that order) with their plans and pending plans: one
    instance per plan, shared by its subscriptions (a join would build a Plan for
    every row, and a batch has a handful of plans for hundreds of subscriptions)."""
    loaded = {s.pk: s for s in Subscription.objects.for_tenant(tenant).filter(pk__any=ids)}
    plan_ids = {s.plan_id for s in loaded.values()} | ({s.pending_plan_id for s in loaded.values()} - {None})
    plans = Plan.objects.for_tenant(tenant).in_bulk(plan_ids)
    plan_field, pending_field = Subscription.plan.field, Subscription.pending_plan.field
    for sub in loaded.values():
        plan_field.set_cached_value(sub, plans[sub.plan_id])
        pending_field.set_cached_value(sub, None if sub.pending_plan_id is None else plans[sub.pending_plan_id])
    return [loaded[pk] for pk in ids]


# A run counts its dimensional charges ahead (`count_run_ahead`) when it bills at least
# COUNT_AHEAD_MIN windows that have some (fewer: its batches' own counts cost as little)
# and at least a COUNT_AHEAD_SHARE of the live subscriptions of those plans (the pass
# reads all of their events in the windows' months); the first COUNT_AHEAD_MAX windows
# at most, which bounds the totals held in memory (about 2 KB a window at 10 buckets).
COUNT_AHEAD_MIN = 1_000
COUNT_AHEAD_SHARE = 0.25
COUNT_AHEAD_MAX = 10_000


def count_run_ahead(
    *,
    tenant: TenantRef,
    as_of: datetime,
    within: tuple[uuid.UUID, uuid.UUID] | None = None,
    after_first: int = 0,
    skip: Collection[uuid.UUID] = (),
) -> Ahead | None:
    """The dimensional counts of a run's first windows, in one pass (`Ahead`), or None
    when the run is small, has no dimensional charge, or is a small part of those
    plans' live subscriptions.

    The windows are predicted from the due subscriptions as they are now: each one's
    current period from its current segment's start, clipped to its life, as
    `period_bill` and `Bill.window` make them. Subscriptions in their trial are left
    out (ending it starts another period). A prediction that turns out wrong (the
    subscription changed before its batch) only means its batch counts it itself.
    With `after_first` (a count beside the batches, `ahead_counter`), the first batch's
    subscriptions (the first `after_first` due, less `skip`, as `bill_due_batch` takes
    them) are left out: that batch counts them itself while this count runs."""
    due = subscription_list_due(tenant=tenant, as_of=as_of)
    if within is not None:
        due = due.filter(pk__gte=within[0], pk__lte=within[1])
    first = set(due.exclude(pk__any=skip).values_list("pk", flat=True)[:after_first]) if after_first else set()
    due = due.filter(period_index__isnull=False)
    plan_ids = set(due.order_by().values_list("plan_id", flat=True).distinct())
    charges = charges_by_plan(tenant=tenant, plan_ids=plan_ids)
    dimensional = {plan for plan, cs in charges.items() if any(c.dimensions() is not None for c in cs)}
    if not dimensional:
        return None
    fields = ("pk", "customer_id", "start_at", "canceled_at", "current_period_start", "current_period_end")
    listed = list(due.filter(plan_id__any=dimensional).values_list(*fields)[: COUNT_AHEAD_MAX + len(first)])
    if len(listed) < COUNT_AHEAD_MIN:
        return None
    live = Subscription.objects.for_tenant(tenant).filter(
        plan_id__any=dimensional, status__in=Subscription.LIVE_STATUSES
    )
    if len(listed) < COUNT_AHEAD_SHARE * live.count():
        return None
    rows = [row for row in listed if row[0] not in first][:COUNT_AHEAD_MAX]
    if not rows:
        return None
    since = segment_starts(tenant=tenant, subscription_ids=[row[0] for row in rows])
    windows = [
        UsageWindow(
            customer,
            max(begin, since.get(pk, start), start),
            end if canceled is None else min(end, canceled),
        )
        for pk, customer, start, canceled, begin, end in rows
    ]
    return count_ahead(tenant=tenant, windows=windows, charges=[charges[plan] for plan in dimensional])


def bill_due_batch(
    *,
    tenant: TenantRef,
    as_of: datetime,
    now: datetime,
    batch_size: int,
    skip: Collection[uuid.UUID] = (),
    within: tuple[uuid.UUID, uuid.UUID] | None = None,
    ahead: Ahead | None = None,
) -> BatchOutcome | None:
    """Bill one batch of due subscriptions in one transaction; None when none is left.
    Subscriptions in `skip` (failed earlier in the run) are not taken again; with
    `within` (first, last), only those whose id is in that range (a run's chunk).
    `ahead`: the run's dimensional counts (`count_run_ahead`); the invoices then record
    how far usage was stored before those were counted."""
    counted = usage_stored_through(tenant=tenant)  # before the batch's transaction: the fence is brief
    if ahead is not None:
        counted = min(counted, ahead.seq)
    with transaction.atomic():
        _batch_work_mem()
        due = subscription_list_due(tenant=tenant, as_of=as_of).exclude(pk__any=skip)
        if within is not None:
            due = due.filter(pk__gte=within[0], pk__lte=within[1])
        ids = lock_rows(due[:batch_size], skip_locked=True)
        if not ids:
            return None
        subs = load_subscriptions(tenant, ids)
        states = {sub.pk: _state(sub) for sub in subs}
        walk = Walk.of(tenant, subs)
        bills = [bill for sub in subs for bill in advance(sub, as_of, walk)]
        price_bills(tenant=tenant, bills=bills, ahead=ahead)
        bills, walk, failures = _drop_failed(bills, walk, states)
        invoices = write_invoices(tenant=tenant, bills=bills, now=now, usage_seq=counted)
        failed = {f["subscription_id"] for f in failures}
        subscriptions_save_state(tenant=tenant, subscriptions=[s for s in subs if str(s.pk) not in failed])
        subscription_segments_switch(tenant=tenant, switches=[switch for _, switch in walk.switches])
        publish_subscription_events(tenant_pk(tenant), walk)
    return BatchOutcome(subscriptions=len(subs), invoices=invoices, failures=failures)


# Canceled subscriptions whose customer has events stored since the subscription was
# last invoiced (a greater seq): their late usage has no next invoice to go on. An index
# probe each (usage_cust_seq_idx), after the id cursor so that a run pages through them once.
_ADJUSTMENT_CANDIDATES_SQL = """
SELECT s.id FROM subscriptions_subscription s
JOIN LATERAL (SELECT max(i.usage_seq) AS last FROM invoices_invoice i WHERE i.subscription_id = s.id) li
     ON li.last IS NOT NULL
WHERE s.tenant_id = %(tenant)s AND s.status = 'canceled' AND s.id > %(after)s
  AND EXISTS (SELECT 1 FROM usage_usageevent e WHERE e.tenant_id = s.tenant_id AND e.customer_id = s.customer_id
              AND e.seq > li.last)
ORDER BY s.id
LIMIT %(limit)s
"""


def _adjustment_candidates(tenant_id: uuid.UUID, after: uuid.UUID, limit: int) -> list[uuid.UUID]:
    params: dict[str, Any] = {"tenant": tenant_id, "after": after, "limit": limit}
    with connection.cursor() as cursor:
        cursor.execute(_ADJUSTMENT_CANDIDATES_SQL, params)
        return [row[0] for row in cursor.fetchall()]


def adjustment_bills(*, tenant: TenantRef, subscriptions: Sequence[Subscription]) -> list[Bill]:
    """An `adjustment` bill per subscription whose billed windows changed since, over
    the span of those windows, with their late usage."""
    found = late_usage_for(tenant=tenant, subscriptions=subscriptions)
    bills = []
    for sub in subscriptions:
        if items := found.get(sub.pk):
            start, end = min(i.period_start for i in items), max(i.period_end for i in items)
            bills.append(Bill(sub, start, end, sub.plan, reason=Reason.ADJUSTMENT, late=items))
    return bills


ZERO_UUID = uuid.UUID(int=0)


def bill_adjustments_batch(
    *, tenant: TenantRef, now: datetime, batch_size: int, after: uuid.UUID = ZERO_UUID
) -> tuple[BatchOutcome, uuid.UUID] | None:
    """Bill the late usage of one batch of canceled subscriptions (ids after `after`)
    on adjustment invoices; returns the outcome and the cursor, None when done."""
    tenant_id = tenant_pk(tenant)
    counted = usage_stored_through(tenant=tenant_id)  # before the batch's transaction: the fence is brief
    with transaction.atomic():
        ids = _adjustment_candidates(tenant_id, after, batch_size)
        if not ids:
            return None
        subs = list(
            Subscription.objects.filter(pk__in=ids, tenant_id=tenant_id)
            .select_related("plan")
            .select_for_update(skip_locked=True, of=("self",))
        )
        bills = adjustment_bills(tenant=tenant_id, subscriptions=subs)
        price_bills(tenant=tenant_id, bills=bills, late=False)
        bills, _, failures = _drop_failed(bills, Walk(), {s.pk: {} for s in subs})
        invoices = write_invoices(tenant=tenant_id, bills=bills, now=now, usage_seq=counted)
    return BatchOutcome(subscriptions=len(subs), invoices=invoices, failures=failures), ids[-1]


def bill_subscription_now(
    *, tenant: TenantRef, subscription: Subscription, now: datetime, at_period_end: bool = False
) -> list[Invoice]:
    """Bill the periods of `subscription` (locked by the caller) that ended by `now`,
    as the next run would, then cancel it:

    - not `at_period_end`: a final invoice for the part of the current segment up to
      now, and cancel, dropping a pending plan change (a trial ends without a bill; so
      does a subscription canceled before its start or exactly at a period's end: an
      empty window is never billed);
    - `at_period_end`: flag it, so that the run bills the period the customer is in
      now (not one that ended unbilled before the run came by) and then cancels; 409
      while a plan change is pending.
    """
    walk = Walk.of(tenant, [subscription])
    bills = advance(subscription, now, walk)
    if subscription.is_live:
        if at_period_end:
            if subscription.pending_plan is not None:
                raise Conflict(CANCEL_WITH_CHANGE_PENDING, code="change_pending")
            subscription.cancel_at_period_end = True
        else:
            if not subscription.in_trial_window and (final := partial_bill(subscription, now, walk)):
                bills.append(final)
            _cancel(subscription, now, walk.events)
            subscription.cancel_at_period_end, subscription.pending_plan = False, None
    return commit_subscription(tenant=tenant, subscription=subscription, bills=bills, walk=walk, now=now)


def commit_subscription(
    *, tenant: TenantRef, subscription: Subscription, bills: list[Bill], walk: Walk, now: datetime
) -> list[Invoice]:
    """Price and write the bills of one subscription walked forward in memory (by a
    cancellation or a plan change), then its state, plan history and events."""
    counted = usage_stored_through(tenant=tenant)  # in the caller's (short) transaction
    price_bills(tenant=tenant, bills=bills)
    if failed := [b for b in bills if b.error]:
        raise BillingFailed(failed[0].error)
    invoices = write_invoices(tenant=tenant, bills=bills, now=now, usage_seq=counted)
    subscription.save(update_fields=[*SUBSCRIPTION_STATE_FIELDS, "cancel_at_period_end"])
    subscription_segments_switch(tenant=tenant, switches=[switch for _, switch in walk.switches])
    publish_subscription_events(tenant_pk(tenant), walk)
    return invoices


def upcoming_bill(sub: Subscription, walk: Walk) -> Bill | None:
    """The next bill that the run will make for `sub`, walked in memory (the instance
    changes: pass a copy nobody saves): the current period's at its end, or in a trial
    the first period's (the trial ends without one). None when the subscription will
    not be billed again (canceled, or canceled at the end of its trial)."""
    for _ in range(2):
        if not sub.is_live:
            return None
        if bills := advance(sub, sub.current_period_end, walk):
            return bills[0]
    return None


def preview_invoices(*, tenant: TenantRef, bills: Sequence[Bill], issued_at: Sequence[datetime]) -> list[Invoice]:
    """The invoices that writing `bills` one after the other (each at its `issued_at`)
    would make, with the run's own pricing and totals, each using the balance and the
    discounts as the ones before it left them; nothing is stored, locked or numbered
    (and no discount used). Raises BillingFailed
    when one cannot be billed."""
    if not bills:
        return []
    price_bills(tenant=tenant, bills=bills)
    if failed := [b for b in bills if b.error]:
        raise BillingFailed(failed[0].error)
    customers = {b.subscription.customer_id for b in bills}
    balances = customer_balances(tenant=tenant, bills=bills, lock=False)
    grants = grant_book(tenant=tenant, customer_ids=customers)
    rates = tax_rates_for_customers(tenant=tenant, customer_ids=customers)
    discounts = discount_book(tenant=tenant, bills=bills, now=max(issued_at), lock=False)
    made = []
    for bill, at in zip(bills, issued_at, strict=True):
        made += finalize_bills(
            tenant=tenant,
            bills=[bill],
            numbers=[""],
            now=at,
            balances=balances,
            rates=rates,
            discounts=discounts,
            grants=grants,
        )
    return [invoice for invoice, _ in made]


class BillingFailed(Exception):
    """The subscription cannot be billed (an amount beyond what an invoice can hold)."""
