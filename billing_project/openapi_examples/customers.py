"""Customers, their discounts, subscriptions and balance."""

from __future__ import annotations

from typing import Any

from billing_project.openapi_examples.catalog import COUPON
from billing_project.openapi_examples.ids import (
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

EXAMPLES: dict[str, dict[str, Any]] = {
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
