"""The bytes and headers of an outbound webhook, per Standard Webhooks.

The body is rebuilt from the stored event for every attempt; it is the same each time
because an event never changes. `webhook-id` is the event id, so a receiver that got
an event twice (a retry after a lost response, a manual retry) can drop the copy.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from django.core.serializers.json import DjangoJSONEncoder
from standardwebhooks.webhooks import Webhook

from webhooks.models import Event

# The API's own datetime rendering (REST_FRAMEWORK["DATETIME_FORMAT"]).
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def event_body(event: Event) -> str:
    """`{"id": "evt_…", "type", "created_at", "tenant_id", "data"}` as compact JSON."""
    envelope = {
        "id": event.public_id,
        "type": event.type,
        "created_at": event.created_at.astimezone(UTC).strftime(TIME_FORMAT),
        "tenant_id": str(event.tenant_id),
        "data": event.data,
    }
    return json.dumps(envelope, cls=DjangoJSONEncoder, separators=(",", ":"))


def signed_headers(*, secret: str, msg_id: str, body: str, at: datetime) -> dict[str, str]:
    """The three Standard Webhooks headers plus the content type, signed at `at`."""
    at = at.astimezone(UTC)
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id=msg_id, timestamp=at, data=body),
    }
