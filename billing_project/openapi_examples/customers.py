"""Customers, their discounts, subscriptions and balance."""

from __future__ import annotations

from typing import Any

from billing_project.openapi_examples.catalog import COUPON
from billing_project.openapi_examples.ids import (
    ALERT_ID,
    BALANCE_TRANSACTION_ID,
    CREATED_AT,
    CUSTOMER_ID,
    DISCOUNT_ID,
    PLAN_ID,
    SUBSCRIPTION,
    SUBSCRIPTION_ID,
)

CUSTOMER: dict[str, Any] = {
    "id": CUSTOMER_ID,
    "external_id": "cus_42",
    "name": "Globex",
    "email": "billing@globex.test",
    "metadata": {"crm_id": "0017000000Q9x"},
    "tax_rates": [],
    "tax_exempt": False,
    "created_at": CREATED_AT,
}

DISCOUNT: dict[str, Any] = {
    "id": DISCOUNT_ID,
    "coupon": {**COUPON, "times_redeemed": 1},
    "customer_id": CUSTOMER_ID,
    "subscription_id": SUBSCRIPTION_ID,
    "periods_used": 0,
    "amount_remaining": None,
    "created_at": CREATED_AT,
    "ended_at": None,
    "end_reason": None,
}

CREDIT_GRANT_ID = "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b"
CREDIT_GRANT: dict[str, Any] = {
    "id": CREDIT_GRANT_ID,
    "customer_id": CUSTOMER_ID,
    "name": "Welcome credits",
    "category": "promotional",
    "currency": "USD",
    "amount": "50.00",
    "remaining": "50.00",
    "used": "0.00",
    "expired": "0.00",
    "voided": "0.00",
    "priority": 10,
    "status": "active",
    "effective_at": CREATED_AT,
    "expires_at": "2026-12-31T00:00:00Z",
    "invoice_id": None,
    "created_at": CREATED_AT,
}

EXAMPLES: dict[str, dict[str, Any]] = {
    "customer_credit_grants_create": {
        "summary": "50.00 of promotional credits, used before other grants, for the year",
        "request": {
            "amount": "50.00",
            "currency": "USD",
            "category": "promotional",
            "priority": 10,
            "expires_at": "2026-12-31T00:00:00Z",
            "name": "Welcome credits",
        },
        "responses": {"201": CREDIT_GRANT},
    },
    "tenants_credit_grants_void_create": {
        "summary": "Void what is left of a grant",
        "responses": {
            "200": {
                **CREDIT_GRANT,
                "remaining": "0.00",
                "voided": "50.00",
                "status": "voided",
                "ledger": [
                    {
                        "id": 7,
                        "kind": "voided",
                        "amount": "50.00",
                        "invoice_id": None,
                        "credit_note_id": None,
                        "description": "Voided",
                        "created_at": "2026-02-03T09:00:00Z",
                    }
                ],
            }
        },
    },
    "customers_portal_sessions_create": {
        "summary": "A link to hand to the customer: its portal for an hour",
        "responses": {
            "201": {
                "url": "https://billing.example.com/portal/eyJ0IjoiOWY4ZTdkNmMiLCJjIjoiNmY3YThiOWMifQ:1vQx2b:3kS9aT2m/",
                "expires_at": "2026-02-03T10:00:00Z",
            }
        },
    },
    "tenants_customers_create": {
        "summary": "A customer, known to your system as cus_42",
        "request": {
            "external_id": "cus_42",
            "name": "Globex",
            "email": "billing@globex.test",
            "metadata": {"crm_id": "0017000000Q9x"},
        },
        "responses": {"201": CUSTOMER},
    },
    "tenants_customers_partial_update": {
        "summary": "Tax a customer at its own rate",
        "request": {"tax_rates": ["vat_de"]},
        "responses": {"200": {**CUSTOMER, "tax_rates": ["vat_de"]}},
    },
    "customer_discounts_create": {
        "summary": "Apply the launch coupon to one subscription of the customer",
        "request": {"coupon_code": "launch", "subscription_id": SUBSCRIPTION_ID},
        "responses": {"201": DISCOUNT},
    },
    "customer_discounts_end": {
        "summary": "End a discount now",
        "responses": {"200": {**DISCOUNT, "ended_at": "2026-02-10T12:00:00Z", "end_reason": "removed"}},
    },
    "tenants_subscriptions_create": {
        "summary": "Subscribe a customer to Pro from the start of January (a backfill)",
        "request": {"customer_id": CUSTOMER_ID, "plan_id": PLAN_ID, "start_at": "2026-01-01T00:00:00Z"},
        "responses": {
            "201": {
                **SUBSCRIPTION,
                "current_period_start": "2026-01-01T00:00:00Z",
                "current_period_end": "2026-02-01T00:00:00Z",
            }
        },
    },
    "subscription_alerts_create": {
        "summary": "Tell me at 100.00 of usage this period, then every 50.00 more",
        "request": {"type": "usage_amount", "thresholds": ["100.00"], "step": "50.00"},
        "responses": {
            "201": {
                "id": ALERT_ID,
                "subscription_id": SUBSCRIPTION_ID,
                "type": "usage_amount",
                "meter": None,
                "thresholds": ["100.00"],
                "step": "50.00",
                "created_at": CREATED_AT,
            }
        },
    },
    "tenants_customers_balance_transactions_create": {
        "summary": "Credit a customer 25.00 as a goodwill gesture",
        "request": {"currency": "USD", "amount": "25.00", "description": "Goodwill credit for the January outage"},
        "responses": {
            "201": {
                "id": BALANCE_TRANSACTION_ID,
                "currency": "USD",
                "amount": "25.00",
                "kind": "adjustment",
                "invoice_id": None,
                "credit_note_id": None,
                "description": "Goodwill credit for the January outage",
                "created_at": CREATED_AT,
            }
        },
    },
}
