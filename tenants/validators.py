"""Validators that several apps share; tenants is the top of the app order, so they live here."""

import itertools
from typing import Any

from django.core.exceptions import ValidationError
from iso4217 import Currency

UNKNOWN_CURRENCY = "Unknown currency {code!r}: use an upper-case ISO 4217 code with a minor unit, like USD."
# What `currency_exponent` accepts, for the OpenAPI schema's enum.
CURRENCY_CODES: tuple[str, ...] = tuple(sorted(c.code for c in Currency if c.exponent is not None))


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


def contains_nul(value: Any) -> bool:
    """Whether a JSON value has a NUL character in any string or key. PostgreSQL stores
    it neither in text nor in jsonb, so such input must be refused (400), not reach the
    database (a 500)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(contains_nul(k) or contains_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(contains_nul(item) for item in value)
    return False


DUNNING_MAX_RETRIES = 10
DUNNING_MAX_DAY = 365
RETRY_DAYS_INVALID = (
    f"retry_days is a list of at most {DUNNING_MAX_RETRIES} whole numbers of days from 1 to {DUNNING_MAX_DAY}, "
    "strictly increasing, like [3, 5, 7]; [] for no retries."
)


def retry_days_valid(days: Any) -> bool:
    """A dunning schedule: at most DUNNING_MAX_RETRIES days from 1 to DUNNING_MAX_DAY,
    strictly increasing."""
    return (
        isinstance(days, list | tuple)
        and len(days) <= DUNNING_MAX_RETRIES
        and all(isinstance(day, int) and not isinstance(day, bool) and 1 <= day <= DUNNING_MAX_DAY for day in days)
        and all(a < b for a, b in itertools.pairwise(days))
    )


def validate_retry_days(days: Any) -> None:
    """The model field's validator (the admin's form): the API's rule."""
    if not retry_days_valid(days):
        raise ValidationError(RETRY_DAYS_INVALID, code="invalid_retry_days")
