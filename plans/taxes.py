"""Tax rates as the totals see them: pure data, no ORM (like `plans.pricing`).

A rate is added on top of what it taxes: amount = round(taxable × percentage / 100),
each rate rounded on its own (`plans.money.percent_money`), on the signed base, so a
negative invoice (a late volume delta that fell) gets a negative tax. The rows are
`plans.models.TaxRate`; `TaxRate.to_spec()` gives this.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from plans.money import percent_money

# 0–100 with at most 4 decimal places ("8.875", "6.25", "19").
PERCENTAGE_DECIMAL_PLACES = 4
PERCENTAGE_MAX = Decimal(100)


@dataclass(frozen=True)
class TaxRateSpec:
    code: str
    name: str
    percentage: Decimal

    def tax(self, taxable: Decimal, currency: str) -> Decimal:
        """This rate's tax on `taxable`, rounded to the minor unit.

        >>> TaxRateSpec("city", "City", Decimal("2.625")).tax(Decimal("6.00"), "USD")
        Decimal('0.16')
        """
        return percent_money(taxable, self.percentage, currency)
