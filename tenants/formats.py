"""How every API renders a time: RFC 3339 in UTC, through DRF's DATETIME_FORMAT, for
bodies built by hand (hot paths and webhook events) as much as for serializers."""

from __future__ import annotations

from datetime import datetime

from rest_framework import serializers

_TIME = serializers.DateTimeField()


def format_time(value: datetime | None) -> str | None:
    return None if value is None else _TIME.to_representation(value)
