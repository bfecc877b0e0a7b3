"""Serializer fields that several apps share for their input."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tenants.decimals import DECIMAL_PATTERN, MAX_DECIMAL_TEXT, DecimalInputError, decimal_pattern, parse_decimal

_INTEGER = re.compile(r"-?[0-9]{1,100}")
TIME_WITHOUT_OFFSET = "Give the time in RFC 3339 with its UTC offset, like 2026-02-01T00:00:00Z."


@extend_schema_field({"type": "string", "format": "decimal", "pattern": DECIMAL_PATTERN})
class StrictDecimalField(serializers.DecimalField):
    """A DecimalField that parses with `tenants.decimals.parse_decimal` (then pads to
    `decimal_places`, as DRF does). `strings_only` refuses JSON numbers.

    `openapi_constraints` (tenants.openapi) states its bounds in the schema: a pattern of
    what `parse_decimal` accepts within them, and the longest text it reads. `positive`:
    the caller refuses 0 (with its own code); the pattern then also asks for a non-zero
    digit before any exponent, so the schema says so too.
    """

    def __init__(
        self,
        *,
        integer_digits: int,
        decimal_places: int,
        strings_only: bool = False,
        positive: bool = False,
        **kwargs: Any,
    ) -> None:
        self.integer_digits, self.strings_only, self.positive = integer_digits, strings_only, positive
        super().__init__(max_digits=integer_digits + decimal_places, decimal_places=decimal_places, **kwargs)

    @property
    def openapi_constraints(self) -> dict[str, Any]:
        signed = self.min_value is None or self.min_value < 0
        # A maximum other than the digits' own is stated when it is the next power of ten (100%).
        top = self.max_value is not None and self.max_value == 10 ** (self.integer_digits - 1)
        pattern = decimal_pattern(
            integer_digits=self.integer_digits, decimal_places=self.decimal_places or 0, signed=signed, top=top
        )
        if self.positive:
            pattern = "^(?=[^eE]*[1-9])" + pattern.removeprefix("^")
        return {"pattern": pattern, "maxLength": MAX_DECIMAL_TEXT}

    def to_internal_value(self, data: Any) -> Decimal:
        if self.strings_only and not isinstance(data, str):
            self.fail("invalid")
        places = self.decimal_places or 0
        try:
            value = parse_decimal(data, integer_digits=self.integer_digits, decimal_places=places)
        except DecimalInputError as exc:
            self.fail(exc.code, max_whole_digits=self.integer_digits, max_decimal_places=places)
        return self.quantize(value)


class StrictIntegerField(serializers.IntegerField):
    """DRF's IntegerField without what only Python's int() reads in a string: `" 1"`,
    `"1_000"`, `"+1"`, `"١"`. JSON numbers are read as DRF reads them."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, str) and not _INTEGER.fullmatch(data):
            self.fail("invalid")
        return int(super().to_internal_value(data))


class AwareDateTimeField(serializers.DateTimeField):
    """An RFC 3339 time with its offset. DRF would read a time without one (or a bare
    date) in the server's zone; like usage timestamps, it is refused instead."""

    default_error_messages = {"naive": TIME_WITHOUT_OFFSET}

    def to_internal_value(self, value: Any) -> datetime:
        try:
            sent = parse_datetime(value) if isinstance(value, str) else None
        except ValueError:  # well-formed but impossible: DRF's own message follows
            sent = None
        if sent is not None and timezone.is_naive(sent):
            self.fail("naive")
        return super().to_internal_value(value)
