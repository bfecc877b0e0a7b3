"""Validators that several apps share; tenants is the top of the app order, so they live here."""

from django.core.exceptions import ValidationError
from iso4217 import Currency

UNKNOWN_CURRENCY = "Unknown currency {code!r}: use an upper-case ISO 4217 code with a minor unit, like USD."


def currency_exponent(code: str) -> int:
    """The ISO 4217 minor-unit exponent of `code` (USD 2, JPY 0, KWD 3).

    Codes must be upper case; funds and metals without a minor unit (XAU) are rejected.
    """
    try:
        exponent = Currency(code).exponent if code == code.upper() else None
    except ValueError:
        exponent = None
    if exponent is None:
        raise ValidationError(UNKNOWN_CURRENCY.format(code=code), code="invalid_currency")
    return exponent


def validate_currency_code(code: str) -> None:
    currency_exponent(code)
