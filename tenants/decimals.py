"""The one decimal parser of the API: usage values, prices and payment amounts.

Python's `Decimal()` takes more than a client should send: `"1_000"`, `" 1"`, `"+1"`,
`"NaN"`, `"١"` (an Arabic-Indic one), and `"1e1000000"`, which is a valid Decimal that
overflows the first arithmetic done on it (a 500). Accepted here: an optional minus,
ASCII digits, an optional fraction and an optional exponent (`"12.50"`, `"-3"`,
`"1E+3"`, `"1e-05"`), within a bound of integer digits and decimal places that is
checked on the digits, without arithmetic. `-0` is 0. Pure: no Django, no DRF
(`tenants.fields.StrictDecimalField` is the serializer field).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

DECIMAL_PATTERN = r"^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$"
_DECIMAL = re.compile(DECIMAL_PATTERN)
# Longer texts are refused unread: 15 + 12 digits, a sign, a point and an exponent fit.
MAX_DECIMAL_TEXT = 100


class DecimalInputError(ValueError):
    """Why a decimal was refused: `code` is the error key of DRF's DecimalField,
    `invalid`, `max_whole_digits` or `max_decimal_places`."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def parse_decimal(raw: Any, *, integer_digits: int, decimal_places: int) -> Decimal:
    """`raw` (a string, or a JSON number) as a Decimal with at most `integer_digits`
    before the point and `decimal_places` after it; else DecimalInputError.

    >>> parse_decimal("0.50", integer_digits=9, decimal_places=12), parse_decimal("-0", integer_digits=1, decimal_places=0)
    (Decimal('0.50'), Decimal('0'))
    """
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise DecimalInputError("invalid")
    try:
        text = raw if isinstance(raw, str) else str(raw)
    except ValueError:  # an int too long to print (over 4,300 digits)
        raise DecimalInputError("invalid") from None
    if len(text) > MAX_DECIMAL_TEXT or not _DECIMAL.fullmatch(text):
        raise DecimalInputError("invalid")
    try:
        value = Decimal(text)
    except InvalidOperation:  # an exponent beyond Decimal's own (10^18): beyond any bound
        raise DecimalInputError("max_decimal_places" if "-" in text.lstrip("-") else "max_whole_digits") from None
    problem = decimal_problem(value, integer_digits=integer_digits, decimal_places=decimal_places)
    if problem:
        raise DecimalInputError(problem)
    return value if value else value.copy_abs()  # "-0" is 0


def decimal_pattern(*, integer_digits: int, decimal_places: int, signed: bool = False, top: bool = False) -> str:
    """A regular expression (ECMAScript and Python) of the texts `parse_decimal` accepts
    within the bounds, for the OpenAPI schema; not `signed`: the values ≥ 0 ("-0" too).

    Plain notation is stated exactly (leading zeros and the fraction's trailing zeros do
    not count). In exponent notation the bounds depend on the exponent, so the pattern
    states the syntax only and the value is checked on arrival. `top`: the values go up
    to 10^(integer_digits - 1) inclusive (a percentage: 0 to 100), not to 10^integer_digits.
    """
    fraction = rf"(?:\.[0-9]{{1,{decimal_places}}}0*)?" if decimal_places else r"(?:\.0+)?"
    sign = "-?" if signed else ""
    plain = rf"{sign}0*[0-9]{{1,{integer_digits}}}{fraction}"
    if top:
        below = integer_digits - 1
        zeros = "0" * below
        plain = rf"{sign}0*(?:[0-9]{{1,{below}}}{fraction}|1{zeros}(?:\.0+)?)"
    mantissa = r"-?[0-9]+(?:\.[0-9]+)?" if signed else r"(?:[0-9]+(?:\.[0-9]+)?|-0+(?:\.0+)?)"
    zero = "" if signed else r"|-0+(?:\.0+)?"
    return rf"^(?:{plain}{zero}|{mantissa}[eE][-+]?[0-9]+)$"


def decimal_problem(value: Decimal, *, integer_digits: int, decimal_places: int) -> str | None:
    """The DecimalInputError code for a `value` out of bounds, or None. Trailing zeros do
    not count ("1.500" has one decimal place, "1E+3" four integer digits)."""
    if not value.is_finite():
        return "invalid"
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # finite
    significant = len(digits)
    while significant and digits[significant - 1] == 0:
        significant -= 1
        exponent += 1
    if not significant:
        return None  # zero
    if -exponent > decimal_places:
        return "max_decimal_places"
    if significant + exponent > integer_digits:
        return "max_whole_digits"
    return None
