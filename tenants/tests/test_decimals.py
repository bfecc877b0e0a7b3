"""The one decimal parser (tenants.decimals): what it takes, what it refuses, and why."""

from decimal import Decimal

import pytest

from tenants.decimals import DecimalInputError, decimal_problem, parse_decimal


def parse(raw, integer_digits=15, decimal_places=12):
    return parse_decimal(raw, integer_digits=integer_digits, decimal_places=decimal_places)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12.50", Decimal("12.50")),
        ("-3", Decimal(-3)),
        ("0", Decimal(0)),
        ("-0", Decimal(0)),
        ("-0.000", Decimal("0.000")),
        ("0e-1000000", Decimal(0)),  # zero, however small its exponent
        ("1E+3", Decimal(1000)),
        ("2.50e1", Decimal(25)),
        ("007", Decimal(7)),
        ("999999999999999.999999999999", Decimal("999999999999999.999999999999")),
        ("1.500000000000000000000", Decimal("1.5")),  # trailing zeros do not count
        ("1000000000000000e-1", Decimal("100000000000000")),
        (42, Decimal(42)),
        (1e-05, Decimal("0.00001")),
        (2.5, Decimal("2.5")),
    ],
)
def test_it_takes_plain_decimal_numbers(raw, expected):
    value = parse(raw)
    assert value == expected
    assert value.is_signed() == (expected < 0)  # no negative zero


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("1e1000000", "max_whole_digits"),
        ("1000000000000000", "max_whole_digits"),
        ("1e15", "max_whole_digits"),
        (1e16, "max_whole_digits"),
        (10**15, "max_whole_digits"),
        ("1e-1000000", "max_decimal_places"),
        ("1e250331866695369004172", "max_whole_digits"),  # beyond Decimal's exponents (found by test_fuzz)
        ("-1.5e250331866695369004172", "max_whole_digits"),
        ("1e-250331866695369004172", "max_decimal_places"),
        ("0.0000000000001", "max_decimal_places"),
        ("NaN", "invalid"),
        ("sNaN", "invalid"),
        ("Infinity", "invalid"),
        ("-inf", "invalid"),
        (float("inf"), "invalid"),
        (float("nan"), "invalid"),
        ("1_000", "invalid"),
        (" 1", "invalid"),
        ("1 ", "invalid"),
        ("1\n", "invalid"),
        ("+1", "invalid"),
        (".5", "invalid"),
        ("5.", "invalid"),
        ("1e", "invalid"),
        ("0x10", "invalid"),
        ("١", "invalid"),
        ("", "invalid"),
        ("1" * 101, "invalid"),
        (True, "invalid"),
        (None, "invalid"),
        (Decimal(1), "invalid"),
        (["1"], "invalid"),
    ],
)
def test_it_refuses_what_only_python_reads_and_what_is_out_of_bounds(raw, code):
    with pytest.raises(DecimalInputError) as error:
        parse(raw)
    assert error.value.code == code


def test_the_bounds_are_the_callers():
    assert parse("123456789.5", integer_digits=9, decimal_places=1) == Decimal("123456789.5")
    with pytest.raises(DecimalInputError):
        parse("1234567890", integer_digits=9, decimal_places=1)


def test_decimal_problem_checks_a_decimal_built_elsewhere():
    assert decimal_problem(Decimal("1e9"), integer_digits=9, decimal_places=12) == "max_whole_digits"
    assert decimal_problem(Decimal("999999999"), integer_digits=9, decimal_places=12) is None
    assert decimal_problem(Decimal("Infinity"), integer_digits=9, decimal_places=12) == "invalid"
