"""Outbound webhook endpoints and deliveries."""

from __future__ import annotations

from typing import Any

from billing_project.openapi_examples.ids import CREATED_AT, DELIVERY_ID, ENDPOINT_ID

ENDPOINT: dict[str, Any] = {
    "id": ENDPOINT_ID,
    "url": "https://hooks.acme.test/billing",
    "event_types": ["invoice.finalized", "invoice.paid", "invoice.payment_failed"],
    "description": "Invoices to the ERP",
    "active": True,
    "created_at": CREATED_AT,
    "updated_at": CREATED_AT,
}

EXAMPLES: dict[str, dict[str, Any]] = {
    "tenants_webhook_endpoints_create": {
        "summary": "Receive the invoice events (the signing secret is shown once)",
        "request": {
            "url": "https://hooks.acme.test/billing",
            "event_types": ["invoice.finalized", "invoice.paid", "invoice.payment_failed"],
            "description": "Invoices to the ERP",
        },
        "responses": {"201": {**ENDPOINT, "secret": "whsec_ZXhhbXBsZS1vbmx5LW5vdC1hLXNlY3JldA=="}},
    },
    "tenants_webhook_endpoints_partial_update": {
        "summary": "Pause an endpoint",
        "request": {"active": False},
        "responses": {"200": {**ENDPOINT, "active": False, "updated_at": "2026-02-02T10:00:00Z"}},
    },
    "tenants_webhook_deliveries_retry_create": {
        "summary": "Send a dead delivery again",
        "responses": {
            "202": {
                "id": DELIVERY_ID,
                "event_id": "evt_01HZX3K9Q2M7V8N4P6R5T1W0YB",
                "event_type": "invoice.finalized",
                "endpoint_id": ENDPOINT_ID,
                "url": "https://hooks.acme.test/billing",
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": "2026-02-02T10:00:00Z",
                "last_attempt_at": "2026-02-01T18:05:00Z",
                "last_status_code": 503,
                "last_error": "HTTP 503",
                "delivered_at": None,
                "created_at": "2026-02-01T00:05:00Z",
                "updated_at": "2026-02-02T10:00:00Z",
            }
        },
    },
}
