"""An invoice's amounts: lines → discounts → taxes → total → credits → amount due.

Pure (no ORM, no clock), like `plans.pricing`: the run, the cancellation and the
preview all call it with what they read, so an invoice and its preview agree. The
order is API.md Part 2, "Invoice totals", and every amount is rounded to the minor
unit as it is made (`plans.money`; nothing here calls `.quantize()`):

1. `subtotal` = Σ of the charge lines (each already rounded);
2. `discounts`, in order, each capped at what is left of the base (Σ of the non-delta
   charge lines less earlier discounts): an amount, or `PercentOff` = round(left × p / 100);
   `discount` = their sum;
3. `taxes`: per rate, round((subtotal − discount) × percentage / 100), on the signed
   base, each rate rounded on its own; `tax` = their sum;
4. `total` = subtotal − discount + tax, never below 0: a negative part is credited to
   the customer balance (`to_balance`), nothing is lost;
5. `credits_applied`: credit grants in the order given, then the balance, at most the
   total;
6. `amount_due` = total − credits_applied; 0 means paid at once.

A `credit_purchase` invoice (an advance payment) has no discount, no tax and uses no
credits.

>>> state, city = TaxRateSpec("state", "State", Decimal("6.25")), TaxRateSpec("city", "City", Decimal("2.625"))
>>> lines = [LineAmount("flat_fee", Decimal("49.00")), LineAmount("usage", Decimal("5.00"))]
>>> t = invoice_totals(lines, currency="USD", tax_rates=[state, city])
>>> t.subtotal, [x.amount for x in t.taxes], t.tax, t.total
(Decimal('54.00'), [Decimal('3.38'), Decimal('1.42')], Decimal('4.80'), Decimal('58.80'))

(3.375 and 1.4175 rounded on their own; one rate of 8.875 % would give 4.79.)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from plans.money import money_arithmetic, percent_money, prorate_money, quantize_money
from plans.taxes import TaxRateSpec

ZERO = Decimal(0)
# Late usage and corrections keep their source invoice's price: the carrying invoice's
# discounts do not apply to them (API.md, "Deltas keep their source's price").
DELTA_KINDS = frozenset({"late_usage", "correction"})
DISCOUNT_KIND = "discount"
LINE_NOT_ROUNDED = "Line amounts are rounded to the currency's minor unit before the totals: {amount}"
DISCOUNT_LINE_GIVEN = "Discounts are given as `discounts`, not as lines."
DISCOUNT_NEGATIVE = "A discount is an amount ≥ 0 or a percentage from 0 to 100: {discount}"


class PricedLine(Protocol):
    """What the totals read of a line: a `LineDraft`, a stored `InvoiceLine`, a `LineAmount`."""

    @property
    def kind(self) -> str: ...

    @property
    def amount(self) -> Decimal: ...


@dataclass(frozen=True)
class LineAmount:
    kind: str
    amount: Decimal


@dataclass(frozen=True)
class PercentOff:
    """A discount of a percentage of what is left of the base (a `percent_off` coupon)."""

    percentage: Decimal


Discount = Decimal | PercentOff


@dataclass(frozen=True)
class TaxAmount:
    """One rate's tax on an invoice, as `taxes[]` shows it (frozen at finalization)."""

    code: str
    name: str
    percentage: Decimal
    taxable: Decimal
    amount: Decimal


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    discount: Decimal
    tax: Decimal
    total: Decimal
    to_balance: Decimal
    credits_applied: Decimal
    amount_due: Decimal
    discounts: tuple[Decimal, ...] = ()
    taxes: tuple[TaxAmount, ...] = ()
    grants_applied: tuple[Decimal, ...] = ()
    balance_applied: Decimal = ZERO

    @property
    def balance_change(self) -> Decimal:
        """What the invoice does to the customer's balance: + credited, − used."""
        return self.to_balance - self.balance_applied


def invoice_totals(
    lines: Iterable[PricedLine],
    *,
    currency: str,
    balance: Decimal = ZERO,
    discounts: Sequence[Discount] = (),
    tax_rates: Sequence[TaxRateSpec] = (),
    grants: Sequence[Decimal] = (),
    credit_purchase: bool = False,
) -> Totals:
    """The amounts of an invoice in `currency` whose charge lines are `lines` (rounded),
    with `discounts` (in the order they apply), `tax_rates` (in the order shown), the
    `grants` that may pay it (their remaining amounts, in the order they are used) and
    the customer's `balance` (≥ 0) in `currency` before this invoice."""
    lines = list(lines)
    _check_lines(lines, currency)
    if credit_purchase:
        discounts, tax_rates, grants, balance = (), (), (), ZERO
    with money_arithmetic():
        subtotal = sum((line.amount for line in lines), ZERO)
        base = sum((line.amount for line in lines if line.kind not in DELTA_KINDS), ZERO)
        applied = _apply_discounts(base, discounts, currency)
        discount = sum(applied, ZERO)
        taxable = subtotal - discount
        taxes = tuple(TaxAmount(r.code, r.name, r.percentage, taxable, r.tax(taxable, currency)) for r in tax_rates)
        tax = sum((t.amount for t in taxes), ZERO)
        signed_total = subtotal - discount + tax
        total = max(signed_total, ZERO)
        grants_applied = _use(total, grants)
        balance_applied = _use(total - sum(grants_applied, ZERO), [balance])[0]
        credits_applied = sum(grants_applied, ZERO) + balance_applied
        return Totals(
            subtotal=subtotal,
            discount=discount,
            tax=tax,
            total=total,
            to_balance=total - signed_total,
            credits_applied=credits_applied,
            amount_due=total - credits_applied,
            discounts=applied,
            taxes=taxes,
            grants_applied=grants_applied,
            balance_applied=balance_applied,
        )


def _check_lines(lines: Sequence[PricedLine], currency: str) -> None:
    for line in lines:
        if line.kind == DISCOUNT_KIND:
            raise ValueError(DISCOUNT_LINE_GIVEN)
        if quantize_money(line.amount, currency) != line.amount:
            raise ValueError(LINE_NOT_ROUNDED.format(amount=line.amount))


def _apply_discounts(base: Decimal, discounts: Sequence[Discount], currency: str) -> tuple[Decimal, ...]:
    """Each discount rounded, then capped at what is left of the base (never below 0)."""
    left, applied = max(base, ZERO), []
    for discount in discounts:
        if isinstance(discount, PercentOff):
            if not ZERO <= discount.percentage <= 100:
                raise ValueError(DISCOUNT_NEGATIVE.format(discount=discount))
            wanted = percent_money(left, discount.percentage, currency)
        else:
            if discount < 0:
                raise ValueError(DISCOUNT_NEGATIVE.format(discount=discount))
            wanted = quantize_money(discount, currency)
        applied.append(min(wanted, left))
        left -= applied[-1]
    return tuple(applied)


def _use(due: Decimal, available: Sequence[Decimal]) -> tuple[Decimal, ...]:
    """How much of each available credit pays `due`, in order (never more than it has)."""
    used = []
    for amount in available:
        used.append(min(max(amount, ZERO), due))
        due -= used[-1]
    return tuple(used)


def credit_note_tax(
    amount: Decimal,
    *,
    credited_before: Decimal,
    tax_before: Decimal,
    invoice_total: Decimal,
    invoice_tax: Decimal,
    currency: str,
) -> Decimal:
    """A credit note's share of its invoice's tax, rounded cumulatively (API.md Part 2,
    "Credit notes"): round(Σ notes so far × tax / total) − Σ earlier notes' tax, so
    that notes adding up to the total carry exactly the invoice's tax.

    >>> [credit_note_tax(Decimal("10.00"), credited_before=Decimal(n) * 10, tax_before=t, invoice_total=Decimal("30.00"),
    ...  invoice_tax=Decimal("1.00"), currency="USD") for n, t in [(0, ZERO), (1, Decimal("0.33")), (2, Decimal("0.67"))]]
    [Decimal('0.33'), Decimal('0.34'), Decimal('0.33')]
    """
    with money_arithmetic():
        return prorate_money(credited_before + amount, invoice_tax, invoice_total, currency) - tax_before
