"""Meters, plans, coupons and tax rates."""

from __future__ import annotations

from typing import Any

from billing_project.openapi_examples.ids import (
    CHARGE_ID,
    COUPON_ID,
    CREATED_AT,
    METER_ID,
    PLAN_ID,
    TAX_RATE_ID,
)

TIERS_IN = [{"up_to": 1000, "unit_amount": "0"}, {"up_to": None, "unit_amount": "0.002"}]

PLAN: dict[str, Any] = {
    "id": PLAN_ID,
    "code": "pro",
    "name": "Pro",
    "description": "",
    "currency": "USD",
    "interval": "month",
    "amount": "49.00",
    "trial_days": 0,
    "active": True,
    "created_at": CREATED_AT,
    "charges": [
        {
            "id": CHARGE_ID,
            "meter": "api_calls",
            "meter_id": METER_ID,
            "model": "tiered",
            "unit_amount": None,
            "package_size": None,
            "package_amount": None,
            "tiers": [
                {"up_to": 1000, "unit_amount": "0", "flat_amount": "0"},
                {"up_to": None, "unit_amount": "0.002", "flat_amount": "0"},
            ],
            "filters": [],
            "group_by": [],
        }
    ],
    "usage_thresholds": [{"amount": "100.00"}],
    "minimum_amount": "60.00",
}

COUPON: dict[str, Any] = {
    "id": COUPON_ID,
    "code": "launch",
    "name": "Launch: 20% off for 3 months",
    "percent_off": "20",
    "amount_off": None,
    "currency": None,
    "duration": "repeating",
    "duration_in_periods": 3,
    "max_redemptions": 100,
    "redeem_by": None,
    "plan_ids": [PLAN_ID],
    "times_redeemed": 0,
    "active": True,
    "created_at": CREATED_AT,
}

TAX_RATE: dict[str, Any] = {
    "id": TAX_RATE_ID,
    "code": "vat_de",
    "name": "VAT (DE)",
    "percentage": "19",
    "active": True,
    "created_at": CREATED_AT,
}

EXAMPLES: dict[str, dict[str, Any]] = {
    "tenants_meters_create": {
        "summary": "A meter that sums the API calls reported in each event's value",
        "request": {"code": "api_calls", "name": "API calls", "aggregation": "sum"},
        "responses": {
            "201": {
                "id": METER_ID,
                "code": "api_calls",
                "name": "API calls",
                "aggregation": "sum",
                "property": None,
                "created_at": CREATED_AT,
            }
        },
    },
    "tenants_plans_create": {
        "summary": (
            "49.00 a month, the first 1,000 API calls free, then 0.002 each; an invoice as usage reaches 100.00, "
            "at least 60.00 a month"
        ),
        "request": {
            "code": "pro",
            "name": "Pro",
            "currency": "USD",
            "interval": "month",
            "amount": "49.00",
            "charges": [{"meter": "api_calls", "model": "tiered", "tiers": TIERS_IN}],
            "usage_thresholds": [{"amount": "100.00"}],
            "minimum_amount": "60.00",
        },
        "responses": {"201": PLAN},
    },
    "tenants_plans_partial_update": {
        "summary": "Rename a plan and stop offering it",
        "request": {"name": "Pro (2025)", "active": False},
        "responses": {"200": {**PLAN, "name": "Pro (2025)", "active": False}},
    },
    "tenants_coupons_create": {
        "summary": "20% off the Pro plan for the first 3 periods",
        "request": {
            "code": "launch",
            "name": "Launch: 20% off for 3 months",
            "percent_off": "20",
            "duration": "repeating",
            "duration_in_periods": 3,
            "max_redemptions": 100,
            "plan_ids": [PLAN_ID],
        },
        "responses": {"201": COUPON},
    },
    "tenants_coupons_partial_update": {
        "summary": "Stop redeeming a coupon (discounts already attached go on)",
        "request": {"active": False},
        "responses": {"200": {**COUPON, "active": False}},
    },
    "tenants_tax_rates_create": {
        "summary": "German VAT at 19%",
        "request": {"code": "vat_de", "name": "VAT (DE)", "percentage": "19"},
        "responses": {"201": TAX_RATE},
    },
    "tenants_tax_rates_partial_update": {
        "summary": "Retire a tax rate",
        "request": {"active": False},
        "responses": {"200": {**TAX_RATE, "active": False}},
    },
}
