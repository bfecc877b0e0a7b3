"""The lines of an invoice, from a plan's charges and the quantities of a period.

No queries and no clock: the run, the cancellation and the preview give it what they
read, so the three produce the same lines by the same math. Amounts are priced exactly
by `plans.pricing` and rounded once per line by `plans.money.quantize_money`; an
invoice's total is the sum of its rounded lines. Tier amounts in a line's breakdown
are shown rounded too, so they may differ from the line by a minor unit at most.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from billing_project.bulk import as_jsonb
from plans.dimensions import Bucket
from plans.models import Charge, Plan
from plans.money import format_quantity, prorate_money, proration_display, quantize_money
from plans.pricing import ChargeSpec, PriceResult, calculate


@dataclass
class LineDraft:
    """A line before it is stored. Not frozen (though nothing changes one once made but
    its `id`): a frozen dataclass's `__init__` sets each of these fields through
    `object.__setattr__`, a cost on every line of a run."""

    kind: str
    description: str
    quantity: Decimal
    amount: Decimal
    meter_id: uuid.UUID | None = None
    meter_code: str = ""
    model: str = ""
    tiers: list[dict[str, Any]] = field(default_factory=list)
    period_start: datetime | None = None
    period_end: datetime | None = None
    source_invoice_id: uuid.UUID | None = None
    discount_id: uuid.UUID | None = None
    filter: str | None = None  # charge dimensions (plans.dimensions): the filter's name, the group's values
    group: dict[str, str | None] | None = None
    id: int | None = None  # given when it is stored (`invoices.billing.write_invoices`)


@dataclass(frozen=True)
class SourceInvoice:
    """What a delta needs of the invoice that billed its window: its amounts, for the
    share of the price it kept after its discounts, and whether it was written off."""

    subtotal: Decimal = Decimal(0)
    discount: Decimal = Decimal(0)
    closed: bool = False  # void or uncollectible

    def kept(self) -> tuple[Decimal, Decimal]:
        """(subtotal − discount) / subtotal as a fraction, from 0 to 1: the share of a
        price its discounts left (1 without discounts)."""
        if self.discount <= 0:
            return Decimal(1), Decimal(1)
        if self.subtotal <= self.discount:
            return Decimal(0), Decimal(1)
        return self.subtotal - self.discount, self.subtotal


@dataclass(frozen=True)
class Proration:
    """The part of a period a partial window covers, in microseconds: never rounded."""

    part: int
    whole: int

    @classmethod
    def of(cls, start: datetime, end: datetime, period_start: datetime, period_end: datetime) -> Proration:
        return cls(_microseconds(end - start), _microseconds(period_end - period_start))

    @classmethod
    def of_window(cls, start: datetime, end: datetime, period: tuple[datetime, datetime]) -> Proration | None:
        """The part of `period` that the window [start, end) covers; None for the whole."""
        return None if (start, end) == period else cls.of(start, end, *period)


@dataclass(frozen=True)
class LateUsage:
    """An earlier, invoiced window whose quantity of one meter grew (or shrank) since:
    what it was billed for so far (its usage line plus earlier late-usage lines), in
    quantity and in money (`source_amount` of it on the usage line), and its quantity
    now. `charge` is the one of the plan of the window's segment; `proration` the part
    of its period the window covers; `source` what its invoice kept after discounts;
    `correction` when a void or amend changed it (the line's kind is then `correction`)."""

    charge: Charge
    period_start: datetime
    period_end: datetime
    billed_quantity: Decimal
    quantity: Decimal
    source_invoice_id: uuid.UUID | None = None
    billed_amount: Decimal = Decimal(0)
    proration: Proration | None = None
    source_amount: Decimal = Decimal(0)
    source: SourceInvoice = SourceInvoice()
    correction: bool = False  # a void or amend of an event is among the causes
    bucket: Bucket | None = None  # a dimensional charge's line (filter, group) it corrects


# A segment shorter than its period pays this part of these charges (seats held for
# half a month cost half); sums and counts only count what happened in the segment.
PRORATED_AGGREGATIONS = frozenset({"max", "unique_count"})


def _microseconds(delta: Any) -> int:
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _money(amount: Decimal, currency: str, proration: Proration | None) -> Decimal:
    """`amount` rounded to the currency, times the proration (exact) when there is one."""
    if proration is None:
        return quantize_money(amount, currency)
    return prorate_money(amount, proration.part, proration.whole, currency)


@functools.lru_cache(maxsize=4096)  # a tier's prices are the plan's: the same few pairs on every line of a run
def _tier_prices(unit_amount: Decimal, flat_amount: Decimal) -> tuple[str, str]:
    return format_quantity(unit_amount), format_quantity(flat_amount)


# One tier of `_tiers` as JSON text. Its strings are numbers formatted here (digits, a
# sign, a point: nothing to escape), its bounds ints or None (`TierLine`).
_TIER_JSON = '{"from":%d,"up_to":%s,"quantity":"%s","unit_amount":"%s","flat_amount":"%s","amount":"%s"}'
_TIER_KEYS = 6


def tiers_json(tiers: list[dict[str, Any]]) -> str:
    """A line's tiers (`_tiers`) as the JSON that `bulk.as_jsonb` would make of them,
    formatted directly: the encoder's walk of each tier's dict cost more than the
    rest of the line's row (an invoice run with charge dimensions writes a dozen
    graduated lines per invoice). Anything else than `_tiers`' shape goes through
    `as_jsonb`.

    >>> tiers_json([{"from": 0, "up_to": None, "quantity": "3", "unit_amount": "0.1", "flat_amount": "0", "amount": "0.30"}])
    '[{"from":0,"up_to":null,"quantity":"3","unit_amount":"0.1","flat_amount":"0","amount":"0.30"}]'
    """
    try:
        parts = []
        for t in tiers:
            if len(t) != _TIER_KEYS:
                raise KeyError
            up_to = t["up_to"]
            parts.append(
                _TIER_JSON
                % (
                    t["from"],
                    "null" if up_to is None else up_to,
                    t["quantity"],
                    t["unit_amount"],
                    t["flat_amount"],
                    t["amount"],
                )
            )
    except KeyError:
        return as_jsonb(tiers) or "[]"
    return "[" + ",".join(parts) + "]"


def _tiers(result: PriceResult, currency: str, proration: Proration | None = None) -> list[dict[str, Any]]:
    shown = []
    for tier in result.tiers:
        unit_amount, flat_amount = _tier_prices(tier.unit_amount, tier.flat_amount)
        shown.append(
            {
                "from": tier.from_value,
                "up_to": tier.up_to,
                "quantity": format_quantity(tier.quantity),
                "unit_amount": unit_amount,
                "flat_amount": flat_amount,
                "amount": str(_money(tier.amount, currency, proration)),
            }
        )
    return shown


def flat_fee_line(plan: Plan, proration: Proration | None = None) -> LineDraft | None:
    """The plan's fee for a period, or the part of it a partial window covers (a
    cancellation's proration: round(fee × part / whole), the fraction shown to 6
    places as the quantity). None when the plan has no fee."""
    if not plan.amount:
        return None
    fee = calculate(plan.flat_spec(), Decimal(1)).amount
    if proration is None:
        return LineDraft("flat_fee", f"{plan.name} ({plan.interval})", Decimal(1), quantize_money(fee, plan.currency))
    amount = prorate_money(fee, proration.part, proration.whole, plan.currency)
    quantity = proration_display(proration.part, proration.whole)
    return LineDraft("proration", f"{plan.name} ({plan.interval}), prorated", quantity, amount)


@dataclass(frozen=True)
class LineShape:
    """What every line of one charge's bucket has in common, whatever its quantity: the
    spec pricing it (its filter's, else the charge's), the description, the line's
    `filter` and `group`, whether a partial window prorates it. Made once per charge
    instance and bucket (`line_shape`): a run prices the same few buckets of a plan's
    charges on hundreds of invoices."""

    spec: ChargeSpec
    description: str
    filter: str | None
    group: dict[str, str | None] | None
    suffix: tuple[str, ...]  # the filter's name and the group's `key=value`s, for descriptions
    prorated: bool


def line_shape(charge: Charge, bucket: Bucket | None) -> LineShape:
    """The shape of the lines of `charge`'s `bucket` (None: a plain charge's line),
    kept on the charge instance (a charge never changes: a price change is a new plan)."""
    shapes: dict[Bucket | None, LineShape] = charge.__dict__.setdefault("_line_shapes", {})
    shape = shapes.get(bucket)
    if shape is None:
        shape = shapes[bucket] = _new_shape(charge, bucket)
    return shape


def _new_shape(charge: Charge, bucket: Bucket | None) -> LineShape:
    dims = charge.dimensions()
    spec, group = charge.to_spec(), None
    suffix: tuple[str, ...] = ()
    if bucket is not None and dims is not None:
        group = bucket.group_dict(dims.group_by)
        suffix = tuple([bucket.filter] if bucket.filter is not None else []) + tuple(
            f"{k}={'(none)' if v is None else v}" for k, v in (group or {}).items()
        )
        spec = dims.spec_of(bucket, spec)
    description = f"{charge.meter.name} ({spec.model.value})" + (f" – {', '.join(suffix)}" if suffix else "")
    return LineShape(
        spec=spec,
        description=description,
        filter=None if bucket is None or dims is None else bucket.filter,
        group=group,
        suffix=suffix,
        prorated=charge.meter.aggregation in PRORATED_AGGREGATIONS,
    )


def usage_line(
    charge: Charge,
    quantity: Decimal,
    currency: str,
    proration: Proration | None = None,
    bucket: Bucket | None = None,
) -> LineDraft:
    """The charge's price of `quantity`; for a window shorter than its period
    (`proration`), `max` and `unique_count` charges pay round(price × part / whole).
    A dimensional charge's `bucket` (filter, group) is priced by its filter's spec."""
    shape = line_shape(charge, bucket)
    result = calculate(shape.spec, quantity)
    part = proration if shape.prorated else None
    return LineDraft(
        "usage",
        shape.description,
        quantity,
        _money(result.amount, currency, part),
        charge.meter_id,
        charge.meter.code,
        shape.spec.model.value,
        _tiers(result, currency, part) if result.tiers else [],
        filter=shape.filter,
        group=shape.group,
    )


def late_usage_line(late: LateUsage, currency: str) -> LineDraft:
    """A `late_usage` (or `correction`) line: round(price(new quantity)) − Σ already billed for that window and charge, so that
    many small late pieces never round to more than the whole (4 late units at 0.005
    arriving one at a time bill 0.01, 0.00, 0.01, 0.00: 0.02 in all, as the whole).
    The price is the one the window's usage line had: its segment's charge, prorated
    as the window was.

    Deltas keep their source's price: the window's invoice kept k = (subtotal −
    discount) / subtotal of its prices, so the delta is taken at k, cumulatively:
    round(round(price(new)) × k) − round(usage line × k) − Σ earlier late lines (at k
    already). Without discounts k = 1 and this is the formula above. A negative delta
    of a window whose invoice is void or uncollectible is 0 (its debt was never paid)."""
    part, whole = late.source.kept()
    shape = line_shape(late.charge, late.bucket)
    spec = shape.spec
    price = _money(calculate(spec, late.quantity).amount, currency, late.proration if shape.prorated else None)
    delta = (
        prorate_money(price, part, whole, currency)
        - prorate_money(late.source_amount, part, whole, currency)
        - (late.billed_amount - late.source_amount)
    )
    if late.source.closed:
        delta = max(delta, Decimal(0))
    kind = "correction" if late.correction else "late_usage"
    suffix = f" ({', '.join(shape.suffix)})" if shape.suffix else ""
    return LineDraft(
        kind=kind,
        description=(
            f"{late.charge.meter.name}{suffix}: {kind.replace('_', ' ')} for "
            f"{late.period_start:%Y-%m-%d} – {late.period_end:%Y-%m-%d}"
        ),
        quantity=late.quantity - late.billed_quantity,
        amount=delta,
        meter_id=late.charge.meter_id,
        meter_code=late.charge.meter.code,
        model=spec.model.value,
        period_start=late.period_start,
        period_end=late.period_end,
        source_invoice_id=late.source_invoice_id,
        filter=shape.filter,
        group=shape.group,
    )


def invoice_lines(
    *,
    plan: Plan,
    charges: Sequence[Charge],
    quantities: dict[uuid.UUID, Decimal],
    late: Sequence[LateUsage] = (),
    proration: Proration | None = None,
    fee: bool = True,
    buckets: dict[uuid.UUID, dict[Bucket, Decimal]] | None = None,
) -> list[LineDraft]:
    """Flat fee (or its proration), one usage line per charge (per filter and group of
    a dimensional charge: `buckets` by charge id, `Dimensions.lines`), then late usage.
    Without `fee` (an adjustment invoice) only the late usage. `proration` is the part
    of its period that a partial window covers (a cancellation's, a plan change's).

    >>> [line.amount for line in invoice_lines(plan=pro, charges=[api_calls], quantities={api_calls.meter_id: Decimal(13250)})]
    [Decimal('49.00'), Decimal('21.25')]
    """
    if not fee:
        return [late_usage_line(item, plan.currency) for item in late]
    lines = [line for line in [flat_fee_line(plan, proration)] if line is not None]
    for c in charges:
        if (dims := c.dimensions()) is not None:
            found = (buckets or {}).get(c.pk, {})
            lines += [usage_line(c, q, plan.currency, proration, bucket) for bucket, q in dims.lines(found)]
        else:
            lines.append(usage_line(c, quantities.get(c.meter_id, Decimal(0)), plan.currency, proration))
    lines += [late_usage_line(item, plan.currency) for item in late]
    return lines


def lines_total(lines: Sequence[LineDraft]) -> Decimal:
    return sum((line.amount for line in lines), Decimal(0))
