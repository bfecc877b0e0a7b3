"""Usage ingestion and corrections."""

from __future__ import annotations

from typing import Any

EVENT: dict[str, Any] = {
    "id": 1042,
    "idempotency_key": "evt-1",
    "external_customer_id": "cus_42",
    "meter": "api_calls",
    "value": "2500",
    "timestamp": "2026-01-20T14:00:00Z",
    "properties": {"region": "eu"},
    "created_at": "2026-01-20T14:00:01Z",
    "revision": 1,
    "voided_at": None,
    "void_reason": "",
}

EXAMPLES: dict[str, dict[str, Any]] = {
    "tenants_usage_create": {
        "summary": "Report 2,500 API calls (send the header Idempotency-Key: evt-1)",
        "request": {
            "external_customer_id": "cus_42",
            "meter": "api_calls",
            "value": "2500",
            "timestamp": "2026-01-20T14:00:00Z",
            "properties": {"region": "eu"},
        },
        # 201 the first time; 200 with Idempotent-Replayed: true for the same key again.
        "responses": {"201": EVENT, "200": EVENT},
    },
    "tenants_usage_batch_create": {
        "summary": "Two events at once; the second was sent before",
        "request": {
            "events": [
                {
                    "idempotency_key": "evt-2",
                    "external_customer_id": "cus_42",
                    "meter": "api_calls",
                    "value": "120",
                    "timestamp": "2026-01-21T09:00:00Z",
                },
                {
                    "idempotency_key": "evt-1",
                    "external_customer_id": "cus_42",
                    "meter": "api_calls",
                    "value": "2500",
                    "timestamp": "2026-01-20T14:00:00Z",
                    "properties": {"region": "eu"},
                },
            ]
        },
        "responses": {"200": {"accepted": 1, "duplicates": 1}},
    },
    "tenants_usage_amend_create": {
        "summary": "Correct an event's value",
        "request": {"value": "2000", "reason": "Retried requests were counted twice"},
        "responses": {"200": {**EVENT, "value": "2000", "revision": 2}},
    },
    "tenants_usage_void_create": {
        "summary": "Void an event sent by mistake",
        "request": {"reason": "Sent for the wrong customer"},
        "responses": {
            "200": {
                **EVENT,
                "revision": 2,
                "voided_at": "2026-01-22T08:00:00Z",
                "void_reason": "Sent for the wrong customer",
            }
        },
    },
}
