"""Parsing and validating usage events: shared by the single and batch endpoints and
the backfill command, so that every way in applies the same rules.

Rules (API.md, Usage): `value` a finite, non-negative decimal (default 1); `timestamp`
RFC 3339, at most USAGE_MAX_FUTURE_SECONDS ahead (default now); `properties` a JSON
object of at most 8 KB; the customer (by external id) and the meter (by code) must
exist in the tenant; a `unique_count` meter needs its property in `properties`.
Negative values are refused: a usage correction is not a usage event (Stripe's meter
events are non-negative too).
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone
from rest_framework import serializers

from plans.models import Meter
from usage.models import VALUE_DECIMAL_PLACES, VALUE_MAX_DIGITS
from usage.selectors import customer_ids_by_external_id, meters_by_code

PROPERTIES_MAX_BYTES = 8 * 1024
IDEMPOTENCY_KEY_RE = re.compile(r"^[\x20-\x7e]{1,255}$")

BAD_IDEMPOTENCY_KEY = "Idempotency-Key must be 1 to 255 printable ASCII characters."
MISSING_IDEMPOTENCY_KEY = "The Idempotency-Key header is required."
TIMESTAMP_IN_FUTURE = "timestamp may be at most {seconds} seconds in the future."
PROPERTIES_NOT_OBJECT = "properties must be a JSON object."
PROPERTIES_TOO_LARGE = "properties must be at most 8 KB of JSON."
UNKNOWN_CUSTOMER = "No customer with external_id {value!r} in this tenant."
UNKNOWN_METER = "No meter with code {value!r} in this tenant."
MISSING_UNIQUE_PROPERTY = "Meter {meter!r} counts distinct values of properties.{prop}: it is missing."


def validate_idempotency_key(value: str) -> None:
    if not IDEMPOTENCY_KEY_RE.match(value):
        raise serializers.ValidationError(BAD_IDEMPOTENCY_KEY, code="invalid")


class UsageEventInput(serializers.Serializer):
    """One event as a client sends it (the idempotency key comes from the header)."""

    external_customer_id = serializers.CharField(max_length=255)
    meter = serializers.CharField(max_length=100)
    value = serializers.DecimalField(
        max_digits=VALUE_MAX_DIGITS, decimal_places=VALUE_DECIMAL_PLACES, min_value=Decimal(0), required=False
    )
    timestamp = serializers.DateTimeField(required=False)
    properties = serializers.JSONField(required=False)

    def validate_timestamp(self, value: datetime) -> datetime:
        limit = settings.USAGE_MAX_FUTURE_SECONDS
        if value > timezone.now() + timedelta(seconds=limit):
            raise serializers.ValidationError(TIMESTAMP_IN_FUTURE.format(seconds=limit), code="in_future")
        return value

    def validate_properties(self, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise serializers.ValidationError(PROPERTIES_NOT_OBJECT, code="not_an_object")
        if len(json.dumps(value, separators=(",", ":")).encode()) > PROPERTIES_MAX_BYTES:
            raise serializers.ValidationError(PROPERTIES_TOO_LARGE, code="too_large")
        return value


class BatchUsageEventInput(UsageEventInput):
    idempotency_key = serializers.CharField(max_length=255, validators=[validate_idempotency_key])


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


def fingerprint(data: dict[str, Any]) -> str:
    """SHA-256 of the request's fields as sent, with defaults filled in (a missing
    `value` is 1, missing `properties` are {}) and decimals normalized ("1.0" == "1").
    A missing timestamp stays missing, so a retry without one matches the original.

    >>> fingerprint({"external_customer_id": "c", "meter": "m", "value": Decimal("1.0")}) == \\
    ...     fingerprint({"external_customer_id": "c", "meter": "m"})
    True
    """
    stamp = data.get("timestamp")
    canonical = {
        "c": data["external_customer_id"],
        "m": data["meter"],
        "v": str(Decimal(data.get("value", 1)).normalize()),
        "t": stamp.isoformat() if stamp is not None else None,
        "p": data.get("properties") or {},
    }
    return hashlib.sha256(json.dumps(canonical, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def resolve_events(
    *, tenant_id: uuid.UUID, items: list[tuple[str, dict[str, Any]]]
) -> tuple[list[ParsedEvent | None], list[dict[str, list[str]]]]:
    """Resolve customers and meters of validated events with one query each.

    `items` are (idempotency_key, validated data). Returns the parsed events and, at
    the same positions, the field errors of the events that cannot be stored ({} when
    none); a position with errors has None as its event.
    """
    customers = customer_ids_by_external_id(
        tenant_id=tenant_id, external_ids={d["external_customer_id"] for _, d in items}
    )
    meters = meters_by_code(tenant_id=tenant_id, codes={d["meter"] for _, d in items})
    now = timezone.now()
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


def _reference_errors(
    data: dict[str, Any], customers: dict[str, uuid.UUID], meters: dict[str, Meter]
) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    if data["external_customer_id"] not in customers:
        problems["external_customer_id"] = [UNKNOWN_CUSTOMER.format(value=data["external_customer_id"])]
    meter = meters.get(data["meter"])
    if meter is None:
        problems["meter"] = [UNKNOWN_METER.format(value=data["meter"])]
    elif meter.aggregation == Meter.Aggregation.UNIQUE_COUNT and meter.property not in (data.get("properties") or {}):
        problems["properties"] = [MISSING_UNIQUE_PROPERTY.format(meter=meter.code, prop=meter.property)]
    return problems
