"""Rounding and currencies, without a database."""

from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from plans.money import format_price, minor_unit, quantize_money
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
