"""Invoicing, the subscription routes that invoice, credit notes and payments."""

from __future__ import annotations

from typing import Any

from billing_project.openapi_examples.ids import (
    CREDIT_NOTE_ID,
    CUSTOMER_ID,
    INVOICE,
    INVOICE_ID,
    INVOICE_RUN_ID,
    NEXT_PERIOD_END,
    PERIOD_END,
    PLAN_SCALE_ID,
    SUBSCRIPTION,
)

EXAMPLES: dict[str, dict[str, Any]] = {
    "tenants_invoices_run_create": {
        "summary": "Invoice every period that ended by now (an empty body does the same)",
        "request": {"as_of": "2026-02-01T00:05:00Z"},
        "responses": {"202": {"id": INVOICE_RUN_ID, "status": "queued", "as_of": "2026-02-01T00:05:00Z"}},
    },
    "tenants_invoices_void_create": {
        "summary": "Void an open invoice",
        "responses": {"200": {**INVOICE, "status": "void", "amount_due": "0.00", "voided_at": "2026-02-03T09:00:00Z"}},
    },
    "tenants_invoices_mark_uncollectible_create": {
        "summary": "Give up collecting an invoice",
        "responses": {"200": {**INVOICE, "status": "uncollectible", "attempt_count": 4}},
    },
    "tenants_invoices_pay_create": {
        "summary": "Charge an open invoice now",
        "responses": {"200": {**INVOICE, "attempt_count": 1}},
    },
    "tenants_invoices_credit_notes_create": {
        "summary": "Credit 10.00 of a paid invoice: 5.00 refunded, 5.00 to the customer's balance",
        "request": {
            "amount": "10.00",
            "reason": "product_unsatisfactory",
            "memo": "Outage on January 12",
            "refund_amount": "5.00",
            "credit_amount": "5.00",
        },
        "responses": {
            "201": {
                "id": CREDIT_NOTE_ID,
                "number": "CN-000007",
                "invoice_id": INVOICE_ID,
                "customer_id": CUSTOMER_ID,
                "currency": "USD",
                "amount": "10.00",
                "tax": "0.00",
                "refund_amount": "5.00",
                "credit_amount": "5.00",
                "refund_status": "pending",
                "reason": "product_unsatisfactory",
                "memo": "Outage on January 12",
                "created_at": "2026-02-05T11:00:00Z",
            }
        },
    },
    "tenants_subscriptions_cancel_create": {
        "summary": "Cancel at the end of the current period",
        "request": {"at_period_end": True},
        "responses": {"200": {**SUBSCRIPTION, "cancel_at_period_end": True, "final_invoice_id": None}},
    },
    "tenants_subscriptions_change_create": {
        "summary": "Move to the Scale plan at the end of the period",
        "request": {"plan_id": PLAN_SCALE_ID, "effective": "period_end"},
        "responses": {
            "200": {
                **SUBSCRIPTION,
                "pending_change": {"plan_id": PLAN_SCALE_ID, "effective_at": NEXT_PERIOD_END},
                "invoice_id": None,
            }
        },
    },
    "tenants_subscriptions_change_preview_create": {
        "summary": "What a move to Scale at the period's end would bill",
        "request": {"plan_id": PLAN_SCALE_ID, "effective": "period_end"},
        "responses": {
            "200": {
                "invoice_now": None,
                "upcoming_invoice": {
                    **INVOICE,
                    "id": None,
                    "number": None,
                    "period_start": PERIOD_END,
                    "period_end": NEXT_PERIOD_END,
                    "issued_at": NEXT_PERIOD_END,
                    "due_at": "2026-03-31T00:00:00Z",
                },
            }
        },
    },
    "webhooks_payment_create": {
        "summary": "The provider reports a successful charge (signed with Standard Webhooks headers)",
        "request": {
            "type": "payment.succeeded",
            "data": {"invoice_id": INVOICE_ID, "amount": "52.00", "currency": "USD"},
        },
        "responses": {
            "200": {
                "webhook_id": "msg_2Lh8Qb6nA1cD",
                "invoice_id": INVOICE_ID,
                "credit_note_id": None,
                "outcome": "paid",
                "duplicate": False,
            }
        },
    },
}
