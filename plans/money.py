"""Currencies and rounding: the one place where amounts are rounded.

Pricing (`plans.pricing`) returns exact amounts; an invoice line is rounded once, here,
to its currency's minor unit (ISO 4217 exponent: USD 2, JPY 0, KWD 3) with
ROUND_HALF_UP, and an invoice total is the sum of its rounded lines.
"""

from __future__ import annotations

import copy
import decimal
from contextlib import AbstractContextManager
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from babel import Locale
from babel.numbers import NumberPattern, parse_pattern

from tenants.validators import currency_exponent

__all__ = [
    "MONEY_ROUNDING",
    "currency_exponent",
    "format_money",
    "format_price",
    "format_quantity",
    "minor_unit",
    "money_arithmetic",
    "percent_money",
    "prorate_money",
    "proration_display",
    "quantize_money",
]

MONEY_ROUNDING = ROUND_HALF_UP
# Room for the 24 digits of a stored price and for any realistic invoice amount: the
# default context (28 digits) would raise InvalidOperation on a large amount.
_CONTEXT = decimal.Context(prec=100, rounding=MONEY_ROUNDING)


@cache  # a currency's minor unit never changes; the lookup costs more than the rounding
def minor_unit(currency: str) -> Decimal:
    """The smallest amount of `currency`: Decimal("0.01") for USD, Decimal("1") for JPY.

    Unknown or lower-case codes raise django's ValidationError (tenants.validators).
    """
    return Decimal(1).scaleb(-currency_exponent(currency))


def quantize_money(amount: Decimal, currency: str) -> Decimal:
    """`amount` rounded half up to the minor unit of `currency`.

    >>> quantize_money(Decimal("0.125"), "USD"), quantize_money(Decimal("2.5"), "JPY")
    (Decimal('0.13'), Decimal('3'))
    """
    return amount.quantize(minor_unit(currency), rounding=MONEY_ROUNDING, context=_CONTEXT)


def prorate_money(amount: Decimal, part: int | Decimal, whole: int | Decimal, currency: str) -> Decimal:
    """`amount` × part / whole, rounded once to the minor unit (half up): a prorated
    fee (parts of a period), a credit note's share of its invoice's tax, or a late
    delta at the share of its price its source invoice kept after discounts.

    The fraction itself is never rounded (API.md: proration by microseconds), so a
    large fee is not off by the fraction's rounding: 99,999.00 for 1 of 3 parts is
    33,333.00, not 33,332.97 as with a fraction rounded to 6 places.

    >>> prorate_money(Decimal("99999.00"), 1, 3, "USD")
    Decimal('33333.00')
    """
    exact = _CONTEXT.divide(_CONTEXT.multiply(amount, Decimal(part)), Decimal(whole))
    return quantize_money(exact, currency)


def percent_money(amount: Decimal, percentage: Decimal, currency: str) -> Decimal:
    """`amount` × percentage / 100, rounded once to the minor unit: a tax of a rate, or
    a percentage discount. Half up is symmetric, so a negative base (a credit) gives
    exactly the negative of the positive one's amount.

    >>> percent_money(Decimal("6.00"), Decimal("6.25"), "USD"), percent_money(Decimal("-6.00"), Decimal("2.625"), "USD")
    (Decimal('0.38'), Decimal('-0.16'))
    """
    exact = _CONTEXT.divide(_CONTEXT.multiply(amount, percentage), Decimal(100))
    return quantize_money(exact, currency)


def money_arithmetic() -> AbstractContextManager[decimal.Context]:
    """`with money_arithmetic():` Decimal operators exact to 100 digits, wide enough
    for any invoice amount (the default context rounds past 28)."""
    return decimal.localcontext(_CONTEXT)


def proration_display(part: int, whole: int) -> Decimal:
    """The fraction part / whole to 6 places, as a proration line shows it (never used
    to compute an amount)."""
    return _CONTEXT.divide(Decimal(part), Decimal(whole)).quantize(Decimal("0.000001"), context=_CONTEXT)


def format_price(amount: Decimal, currency: str) -> str:
    """A stored price as the API shows it: trailing zeros beyond the currency's minor
    unit dropped, never rounded, never in exponent notation.

    >>> format_price(Decimal("49.000000000000"), "USD"), format_price(Decimal("0.002000000000"), "USD")
    ('49.00', '0.002')
    """
    places = currency_exponent(currency)
    normalized = amount.normalize(context=_CONTEXT)
    if normalized.as_tuple().exponent > -places:  # type: ignore[operator]
        # Padding to the minor unit only adds zeros, so this never rounds.
        normalized = normalized.quantize(Decimal(1).scaleb(-places), context=_CONTEXT)
    return f"{normalized if normalized else abs(normalized):f}"


def format_money(amount: Decimal, currency: str, locale: str) -> str:
    r"""`amount` written as people of `locale` write `currency` (babel's CLDR pattern:
    symbol, separators, minus sign), with exactly the digits of `format_price`: the
    currency's minor unit by ISO 4217 (not CLDR's own digits for it, which differ for
    some: RSD, IQD, LBP), more where a price has more, never rounded.

    >>> format_money(Decimal("1234.5"), "EUR", "de_DE"), format_money(Decimal("12.50"), "RSD", "en_US")
    ('1.234,50\xa0€', 'RSD12.50')
    >>> format_money(Decimal("-12.345"), "KWD", "en_US"), format_money(Decimal("0.000125"), "USD", "en_US")
    ('-KWD12.345', '$0.000125')
    """
    pattern = copy.copy(_currency_pattern(locale))
    pattern.frac_prec = (currency_exponent(currency), currency_exponent(currency))
    with money_arithmetic():  # babel quantizes in the current context: wide enough for any amount
        return pattern.apply(
            Decimal(format_price(amount, currency)),
            locale,
            currency=currency,
            currency_digits=False,
            decimal_quantization=False,  # the minor unit at least, every digit the amount has
        )


@cache
def _currency_pattern(locale: str) -> NumberPattern:
    return parse_pattern(Locale.parse(locale).currency_formats["standard"])


def format_quantity(value: Decimal) -> str:
    """A quantity as the API shows it: no trailing zeros, no exponent, never rounded.

    >>> format_quantity(Decimal("1234.000000000000")), format_quantity(Decimal("0E-12"))
    ('1234', '0')
    """
    return f"{value.normalize(context=_CONTEXT):f}" if value else "0"
