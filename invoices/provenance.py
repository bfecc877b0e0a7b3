"""Invoice line provenance (API.md Part 2): the usage events a `usage`, `late_usage` or
`correction` line counted, as they were when its invoice was finalized, and the line's
quantity recomputed from them.

"As they were" needs no copy per line: an invoice keeps the usage sequence it counted
through (`Invoice.usage_seq`, W), and every event's revisions keep the `seq` they took
(`UsageEventRevision.seq`), so the events as of W are read back at any time
(`usage.selectors.usage_events_as_of`); an amend after the invoice changes nothing here.

- A `usage` line of invoice I: the customer's events of the line's meter with a
  timestamp in I's window [period_start, period_end), counted as of W_I (stored by then,
  not voided then), with their revision, value and properties then. Quantity: the
  meter's aggregation of them. `max`: every counted event is listed, the first
  (by timestamp, then id) with the largest value has `sets_max`. `unique_count`: one
  event per distinct value (the first by timestamp, then id); events without the
  property count nowhere and are not listed.
- A delta line (`late_usage`, `correction`) on invoice J for the window of invoice I:
  the window was billed as of W0 = the largest `usage_seq` among I and the invoices
  before J (lower `usage_seq`) that carry a delta line for that window and meter; J
  counts it as of W_J. The line lists every event whose revision differs between W0
  and W_J (`changed`: stored after W0, amended or voided in between), each with its
  state at J (`revision`, `value`, …) and as billed (`billed`, null when it was not
  stored yet), plus the unchanged events without which the quantities cannot be
  recomputed (`changed: false`): for `max` the event that set the maximum at either
  watermark, for `unique_count` one unchanged event for each value that a changed
  event had or has. Quantity: new − billed, where new and billed are the
  aggregation of the listed events' states at W_J and W0 (what the whole window's
  aggregation gives at each, since unlisted events are the same on both sides).

Known limit: the run takes its watermark, then counts in its own transaction; an event
committed in between (its `seq` above W) is counted by the run but is not in W's
provenance (the next invoice then finds the quantity billed and adds no line). Lines of
invoices made before the revisions kept their `seq` show earlier revisions as older
than every invoice.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import F, Max, Q, QuerySet

from invoices.dimension_provenance import in_bucket, line_bucket, line_dimensions
from invoices.models import Invoice, InvoiceLine
from invoices.totals import DELTA_KINDS
from plans.models import Meter
from tenants.errors import NotFound
from tenants.models import TenantRef
from usage.models import UsageEvent
from usage.selectors import (
    UsageWindow,
    usage_event_setting_max,
    usage_events_as_of,
    usage_events_one_per_value,
    usage_quantity_as_of,
)

INVOICE_LINE_NOT_FOUND = "No such line on this invoice."
LINE_COUNTS_NO_EVENTS = "Only usage, late_usage and correction lines count usage events; this line is a {kind} line."
EVENT_KINDS = frozenset({InvoiceLine.Kind.USAGE, *DELTA_KINDS})
AT, BILLED = "at_", "billed_"
# The event's revision at this invoice is the one billed before (annotations of usage_events_as_of).
UNCHANGED = Q(**{f"{AT}revision": F(f"{BILLED}revision")})


def _at(lookup: str, value: Any) -> Q:
    """A condition on an event's state at this invoice (`at_<lookup>`)."""
    return Q(**{f"{AT}{lookup}": value})


@dataclass(frozen=True)
class LineProvenance:
    """What a line counted. `events` (ordered by timestamp, then id) carry their state
    at this invoice (`at_*` annotations) and, for a delta line, as billed (`billed_*`).
    `quantity` is recomputed; `counted_quantity` and `billed_quantity` are the window's
    quantity at this invoice's and at the billed watermark (delta lines)."""

    line: InvoiceLine
    invoice: Invoice
    meter: Meter
    window: UsageWindow
    usage_seq: int
    billed_usage_seq: int | None
    quantity: Decimal
    counted_quantity: Decimal
    billed_quantity: Decimal | None
    events: QuerySet[UsageEvent]
    sets_max: int | None = None
    billed_sets_max: int | None = None

    @property
    def is_delta(self) -> bool:
        return self.billed_usage_seq is not None


def invoice_line_provenance(*, tenant: TenantRef, invoice: Invoice, line_id: int) -> LineProvenance:
    """The provenance of line `line_id` of `invoice` (found in `tenant` by the caller).
    404 when the invoice has no such line, or when the line counts no events (a fee,
    a proration, a discount)."""
    line = (
        InvoiceLine.objects.for_tenant(tenant).filter(invoice_id=invoice.pk, pk=line_id).select_related("meter").first()
    )
    if line is None:
        raise NotFound(INVOICE_LINE_NOT_FOUND)
    if line.kind not in EVENT_KINDS or line.meter is None:
        raise NotFound(LINE_COUNTS_NO_EVENTS.format(kind=line.kind), code="line_counts_no_events")
    if line.kind == InvoiceLine.Kind.USAGE:
        return _usage_provenance(tenant, invoice, line, line.meter)
    return _delta_provenance(tenant, invoice, line, line.meter)


def _usage_provenance(tenant: TenantRef, invoice: Invoice, line: InvoiceLine, meter: Meter) -> LineProvenance:
    watermark = invoice.usage_seq
    window = UsageWindow(invoice.customer_id, invoice.period_start, invoice.period_end)
    every = usage_events_as_of(tenant=tenant, window=window, meter=meter, watermarks={AT: watermark})
    if (dims := line_dimensions(tenant=tenant, invoice=invoice, line=line, start=window.start)) is not None:
        every, condition = in_bucket(every, dims, line_bucket(dims, line), AT)
        every = every.filter(condition)
    quantity = usage_quantity_as_of(every, prefix=AT, aggregation=meter.aggregation)
    if meter.aggregation == Meter.Aggregation.UNIQUE_COUNT:
        events = every.filter(pk__in=usage_events_one_per_value(every, prefix=AT))
    else:
        events = every.filter(_at("counted", True))
    return LineProvenance(
        line=line, invoice=invoice, meter=meter, window=window, usage_seq=watermark, billed_usage_seq=None,
        quantity=quantity, counted_quantity=quantity, billed_quantity=None, events=events,
        sets_max=_max_of(every, AT, meter),
    )  # fmt: skip


def billed_watermark(*, tenant: TenantRef, invoice: Invoice, line: InvoiceLine) -> int:
    """How far usage was stored when the window of delta `line` was last billed before
    `invoice`: its source invoice's watermark, or a later delta line's for the window."""
    source = Invoice.objects.for_tenant(tenant).get(pk=line.source_invoice_id)
    earlier = InvoiceLine.objects.for_tenant(tenant).filter(
        source_invoice_id=source.pk,
        meter_id=line.meter_id,
        kind__in=DELTA_KINDS,
        invoice__usage_seq__lt=invoice.usage_seq,
    )
    # A dimensional charge's delta lines: the same bucket's only.
    earlier = earlier.filter(
        Q(filter_name__isnull=True) if line.filter_name is None else Q(filter_name=line.filter_name),
        Q(group_values__isnull=True) if line.group_values is None else Q(group_values=line.group_values),
    )
    latest = earlier.aggregate(latest=Max("invoice__usage_seq"))["latest"]
    return max(source.usage_seq, latest or 0)


def _delta_provenance(tenant: TenantRef, invoice: Invoice, line: InvoiceLine, meter: Meter) -> LineProvenance:
    watermark = invoice.usage_seq
    assert line.period_start is not None and line.period_end is not None  # delta lines name their window
    window = UsageWindow(invoice.customer_id, line.period_start, line.period_end)
    billed = billed_watermark(tenant=tenant, invoice=invoice, line=line)
    every = usage_events_as_of(tenant=tenant, window=window, meter=meter, watermarks={AT: watermark, BILLED: billed})
    at_events, billed_events = every, every
    if (dims := line_dimensions(tenant=tenant, invoice=invoice, line=line, start=window.start)) is not None:
        # A dimensional charge's line: the events of its bucket at either watermark.
        every, at_bucket = in_bucket(every, dims, line_bucket(dims, line), AT)
        every, billed_bucket = in_bucket(every, dims, line_bucket(dims, line), BILLED)
        at_events, billed_events = every.filter(at_bucket), every.filter(billed_bucket)
        every = every.filter(at_bucket | billed_bucket)
    new = usage_quantity_as_of(at_events, prefix=AT, aggregation=meter.aggregation)
    old = usage_quantity_as_of(billed_events, prefix=BILLED, aggregation=meter.aggregation)
    # An event changed since W0 has a greater seq now (corrections take a new one).
    changed = list(every.filter(seq__gt=billed).exclude(UNCHANGED).values_list("pk", flat=True))
    sets_max, billed_sets_max = _max_of(at_events, AT, meter), _max_of(billed_events, BILLED, meter)
    listed = {*changed, *(pk for pk in (sets_max, billed_sets_max) if pk is not None)}
    if meter.aggregation == Meter.Aggregation.UNIQUE_COUNT:
        listed |= _unique_witnesses(every, changed)
    return LineProvenance(
        line=line, invoice=invoice, meter=meter, window=window, usage_seq=watermark, billed_usage_seq=billed,
        quantity=new - old, counted_quantity=new, billed_quantity=old, events=every.filter(pk__in=listed),
        sets_max=sets_max, billed_sets_max=billed_sets_max,
    )  # fmt: skip


def _max_of(events: QuerySet[UsageEvent], prefix: str, meter: Meter) -> int | None:
    if meter.aggregation != Meter.Aggregation.MAX:
        return None
    return usage_event_setting_max(events, prefix=prefix)


def _unique_witnesses(events: QuerySet[UsageEvent], changed: list[int]) -> set[int]:
    """For each value a changed event had (as billed) or has (now), one unchanged
    event counted with that value, if any: whether the value counts on either side
    then shows in the listed events alone."""
    states = events.filter(pk__in=changed).values_list(  # type: ignore[misc]
        "at_counted", "at_unique_value", "billed_counted", "billed_unique_value"
    )
    touched = {v for counted, v, _, _ in states if counted and v is not None}
    touched |= {v for _, _, counted, v in states if counted and v is not None}
    unchanged = events.exclude(pk__in=changed).filter(UNCHANGED, _at("unique_value__in", touched))
    return set(usage_events_one_per_value(unchanged, prefix=AT))
