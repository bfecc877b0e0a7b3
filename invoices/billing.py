"""The invoicing engine: bill due subscriptions in batches, exactly once.

A batch is one transaction: lock up to INVOICE_RUN_BATCH_SIZE due subscriptions with
`SELECT … FOR UPDATE SKIP LOCKED` (concurrent runs take different ones), walk each
forward to `as_of` (end a trial, bill every ended period in order, cancel at period
end), aggregate all their usage windows with one grouped query, price the lines,
take the invoice numbers from the tenant's sequence, and write invoices, lines, the
billed quantities and the rolled subscriptions with bulk statements. A crash anywhere
rolls the whole batch back; the unique (subscription, period_start) constraint would
refuse a second invoice of a period even if the locking were bypassed.

Late usage: each time a subscription is invoiced, events stored since its previous
invoice (less LATE_USAGE_MARGIN, for ingestion transactions still in flight then)
whose timestamps fall in periods already invoiced send those periods to be counted
again; a quantity that differs from what the period was billed for (its usage line
plus earlier late-usage lines for it) becomes a `late_usage` line on this invoice,
worth price(new) − price(billed). Counting again is idempotent: an event seen twice
(inside the margin) finds the quantity already billed and adds nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max

from billing_project.bulk import insert_rows
from invoices.calculation import LateUsage, LineDraft, invoice_lines, lines_total
from invoices.metrics import INVOICES_TOTAL
from invoices.models import Invoice, InvoiceLine
from invoices.serializers import invoice_body
from plans.models import Charge
from plans.selectors import charges_by_plan
from subscriptions.models import Subscription
from subscriptions.selectors import subscription_list_due
from subscriptions.serializers import SubscriptionOutput
from subscriptions.services import subscriptions_save_state
from usage.selectors import UsageWindow, usage_totals_for_period
from webhooks.models import EventType
from webhooks.services import events_publish

LATE_USAGE_MARGIN = timedelta(minutes=10)
# A subscription backdated by decades still finishes in one run; the cap only stops
# a bad anchor from looping for ever.
MAX_PERIODS_PER_RUN = 1200


@dataclass
class Bill:
    """One invoice to write: a subscription's period (or the part of it, `fraction`)."""

    subscription: Subscription
    start: datetime
    end: datetime
    fraction: Decimal | None = None
    late: list[LateUsage] = field(default_factory=list)
    lines: list[LineDraft] = field(default_factory=list)


@dataclass
class BatchOutcome:
    subscriptions: int = 0
    invoices: list[Invoice] = field(default_factory=list)


def _advance(sub: Subscription, as_of: datetime, events: list[tuple[str, Subscription]]) -> list[Bill]:
    """Walk `sub` forward to `as_of` in memory: the bills of every period that ended,
    the trial's end and a cancellation at period end (with their events)."""
    bills: list[Bill] = []
    if sub.in_trial_window and sub.current_period_end <= as_of:
        if sub.cancel_at_period_end:  # canceled during the trial: nothing to bill
            _cancel(sub, sub.current_period_end, events)
            return bills
        sub.status = Subscription.Status.ACTIVE
        _roll(sub)
        events.append((EventType.SUBSCRIPTION_TRIAL_ENDED, sub))
    while sub.is_live and sub.current_period_end <= as_of and len(bills) < MAX_PERIODS_PER_RUN:
        bills.append(Bill(sub, sub.current_period_start, sub.current_period_end))
        if sub.cancel_at_period_end:
            _cancel(sub, sub.current_period_end, events)
        else:
            _roll(sub)
    return bills


def _roll(sub: Subscription) -> None:
    sub.period_index, sub.current_period_start, sub.current_period_end = sub.next_period()


def _cancel(sub: Subscription, at: datetime, events: list[tuple[str, Subscription]]) -> None:
    sub.status = Subscription.Status.CANCELED
    sub.canceled_at = at
    events.append((EventType.SUBSCRIPTION_CANCELED, sub))


def partial_bill(sub: Subscription, now: datetime) -> Bill:
    """The bill of the current period up to `now`: the fee prorated by elapsed
    seconds over the period's seconds, usage to `now` (a cancellation's final invoice)."""
    elapsed = (now - sub.current_period_start).total_seconds()
    length = (sub.current_period_end - sub.current_period_start).total_seconds()
    fraction = (Decimal(str(elapsed)) / Decimal(str(length))).quantize(Decimal("0.000001"))
    return Bill(sub, sub.current_period_start, now, fraction=min(max(fraction, Decimal(0)), Decimal(1)))


def price_bills(*, tenant_id: uuid.UUID, bills: Sequence[Bill]) -> None:
    """Fill each bill's lines: usage of its window (one grouped query for all of them),
    late usage of earlier periods (on a subscription's first bill), the flat fee."""
    if not bills:
        return
    charges = charges_by_plan(tenant=tenant_id, plan_ids={b.subscription.plan_id for b in bills})
    meters = {c.meter_id: c.meter for plan_charges in charges.values() for c in plan_charges}
    windows = [UsageWindow(b.subscription.customer_id, b.start, b.end) for b in bills]
    totals = usage_totals_for_period(tenant_id=tenant_id, windows=windows, meters=list(meters.values()))
    _attach_late_usage(tenant_id, bills, charges)
    for bill, window in zip(bills, windows, strict=True):
        plan_charges = charges[bill.subscription.plan_id]
        quantities = {c.meter_id: totals[(window, c.meter_id)] for c in plan_charges}
        bill.lines = invoice_lines(
            plan=bill.subscription.plan,
            charges=plan_charges,
            quantities=quantities,
            late=bill.late,
            fraction=bill.fraction,
        )


# Invoiced periods (and meters) of these subscriptions that got events stored since the
# subscription was last invoiced, with what they were billed so far: the usage line of
# the period's invoice plus the late-usage lines that later invoices added for it.
_LATE_CANDIDATES_SQL = """
WITH w AS (SELECT * FROM unnest(%(subs)s::uuid[], %(customers)s::uuid[], %(since)s::timestamptz[])
           AS w(subscription_id, customer_id, since)),
touched AS (
    SELECT DISTINCT i.id AS invoice_id, e.meter_id
    FROM w
    JOIN usage_usageevent e ON e.tenant_id = %(tenant)s AND e.customer_id = w.customer_id AND e.created_at > w.since
    JOIN invoices_invoice i ON i.subscription_id = w.subscription_id
         AND e.timestamp >= i.period_start AND e.timestamp < i.period_end
)
SELECT t.invoice_id, i.subscription_id, i.customer_id, t.meter_id, i.period_start, i.period_end,
       coalesce(sum(l.quantity), 0) AS billed
FROM touched t
JOIN invoices_invoice i ON i.id = t.invoice_id
LEFT JOIN invoices_invoiceline l ON l.meter_id = t.meter_id
     AND ((l.invoice_id = t.invoice_id AND l.kind = 'usage') OR (l.source_invoice_id = t.invoice_id))
GROUP BY t.invoice_id, i.subscription_id, i.customer_id, t.meter_id, i.period_start, i.period_end
ORDER BY i.period_start
"""


def _attach_late_usage(tenant_id: uuid.UUID, bills: Sequence[Bill], charges: dict[uuid.UUID, list[Charge]]) -> None:
    """Count again the invoiced periods that got late events; a changed quantity
    becomes a late-usage line on the subscription's first bill of this run."""
    first_bill: dict[uuid.UUID, Bill] = {}
    for bill in bills:
        first_bill.setdefault(bill.subscription.pk, bill)
    last_invoiced = _last_invoiced_at(list(first_bill))
    if not last_invoiced:
        return
    subs = [first_bill[s].subscription for s in last_invoiced]
    params: dict[str, Any] = {
        "tenant": tenant_id,
        "subs": [s.pk for s in subs],
        "customers": [s.customer_id for s in subs],
        "since": [last_invoiced[s.pk] - LATE_USAGE_MARGIN for s in subs],
    }
    with connection.cursor() as cursor:
        cursor.execute(_LATE_CANDIDATES_SQL, params)
        touched = cursor.fetchall()
    charge_of = {(plan_id, c.meter_id): c for plan_id, cs in charges.items() for c in cs}
    candidates = []
    for invoice_id, sub_id, customer_id, meter_id, start, end, billed in touched:
        charge = charge_of.get((first_bill[sub_id].subscription.plan_id, meter_id))
        if charge is not None:  # events of a meter the plan does not charge cost nothing
            candidates.append((invoice_id, sub_id, UsageWindow(customer_id, start, end), charge, billed))
    if not candidates:
        return
    meters = list({c.meter_id: c.meter for _, _, _, c, _ in candidates}.values())
    totals = usage_totals_for_period(tenant_id=tenant_id, windows=list({c[2] for c in candidates}), meters=meters)
    for invoice_id, sub_id, window, charge, billed in candidates:
        quantity = totals[(window, charge.meter_id)]
        if quantity != billed:
            late = LateUsage(charge, window.start, window.end, billed, quantity, invoice_id)
            first_bill[sub_id].late.append(late)


def _last_invoiced_at(subscription_ids: list[uuid.UUID]) -> dict[uuid.UUID, datetime]:
    """When each subscription was last invoiced (its usage last counted), if ever."""
    rows = (
        Invoice.all_tenants.filter(subscription_id__in=subscription_ids)
        .values("subscription_id")
        .order_by()
        .annotate(last=Max("issued_at"))
    )
    return {r["subscription_id"]: r["last"] for r in rows}


_NEXT_NUMBERS_SQL = """
INSERT INTO invoices_invoicesequence (tenant_id, last_number) VALUES (%s, %s)
ON CONFLICT (tenant_id) DO UPDATE SET last_number = invoices_invoicesequence.last_number + EXCLUDED.last_number
RETURNING last_number
"""


def _take_numbers(tenant_id: uuid.UUID, count: int) -> list[str]:
    """`count` consecutive numbers of the tenant's sequence; the row stays locked until
    the transaction ends, so numbers are gapless and in commit order."""
    with connection.cursor() as cursor:
        cursor.execute(_NEXT_NUMBERS_SQL, [tenant_id, count])
        last = cursor.fetchone()[0]
    return [f"INV-{n:06d}" for n in range(last - count + 1, last + 1)]


_INVOICE_COLUMNS = {
    "id": "uuid", "tenant_id": "uuid", "number": "text", "customer_id": "uuid", "subscription_id": "uuid",
    "status": "text", "currency": "text", "period_start": "timestamptz", "period_end": "timestamptz",
    "subtotal": "numeric", "total": "numeric", "issued_at": "timestamptz", "due_at": "timestamptz",
    "paid_at": "timestamptz", "voided_at": "timestamptz", "created_at": "timestamptz",
}  # fmt: skip
_LINE_COLUMNS = {
    "tenant_id": "uuid", "invoice_id": "uuid", "position": "smallint", "kind": "text", "description": "text",
    "meter_id": "uuid", "meter_code": "text", "model": "text", "quantity": "numeric", "amount": "numeric",
    "tiers": "jsonb", "period_start": "timestamptz", "period_end": "timestamptz", "source_invoice_id": "uuid",
}  # fmt: skip


def line_row(tenant_id: uuid.UUID, invoice_id: uuid.UUID, position: int, draft: LineDraft) -> dict[str, Any]:
    """The stored columns of a line (a dict: the run writes thousands with `insert_rows`)."""
    return {
        "tenant_id": tenant_id, "invoice_id": invoice_id, "position": position, "kind": draft.kind,
        "description": draft.description[:300], "meter_id": draft.meter_id, "meter_code": draft.meter_code,
        "model": draft.model, "quantity": draft.quantity, "amount": draft.amount, "tiers": draft.tiers,
        "period_start": draft.period_start, "period_end": draft.period_end, "source_invoice_id": draft.source_invoice_id,
    }  # fmt: skip


def build_invoice(*, tenant_id: uuid.UUID, bill: Bill, number: str, now: datetime) -> Invoice:
    """The finalized invoice of a priced bill: open, or paid at once when its total is 0."""
    sub, total = bill.subscription, lines_total(bill.lines)
    return Invoice(
        id=uuid.uuid4(), tenant_id=tenant_id, number=number, customer_id=sub.customer_id, subscription_id=sub.pk,
        status=Invoice.Status.OPEN if total > 0 else Invoice.Status.PAID, currency=sub.plan.currency,
        period_start=bill.start, period_end=bill.end, subtotal=total, total=total, issued_at=now,
        due_at=now + timedelta(days=settings.INVOICE_DUE_DAYS), paid_at=None if total > 0 else now, created_at=now,
    )  # fmt: skip


def _body(invoice: Invoice, bill: Bill) -> Callable[[], dict[str, Any]]:
    return lambda: invoice_body(invoice, bill.lines)  # built only if an endpoint receives it


def write_invoices(*, tenant_id: uuid.UUID, bills: Sequence[Bill], now: datetime) -> list[Invoice]:
    """Store the priced bills as finalized invoices with their lines and publish
    `invoice.finalized` for each. Runs inside the caller's transaction."""
    if not bills:
        return []
    numbers = _take_numbers(tenant_id, len(bills))
    invoices = [
        build_invoice(tenant_id=tenant_id, bill=b, number=n, now=now) for b, n in zip(bills, numbers, strict=True)
    ]
    lines = [
        line_row(tenant_id, inv.id, i, d) for inv, b in zip(invoices, bills, strict=True) for i, d in enumerate(b.lines)
    ]
    insert_rows(
        Invoice._meta.db_table, _INVOICE_COLUMNS, [{k: getattr(i, k) for k in _INVOICE_COLUMNS} for i in invoices]
    )
    insert_rows(InvoiceLine._meta.db_table, _LINE_COLUMNS, lines)
    events_publish(
        tenant=tenant_id,
        events=[(EventType.INVOICE_FINALIZED, _body(inv, b)) for inv, b in zip(invoices, bills, strict=True)],
    )
    for invoice in invoices:
        INVOICES_TOTAL.labels(status=invoice.status).inc()
    _collect_on_commit(tenant_id, [inv for inv in invoices if inv.status == Invoice.Status.OPEN])
    return invoices


def _collect_on_commit(tenant_id: uuid.UUID, invoices: list[Invoice]) -> None:
    """Send open invoices to the payment provider once the transaction commits."""
    if not invoices or not settings.PAYMENT_PROVIDER_URL:
        return
    from invoices import tasks  # tasks import the services

    ids = [str(inv.pk) for inv in invoices]

    def queue_payment_collection() -> None:
        for invoice_id in ids:
            tasks.invoice_collect_payment.delay(str(tenant_id), invoice_id)

    transaction.on_commit(queue_payment_collection, robust=True)


def publish_subscription_events(tenant_id: uuid.UUID, events: list[tuple[str, Subscription]]) -> None:
    if events:
        events_publish(tenant=tenant_id, events=[(kind, _subscription_body(sub)) for kind, sub in events])


def _subscription_body(sub: Subscription) -> Callable[[], dict[str, Any]]:
    return lambda: SubscriptionOutput(sub).data


SUBSCRIPTION_STATE_FIELDS = ["status", "period_index", "current_period_start", "current_period_end", "canceled_at"]


def bill_due_batch(*, tenant_id: uuid.UUID, as_of: datetime, now: datetime, batch_size: int) -> BatchOutcome | None:
    """Bill one batch of due subscriptions in one transaction; None when none is left."""
    with transaction.atomic():
        subs = list(
            subscription_list_due(tenant=tenant_id, as_of=as_of)
            .select_related("plan")
            .select_for_update(skip_locked=True, of=("self",))[:batch_size]
        )
        if not subs:
            return None
        events: list[tuple[str, Subscription]] = []
        bills = [bill for sub in subs for bill in _advance(sub, as_of, events)]
        price_bills(tenant_id=tenant_id, bills=bills)
        invoices = write_invoices(tenant_id=tenant_id, bills=bills, now=now)
        subscriptions_save_state(tenant=tenant_id, subscriptions=subs)
        publish_subscription_events(tenant_id, events)
    return BatchOutcome(subscriptions=len(subs), invoices=invoices)


def bill_subscription_now(
    *, tenant_id: uuid.UUID, subscription: Subscription, now: datetime, cancel: bool, at_period_end: bool = False
) -> list[Invoice]:
    """Bill the periods of `subscription` (locked by the caller) that ended by `now`,
    as the next run would, then:

    - `cancel` and not `at_period_end`: a final invoice for the part of the current
      period up to now, and cancel (a trial ends without a bill);
    - `at_period_end`: flag it, so that the run bills the period the customer is in
      now (not one that ended unbilled before the run came by) and then cancels.
    """
    events: list[tuple[str, Subscription]] = []
    bills = _advance(subscription, now, events)
    if cancel and subscription.is_live:
        if at_period_end:
            subscription.cancel_at_period_end = True
        else:
            if not subscription.in_trial_window:
                bills.append(partial_bill(subscription, now))
            _cancel(subscription, now, events)
            subscription.cancel_at_period_end = False
    price_bills(tenant_id=tenant_id, bills=bills)
    invoices = write_invoices(tenant_id=tenant_id, bills=bills, now=now)
    subscription.save(update_fields=[*SUBSCRIPTION_STATE_FIELDS, "cancel_at_period_end"])
    publish_subscription_events(tenant_id, events)
    return invoices
