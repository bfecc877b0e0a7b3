"""Parsing and validating usage events: shared by the single and batch endpoints and
the backfill command, so that every way in applies the same rules.

Rules (API.md, Usage): `value` a decimal string (or a whole number, never a float) ≥ 0 below 10^15 with at most 12 decimal
places (default 1; parsed by `tenants.decimals`, the API's one decimal parser); `timestamp`
RFC 3339, from 1970-01-01 (UTC) to USAGE_MAX_FUTURE_SECONDS ahead (default now); `properties` a JSON
object of at most 8 KB; the customer (by external id) and the meter (by code) must
exist in the tenant; a `unique_count` meter needs its property in `properties`.
Negative values are refused: a usage correction is not a usage event (Stripe's meter
events are non-negative too).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.validators import RegexValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail

from plans.models import Meter
from tenants.decimals import MAX_DECIMAL_TEXT, DecimalInputError, decimal_pattern, parse_decimal
from tenants.idempotency import IDEMPOTENCY_KEY_RE, validate_idempotency_key
from tenants.models import TenantRef
from tenants.parsers import NULL_CHARACTER
from tenants.validators import contains_nul
from usage.models import VALUE_DECIMAL_PLACES, UsageEvent
from usage.selectors import customer_ids_by_external_id, meters_by_code

PROPERTIES_MAX_BYTES = 8 * 1024
# |value| < 10^15: a sum of such events still fits an invoice's quantity and amount
# columns; the column (usage.models) is wider, for what older versions stored.
VALUE_MAX_INTEGER_DIGITS = 15
# The values `_parse_value` accepts, for the OpenAPI schema.
VALUE_SCHEMA = {
    "oneOf": [
        {
            "type": "string",
            "pattern": decimal_pattern(integer_digits=VALUE_MAX_INTEGER_DIGITS, decimal_places=VALUE_DECIMAL_PLACES),
            "maxLength": MAX_DECIMAL_TEXT,
        },
        {"type": "integer", "minimum": 0, "maximum": 10**VALUE_MAX_INTEGER_DIGITS - 1},
    ],
    "description": (
        f'Default "1". A decimal string ≥ 0 below 10^{VALUE_MAX_INTEGER_DIGITS} with at most '
        f"{VALUE_DECIMAL_PLACES} decimal places, or a whole number"
    ),
}

MISSING_IDEMPOTENCY_KEY = "The Idempotency-Key header is required."
REQUIRED = "This field is required."
NOT_A_STRING = "Must be a string of 1 to {max} characters."
NOT_AN_OBJECT = "Each event must be a JSON object."
BAD_VALUE = (
    f'value must be a decimal string ≥ 0 like "12.5" (or a whole number), with at most {VALUE_MAX_INTEGER_DIGITS} '
    f"digits before the point and {VALUE_DECIMAL_PLACES} after it."
)
BAD_TIMESTAMP = "timestamp must be an RFC 3339 date-time with a UTC offset, like 2026-01-15T10:00:00Z."
TIMESTAMP_IN_FUTURE = "timestamp may be at most {seconds} seconds in the future."
TIMESTAMP_TOO_EARLY = "timestamp must be on or after 1970-01-01T00:00:00Z."
# Like a subscription's start_at (no subscription bills earlier usage); it also keeps
# out times that have no UTC datetime, such as 0001-01-01T00:00:00+01:00.
TIMESTAMP_MIN = datetime(1970, 1, 1, tzinfo=UTC)
PROPERTIES_NOT_OBJECT = "properties must be a JSON object."
PROPERTIES_TOO_LARGE = "properties must be at most 8 KB of JSON."
PROPERTIES_NUL = "properties may not contain NUL characters (\\u0000)."
UNKNOWN_CUSTOMER = "No customer with external_id {value!r} in this tenant."
UNKNOWN_METER = "No meter with code {value!r} in this tenant."
MISSING_UNIQUE_PROPERTY = "Meter {meter!r} counts distinct values of properties.{prop}: it is missing."

FieldErrors = dict[str, list[str]]


def _parse_string(data: dict[str, Any], name: str, max_length: int, errors: FieldErrors) -> str | None:
    value = data.get(name)
    if value is None:
        errors[name] = [REQUIRED]
    elif not isinstance(value, str) or not 0 < len(value) <= max_length:
        errors[name] = [NOT_A_STRING.format(max=max_length)]
    elif "\x00" in value:  # the API's JSON reader refuses it first; a CSV backfill line does not
        errors[name] = [NULL_CHARACTER]
    else:
        return value
    return None


def _parse_value(raw: Any) -> Decimal | None:
    # A decimal string, or a whole JSON number: a float has already lost digits on its
    # way here (docs/DESIGN.md: no float in JSON). The text is read by the one decimal parser.
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        return None
    try:
        value = parse_decimal(raw, integer_digits=VALUE_MAX_INTEGER_DIGITS, decimal_places=VALUE_DECIMAL_PLACES)
    except DecimalInputError:
        return None
    return None if value < 0 else value


def _parse_timestamp(raw: Any, now: datetime) -> tuple[datetime | None, str | None]:
    if not isinstance(raw, str) or len(raw) < 20 or raw[10] not in "Tt ":
        return None, BAD_TIMESTAMP
    try:
        stamp = datetime.fromisoformat(raw)
    except ValueError:
        return None, BAD_TIMESTAMP
    if stamp.tzinfo is None:
        return None, BAD_TIMESTAMP
    if stamp < TIMESTAMP_MIN:  # before astimezone(), which would overflow
        return None, ErrorDetail(TIMESTAMP_TOO_EARLY, code="too_early")
    limit = settings.USAGE_MAX_FUTURE_SECONDS
    if stamp > _latest(now, limit):
        return None, ErrorDetail(TIMESTAMP_IN_FUTURE.format(seconds=limit), code="in_the_future")
    return stamp.astimezone(UTC), None


@lru_cache(maxsize=8)
def _latest(now: datetime, limit: int) -> datetime:
    # Once per request, not once per event of a 1000-event batch.
    return now + timedelta(seconds=limit)


def _parse_properties(raw: Any) -> tuple[dict[str, Any], str | None]:
    if not isinstance(raw, dict):
        return {}, PROPERTIES_NOT_OBJECT
    if len(raw) and len(json.dumps(raw, separators=(",", ":")).encode()) > PROPERTIES_MAX_BYTES:
        return {}, ErrorDetail(PROPERTIES_TOO_LARGE, code="too_large")
    if contains_nul(raw):
        return {}, ErrorDetail(PROPERTIES_NUL, code="contains_nul")
    return raw, None


def parse_event(raw: Any, *, now: datetime, with_key: bool) -> tuple[dict[str, Any], FieldErrors]:
    """Check one event's fields (not its references). Returns (data, errors): `data`
    holds what was given, parsed (`value` Decimal, `timestamp` aware UTC datetime);
    `errors` maps field names to messages and is empty when the event is valid.

    Plain Python rather than a DRF serializer: a batch checks 1000 events, and the
    serializer machinery cost more than the database write (see bench/ingest.py).
    """
    if not isinstance(raw, dict):
        return {}, {"non_field_errors": [NOT_AN_OBJECT]}
    errors: FieldErrors = {}
    data: dict[str, Any] = {}
    if with_key:
        problem = validate_idempotency_key(raw.get("idempotency_key"))
        if raw.get("idempotency_key") is None:
            errors["idempotency_key"] = [REQUIRED]
        elif problem:
            errors["idempotency_key"] = [problem]
        else:
            data["idempotency_key"] = raw["idempotency_key"]
    for name, max_length in (("external_customer_id", 255), ("meter", 100)):
        text = _parse_string(raw, name, max_length, errors)
        if text is not None:
            data[name] = text
    if raw.get("value") is not None:
        value = _parse_value(raw["value"])
        if value is None:
            errors["value"] = [BAD_VALUE]
        data["value"] = value
    if raw.get("timestamp") is not None:
        data["timestamp"], problem = _parse_timestamp(raw["timestamp"], now)
        if problem:
            errors["timestamp"] = [problem]
    if raw.get("properties") is not None:
        data["properties"], problem = _parse_properties(raw["properties"])
        if problem:
            errors["properties"] = [problem]
    return data, errors


@extend_schema_field(VALUE_SCHEMA)
class ValueDoc(serializers.Field):
    pass


class UsageEventInput(serializers.Serializer):
    """The documented shape of one event (OpenAPI only: `parse_event` validates). Text is
    taken as sent (not trimmed); null is the same as leaving a field out."""

    external_customer_id = serializers.CharField(max_length=255, trim_whitespace=False)
    meter = serializers.CharField(max_length=100, trim_whitespace=False)
    value = ValueDoc(required=False, allow_null=True)
    timestamp = serializers.DateTimeField(
        required=False, allow_null=True, help_text="RFC 3339; default now; from 1970-01-01T00:00:00Z to 5 minutes ahead"
    )
    properties = serializers.DictField(
        required=False, allow_null=True, help_text="A JSON object of at most 8 KB, without NUL characters"
    )


class BatchUsageEventInput(UsageEventInput):
    idempotency_key = serializers.CharField(
        min_length=1, max_length=255, trim_whitespace=False, validators=[RegexValidator(IDEMPOTENCY_KEY_RE)]
    )


@dataclass(frozen=True)
class ParsedEvent:
    """An event with its references resolved, ready to store."""

    idempotency_key: str
    external_customer_id: str
    meter_code: str
    customer_id: uuid.UUID
    meter_id: uuid.UUID
    value: Decimal
    timestamp: datetime
    properties: dict[str, Any] = field(default_factory=dict)
    fingerprint: str = ""

    def stored(self, *, pk: int, tenant_id: uuid.UUID, created_at: datetime) -> UsageEvent:
        """The event as the row that was stored for it (not saved again), with the
        database's defaults of what ingestion leaves out."""
        fields = {name: getattr(self, name) for name in STORED_FIELDS}
        return UsageEvent(
            pk=pk, tenant_id=tenant_id, created_at=created_at, revision=1, voided_at=None, void_reason="", **fields
        )


# What a stored row takes from its event as sent (usage.services inserts these columns).
STORED_FIELDS = ("customer_id", "meter_id", "idempotency_key", "value", "timestamp", "properties", "fingerprint")


def fingerprint(data: dict[str, Any]) -> str:
    """SHA-256 of the request's fields as sent, with defaults filled in (a missing
    `value` is 1, missing `properties` are {}) and numerically equal values equal
    ("1.0" == "1", "-0" == "0").
    A missing timestamp stays missing, so a retry without one matches the original.

    >>> fingerprint({"external_customer_id": "c", "meter": "m", "value": Decimal("1.0")}) == \\
    ...     fingerprint({"external_customer_id": "c", "meter": "m"})
    True
    """
    stamp, value, properties = data.get("timestamp"), data.get("value"), data.get("properties")
    c, m = data["external_customer_id"], data["meter"]
    number = Decimal(1) if value is None else value
    # Numerically equal values are one body: 1 == 1.0 == 1E+0, and 0 == -0 == 0.00.
    v = str(number.normalize()) if number else "0"
    t = stamp.isoformat() if stamp is not None else ""
    p = json.dumps(properties, sort_keys=True, separators=(",", ":")) if properties else ""
    # Length-prefixed, so that no two different bodies can join into the same text.
    text = f"{len(c)}:{c}{len(m)}:{m}{len(v)}:{v}{len(t)}:{t}{len(p)}:{p}"
    return hashlib.sha256(text.encode()).hexdigest()


def resolve_events(
    *, tenant: TenantRef, items: list[tuple[str, dict[str, Any]]], now: datetime
) -> tuple[list[ParsedEvent | None], list[dict[str, list[str]]]]:
    """Resolve customers and meters of validated events with one query each.

    `items` are (idempotency_key, validated data). Returns the parsed events and, at
    the same positions, the field errors of the events that cannot be stored ({} when
    none); a position with errors has None as its event.
    """
    customers = customer_ids_by_external_id(tenant=tenant, external_ids={d["external_customer_id"] for _, d in items})
    meters = meters_by_code(tenant=tenant, codes={d["meter"] for _, d in items})
    events: list[ParsedEvent | None] = []
    errors: list[dict[str, list[str]]] = []
    for key, data in items:
        problems = _reference_errors(data, customers, meters)
        errors.append(problems)
        if problems:
            events.append(None)
            continue
        meter = meters[data["meter"]]
        events.append(
            ParsedEvent(
                idempotency_key=key,
                external_customer_id=data["external_customer_id"],
                meter_code=meter.code,
                customer_id=customers[data["external_customer_id"]],
                meter_id=meter.id,
                value=data.get("value", Decimal(1)),
                timestamp=data.get("timestamp") or now,
                properties=data.get("properties") or {},
                fingerprint=fingerprint(data),
            )
        )
    return events, errors


@dataclass(frozen=True)
class PreparedEvents:
    """Raw events validated and resolved: `events[i]` is ready to store, or None and
    `errors[i]` says why (field errors, {} when none)."""

    events: list[ParsedEvent | None]
    errors: list[FieldErrors]

    @property
    def failed(self) -> dict[int, FieldErrors]:
        return {i: problems for i, problems in enumerate(self.errors) if problems}

    @property
    def ready(self) -> list[ParsedEvent]:
        return [event for event in self.events if event is not None]


def usage_events_prepare(
    *, tenant: TenantRef, raws: Sequence[Any], now: datetime, key: str | None = None
) -> PreparedEvents:
    """The one ingestion pipeline before the insert (single, batch, backfill, seed):
    parse each raw event, then resolve the customers and meters of the valid ones with
    one query each. With `key` (the single route's header) the events carry no key of
    their own. Every event's problems are reported, parse and reference alike.
    """
    parsed = [parse_event(raw, now=now, with_key=key is None) for raw in raws]
    valid = [i for i, (_, problems) in enumerate(parsed) if not problems]
    items = [(key if key is not None else parsed[i][0]["idempotency_key"], parsed[i][0]) for i in valid]
    resolved, reference_errors = resolve_events(tenant=tenant, items=items, now=now)
    events: list[ParsedEvent | None] = [None] * len(raws)
    errors = [problems for _, problems in parsed]
    for i, event, problems in zip(valid, resolved, reference_errors, strict=True):
        events[i], errors[i] = event, problems
    return PreparedEvents(events, errors)


def _reference_errors(
    data: dict[str, Any], customers: dict[str, uuid.UUID], meters: dict[str, Meter]
) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    if data["external_customer_id"] not in customers:
        message = UNKNOWN_CUSTOMER.format(value=data["external_customer_id"])
        problems["external_customer_id"] = [ErrorDetail(message, code="does_not_exist")]
    meter = meters.get(data["meter"])
    if meter is None:
        problems["meter"] = [ErrorDetail(UNKNOWN_METER.format(value=data["meter"]), code="does_not_exist")]
    elif missing := missing_unique_property(meter, data.get("properties") or {}):
        problems["properties"] = [ErrorDetail(missing, code="required")]
    return problems


REASON_MAX_LENGTH = 500
BAD_REASON = f"reason must be a string of 1 to {REASON_MAX_LENGTH} characters."
IMMUTABLE_FIELD = "{name} of an event never changes: void it and send a new event."
# What identifies an event's place in billing: an amendment may not change them.
IMMUTABLE_FIELDS = ("timestamp", "external_customer_id", "meter")


def parse_reason(raw: Any, errors: FieldErrors) -> str:
    """A correction's required `reason` (errors under `reason` when it is not one)."""
    reason = raw.get("reason") if isinstance(raw, dict) else None
    if not isinstance(reason, str) or not 0 < len(reason) <= REASON_MAX_LENGTH or "\x00" in reason:
        errors["reason"] = [ErrorDetail(BAD_REASON, code="required" if reason is None else "invalid")]
        return ""
    return reason


def parse_amendment(raw: Any) -> tuple[dict[str, Any], FieldErrors]:
    """Check an amendment `{value?, properties?, reason}` with the ingestion's rules.
    Returns (data, errors): `data` has `reason` and the given `value` (Decimal) and
    `properties`; a timestamp, customer or meter in the body is an error naming it."""
    if not isinstance(raw, dict):
        return {}, {"non_field_errors": ["The body must be a JSON object."]}
    errors: FieldErrors = {}
    data: dict[str, Any] = {"reason": parse_reason(raw, errors)}
    for name in IMMUTABLE_FIELDS:
        if name in raw:
            errors[name] = [ErrorDetail(IMMUTABLE_FIELD.format(name=name), code="immutable")]
    if raw.get("value") is not None:
        data["value"] = _parse_value(raw["value"])
        if data["value"] is None:
            errors["value"] = [BAD_VALUE]
    if raw.get("properties") is not None:
        data["properties"], problem = _parse_properties(raw["properties"])
        if problem:
            errors["properties"] = [problem]
    return data, errors


def missing_unique_property(meter: Meter, properties: dict[str, Any]) -> str | None:
    """What is wrong with `properties` of an event of `meter`: a `unique_count`
    meter's property must be in them (code `required`)."""
    if meter.aggregation == Meter.Aggregation.UNIQUE_COUNT and meter.property not in properties:
        return MISSING_UNIQUE_PROPERTY.format(meter=meter.code, prop=meter.property)
    return None
