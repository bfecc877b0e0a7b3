"""An invoice's amounts from its rounded lines and the customer's balance.

Pure (no ORM, no clock), like `plans.pricing`: the run, the cancellation and the
preview all call it, so an invoice and its preview agree. The order is API.md Part 2,
"Invoice totals"; discounts, taxes and credit grants join it with the features that
bring them:

- `subtotal` = Σ of the lines (each already rounded to the minor unit);
- `total` = the subtotal, never below 0: a negative subtotal (a late volume delta that
  fell, say) is credited to the customer balance (`to_balance`), nothing is lost;
- `credits_applied` = what the balance available in the invoice's currency pays;
- `amount_due` = total − credits_applied; 0 means paid at once.

>>> invoice_totals([Decimal("49.00"), Decimal("-89.00")], balance=Decimal(0))
Totals(subtotal=Decimal('-40.00'), total=Decimal('0'), to_balance=Decimal('40.00'), credits_applied=Decimal('0'), amount_due=Decimal('0'))
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

ZERO = Decimal(0)


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    total: Decimal
    to_balance: Decimal
    credits_applied: Decimal
    amount_due: Decimal

    @property
    def balance_change(self) -> Decimal:
        """What the invoice does to the customer's balance: + credited, − used."""
        return self.to_balance - self.credits_applied


def invoice_totals(line_amounts: Iterable[Decimal], *, balance: Decimal) -> Totals:
    """The amounts of an invoice whose lines are `line_amounts`, for a customer whose
    balance in the invoice's currency is `balance` (≥ 0) before this invoice."""
    subtotal = sum(line_amounts, ZERO)
    total = max(subtotal, ZERO)
    to_balance = total - subtotal
    credits_applied = min(max(balance, ZERO), total)
    return Totals(subtotal, total, to_balance, credits_applied, total - credits_applied)
