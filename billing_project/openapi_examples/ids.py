"""The ids, times and fragments that the examples share, so that one story holds
across routes: the tenant Acme bills its customer Globex (`cus_42`) on the plan Pro
(49.00 a month plus API calls above 1,000 at 0.002), as in the README's tours."""

from __future__ import annotations

from typing import Any

TENANT_ID = "0b6f1d2e-3c4a-4e5f-8a7b-1c2d3e4f5a60"
USER_ID = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
API_KEY_ID = "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e"
METER_ID = "3c4d5e6f-7a8b-4c9d-8e1f-2a3b4c5d6e7f"
PLAN_ID = "4d5e6f7a-8b9c-4d0e-9f2a-3b4c5d6e7f80"
PLAN_SCALE_ID = "4d5e6f7a-8b9c-4d0e-9f2a-3b4c5d6e7f81"
CHARGE_ID = "5e6f7a8b-9c0d-4e1f-8a3b-4c5d6e7f8091"
CUSTOMER_ID = "6f7a8b9c-0d1e-4f2a-9b4c-5d6e7f8091a2"
SUBSCRIPTION_ID = "7a8b9c0d-1e2f-4a3b-8c5d-6e7f8091a2b3"
INVOICE_ID = "8b9c0d1e-2f3a-4b4c-9d6e-7f8091a2b3c4"
CREDIT_NOTE_ID = "9c0d1e2f-3a4b-4c5d-8e7f-8091a2b3c4d5"
COUPON_ID = "a0d1e2f3-4b5c-4d6e-9f80-91a2b3c4d5e6"
DISCOUNT_ID = "b1e2f3a4-5c6d-4e7f-8091-a2b3c4d5e6f7"
TAX_RATE_ID = "c2f3a4b5-6d7e-4f80-91a2-b3c4d5e6f708"
BALANCE_TRANSACTION_ID = "d3a4b5c6-7e8f-4091-a2b3-c4d5e6f70819"
INVOICE_RUN_ID = "e4b5c6d7-8f90-41a2-b3c4-d5e6f708192a"
ENDPOINT_ID = "f5c6d7e8-9001-42b3-c4d5-e6f708192a3b"
DELIVERY_ID = "06d7e8f9-0112-43c4-d5e6-f708192a3b4c"
ALERT_ID = "17e8f9a0-1223-44d5-e6f7-08192a3b4c5d"

# Illustrations of the shape only: never valid credentials.
ACCESS_TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIn0.access-example"  # noqa: S105
REFRESH_TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJ0b2tlbl90eXBlIjoicmVmcmVzaCJ9.refresh-example"  # noqa: S105

CREATED_AT = "2026-01-01T09:30:00Z"
PERIOD_START = "2026-01-01T00:00:00Z"
PERIOD_END = "2026-02-01T00:00:00Z"
NEXT_PERIOD_END = "2026-03-01T00:00:00Z"
ISSUED_AT = "2026-02-01T00:05:00Z"
DUE_AT = "2026-03-03T00:05:00Z"

TENANT: dict[str, Any] = {
    "id": TENANT_ID,
    "name": "Acme",
    "default_currency": "USD",
    "sandbox": False,
    "created_at": CREATED_AT,
}

SUBSCRIPTION: dict[str, Any] = {
    "id": SUBSCRIPTION_ID,
    "customer_id": CUSTOMER_ID,
    "plan_id": PLAN_ID,
    "status": "active",
    "start_at": PERIOD_START,
    "trial_end": None,
    "current_period_start": PERIOD_END,
    "current_period_end": NEXT_PERIOD_END,
    "cancel_at_period_end": False,
    "canceled_at": None,
    "pending_change": None,
    "created_at": CREATED_AT,
}

# January of Globex on Pro: 49.00 and 2,500 API calls (1,000 free, 1,500 at 0.002).
INVOICE: dict[str, Any] = {
    "id": INVOICE_ID,
    "number": "INV-000042",
    "customer_id": CUSTOMER_ID,
    "subscription_id": SUBSCRIPTION_ID,
    "status": "open",
    "billing_reason": "period",
    "currency": "USD",
    "period_start": PERIOD_START,
    "period_end": PERIOD_END,
    "subtotal": "52.00",
    "discount": "0.00",
    "tax": "0.00",
    "taxes": [],
    "total": "52.00",
    "credits_applied": "0.00",
    "amount_credited": "0.00",
    "amount_paid": "0.00",
    "amount_due": "52.00",
    "issued_at": ISSUED_AT,
    "due_at": DUE_AT,
    "paid_at": None,
    "voided_at": None,
    "attempt_count": 0,
    "next_payment_attempt": None,
    "lines": [
        {
            "kind": "flat_fee",
            "description": "Pro (month)",
            "meter": None,
            "model": None,
            "quantity": "1",
            "amount": "49.00",
            "tiers": [],
            "period_start": PERIOD_START,
            "period_end": PERIOD_END,
        },
        {
            "kind": "usage",
            "description": "API calls (tiered)",
            "meter": "api_calls",
            "model": "tiered",
            "quantity": "2500",
            "amount": "3.00",
            "tiers": [
                {
                    "from": 0,
                    "up_to": 1000,
                    "quantity": "1000",
                    "unit_amount": "0",
                    "flat_amount": "0",
                    "amount": "0.00",
                },
                {
                    "from": 1000,
                    "up_to": None,
                    "quantity": "1500",
                    "unit_amount": "0.002",
                    "flat_amount": "0",
                    "amount": "3.00",
                },
            ],
            "period_start": PERIOD_START,
            "period_end": PERIOD_END,
        },
    ],
}
