"""Rounding and currencies, without a database."""

import doctest
from decimal import Decimal as D

import pytest
from babel import Locale
from babel.numbers import get_currency_symbol, parse_decimal
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from plans import money
from plans.money import format_money, format_price, minor_unit, quantize_money
from plans.pricing import ChargeSpec, TierSpec, calculate


@pytest.mark.parametrize(
    ("amount", "currency", "rounded"),
    [
        ("0.125", "USD", "0.13"),
        ("0.005", "USD", "0.01"),
        ("0.0049999", "USD", "0.00"),
        ("2.675", "USD", "2.68"),
        ("-0.125", "USD", "-0.13"),
        ("49", "USD", "49.00"),
        ("0.5", "JPY", "1"),
        ("2.5", "JPY", "3"),
        ("1234.4999", "JPY", "1234"),
        ("0.0005", "KWD", "0.001"),
        ("1.2345", "KWD", "1.235"),
        ("1.2344", "KWD", "1.234"),
        ("123456789012345678901234567890.005", "USD", "123456789012345678901234567890.01"),
    ],
)
def test_quantize_money_rounds_half_up_to_the_minor_unit(amount, currency, rounded):
    result = quantize_money(D(amount), currency)
    assert result == D(rounded)
    assert str(result) == rounded


@pytest.mark.parametrize(("currency", "unit"), [("USD", "0.01"), ("EUR", "0.01"), ("JPY", "1"), ("KWD", "0.001")])
def test_minor_unit_follows_iso_4217(currency, unit):
    assert minor_unit(currency) == D(unit)


@pytest.mark.parametrize("currency", ["usd", "XXY", "XAU", ""])
def test_unknown_lower_case_or_unitless_currencies_are_refused(currency):
    with pytest.raises(ValidationError):
        quantize_money(D(1), currency)


@pytest.mark.parametrize(
    ("amount", "currency", "text"),
    [
        ("49.000000000000", "USD", "49.00"),
        ("0.002000000000", "USD", "0.002"),
        ("0.000125000000", "USD", "0.000125"),
        ("0E-12", "USD", "0.00"),
        ("-0E-12", "USD", "0.00"),
        ("100.000000000000", "JPY", "100"),
        ("0.500000000000", "JPY", "0.5"),
        ("1.500000000000", "KWD", "1.500"),
        ("1000000", "USD", "1000000.00"),
    ],
)
def test_format_price_drops_zeros_beyond_the_minor_unit_and_never_rounds(amount, currency, text):
    assert format_price(D(amount), currency) == text


@pytest.mark.parametrize(
    ("spec", "quantity", "currency", "line"),
    [
        (ChargeSpec.per_unit(D("0.000125")), "1234", "USD", "0.15"),
        (ChargeSpec.per_unit(D("0.001")), "125", "USD", "0.13"),
        (ChargeSpec.per_unit(D("0.001")), "5", "USD", "0.01"),
        (ChargeSpec.per_unit(D("1.5")), "3", "JPY", "5"),
        (ChargeSpec.tiered([TierSpec(10, D("0.0125")), TierSpec(None, D("0.0001"))]), "10", "KWD", "0.125"),
        (ChargeSpec.tiered([TierSpec(10, D("0.0125")), TierSpec(None, D("0.0001"))]), "15", "KWD", "0.126"),
    ],
)
def test_a_priced_line_is_rounded_once_to_the_currency(spec, quantity, currency, line):
    assert quantize_money(calculate(spec, D(quantity)).amount, currency) == D(line)


# Documents: amounts in the currency's format (babel), with the API's digits


# amount, currency, locale, then the text (separated by single spaces; the text may hold
# the no-break spaces that CLDR puts between a number and its symbol).
FORMATTED = """
1234.5 USD en_US $1,234.50
-7.03 USD en_US -$7.03
1234.5 EUR de_DE 1.234,50\xa0€
1234.5 CHF fr_CH 1\u202f234,50\xa0CHF
1234 JPY ja_JP ￥1,234
12.345 KWD en_US KWD12.345
123456.78 INR hi_IN ₹1,23,456.78
12.50 RSD en_US RSD12.50
1.250 IQD en_US IQD1.250
0.000125000000 USD en_US $0.000125
-0E-12 USD en_US $0.00
49.000000000000 USD en_US $49.00
123456789012345678901234567890123456.78 USD en_US $123,456,789,012,345,678,901,234,567,890,123,456.78
"""


# RSD and IQD: CLDR writes them without decimals; ISO 4217 (and so every amount) has 2
# and 3. A price keeps the digits it has; zero is never negative.
@pytest.mark.parametrize(
    ("amount", "currency", "locale", "text"), [row.split(" ", 3) for row in FORMATTED.split("\n") if row]
)
def test_format_money_writes_the_currency_as_the_locale_does_with_the_apis_digits(amount, currency, locale, text):
    assert format_money(D(amount), currency, locale) == text


def _number_in(text: str, currency: str, locale: str) -> D:
    """The number in a formatted amount, read back by babel (the currency's symbol,
    spaces and signs dropped)."""
    symbols = Locale.parse(locale).number_symbols["latn"]
    kept = set("0123456789") | {symbols["decimal"], symbols["group"]}
    number = "".join(ch for ch in text.replace(get_currency_symbol(currency, locale), "") if ch in kept)
    negative = symbols["minusSign"] in text or "-" in text
    return -parse_decimal(number, locale) if negative else parse_decimal(number, locale)


@given(
    amount=st.decimals(min_value=-(10**15), max_value=10**15, places=6, allow_nan=False, allow_infinity=False),
    currency=st.sampled_from(["USD", "EUR", "JPY", "KWD", "RSD", "CLF", "INR"]),
    locale=st.sampled_from(["en_US", "de_DE", "fr_CH", "ja_JP", "hi_IN", "sv_SE", "ar_EG"]),
)
def test_format_money_agrees_with_the_decimal_amount(amount, currency, locale):
    """Never rounded, never a float: the number written is the amount the API shows."""
    text = format_money(amount, currency, locale)
    assert _number_in(text, currency, locale) == D(format_price(amount, currency))


def test_the_money_module_examples_hold():
    assert doctest.testmod(money).failed == 0
