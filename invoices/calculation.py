"""The lines of an invoice, from a plan's charges and the quantities of a period.

No queries and no clock: the run, the cancellation and the preview give it what they
read, so the three produce the same lines by the same math. Amounts are priced exactly
by `plans.pricing` and rounded once per line by `plans.money.quantize_money`; an
invoice's total is the sum of its rounded lines. Tier amounts in a line's breakdown
are shown rounded too, so they may differ from the line by a minor unit at most.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from plans.models import Charge, Plan
from plans.money import format_quantity, quantize_money
from plans.pricing import PriceResult, calculate

INTERVAL_WORDS = {"month": "month", "year": "year"}


@dataclass(frozen=True)
class LineDraft:
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


@dataclass(frozen=True)
class LateUsage:
    """An earlier, invoiced period whose quantity of one meter grew (or shrank) since."""

    charge: Charge
    period_start: datetime
    period_end: datetime
    billed_quantity: Decimal
    quantity: Decimal
    source_invoice_id: uuid.UUID | None = None


def _tiers(result: PriceResult, currency: str) -> list[dict[str, Any]]:
    return [
        {
            "from": tier.from_value,
            "up_to": tier.up_to,
            "quantity": format_quantity(tier.quantity),
            "unit_amount": format_quantity(tier.unit_amount),
            "flat_amount": format_quantity(tier.flat_amount),
            "amount": str(quantize_money(tier.amount, currency)),
        }
        for tier in result.tiers
    ]


def flat_fee_line(plan: Plan, fraction: Decimal | None = None) -> LineDraft | None:
    """The plan's fee for a period, or `fraction` of it (a cancellation's proration).
    None when the plan has no fee."""
    if not plan.amount:
        return None
    interval = INTERVAL_WORDS.get(plan.interval, plan.interval)
    if fraction is None:
        amount = quantize_money(calculate(plan.flat_spec(), Decimal(1)).amount, plan.currency)
        return LineDraft("flat_fee", f"{plan.name} ({interval})", Decimal(1), amount)
    amount = quantize_money(calculate(plan.flat_spec(), fraction).amount, plan.currency)
    return LineDraft("proration", f"{plan.name} ({interval}), prorated", fraction, amount)


def usage_line(charge: Charge, quantity: Decimal, currency: str) -> LineDraft:
    result = calculate(charge.to_spec(), quantity)
    return LineDraft(
        kind="usage",
        description=f"{charge.meter.name} ({charge.model})",
        quantity=quantity,
        amount=quantize_money(result.amount, currency),
        meter_id=charge.meter_id,
        meter_code=charge.meter.code,
        model=charge.model,
        tiers=_tiers(result, currency),
    )


def late_usage_line(late: LateUsage, currency: str) -> LineDraft:
    """price(billed + late) − price(billed) of the earlier period, rounded once."""
    spec = late.charge.to_spec()
    delta = calculate(spec, late.quantity).amount - calculate(spec, late.billed_quantity).amount
    return LineDraft(
        kind="late_usage",
        description=(
            f"{late.charge.meter.name}: late usage for {late.period_start:%Y-%m-%d} – {late.period_end:%Y-%m-%d}"
        ),
        quantity=late.quantity - late.billed_quantity,
        amount=quantize_money(delta, currency),
        meter_id=late.charge.meter_id,
        meter_code=late.charge.meter.code,
        model=late.charge.model,
        period_start=late.period_start,
        period_end=late.period_end,
        source_invoice_id=late.source_invoice_id,
    )


def invoice_lines(
    *,
    plan: Plan,
    charges: Sequence[Charge],
    quantities: dict[uuid.UUID, Decimal],
    late: Sequence[LateUsage] = (),
    fraction: Decimal | None = None,
) -> list[LineDraft]:
    """Flat fee (or its proration), one usage line per charge, then late usage.

    >>> [line.amount for line in invoice_lines(plan=pro, charges=[api_calls], quantities={api_calls.meter_id: Decimal(13250)})]
    [Decimal('49.00'), Decimal('21.25')]
    """
    lines = [line for line in [flat_fee_line(plan, fraction)] if line is not None]
    lines += [usage_line(c, quantities.get(c.meter_id, Decimal(0)), plan.currency) for c in charges]
    lines += [late_usage_line(item, plan.currency) for item in late]
    return lines


def lines_total(lines: Sequence[LineDraft]) -> Decimal:
    return sum((line.amount for line in lines), Decimal(0))
