"""Sign-up, login, the tenant's settings, users, API keys and the sandbox clock."""

from __future__ import annotations

from typing import Any

from billing_project.openapi_examples.ids import (
    ACCESS_TOKEN,
    API_KEY_ID,
    CREATED_AT,
    REFRESH_TOKEN,
    TENANT,
    TENANT_ID,
    USER_ID,
)

EXAMPLES: dict[str, dict[str, Any]] = {
    "tenants_create": {
        "summary": "Sign up a tenant and its first admin",
        "request": {
            "name": "Acme",
            "admin_email": "admin@acme.test",
            "admin_password": "a-long-passphrase",
            "default_currency": "USD",
        },
        "responses": {
            "201": {
                "tenant": TENANT,
                "user": {"id": USER_ID, "email": "admin@acme.test", "role": "admin"},
                "access": ACCESS_TOKEN,
                "refresh": REFRESH_TOKEN,
            }
        },
    },
    "auth_login_create": {
        "summary": "Log in a user",
        "request": {"email": "admin@acme.test", "password": "a-long-passphrase"},
        "responses": {
            "200": {"access": ACCESS_TOKEN, "refresh": REFRESH_TOKEN, "tenant_id": TENANT_ID, "role": "admin"}
        },
    },
    "auth_refresh_create": {
        "summary": "Trade a refresh token for a new pair",
        "request": {"refresh": REFRESH_TOKEN},
        "responses": {"200": {"access": ACCESS_TOKEN, "refresh": REFRESH_TOKEN}},
    },
    "tenants_partial_update": {
        "summary": "Tax every invoice at VAT and retry failed payments after 3, 5 and 7 days",
        "request": {
            "default_tax_rates": ["vat_de"],
            "dunning": {"retry_days": [3, 5, 7], "final_action": "mark_uncollectible"},
        },
        "responses": {
            "200": {
                **TENANT,
                "default_tax_rates": ["vat_de"],
                "dunning": {"retry_days": [3, 5, 7], "final_action": "mark_uncollectible"},
            }
        },
    },
    "tenants_users_create": {
        "summary": "Invite a member",
        "request": {"email": "ops@acme.test", "password": "another-long-passphrase", "role": "member"},
        "responses": {"201": {"id": USER_ID, "email": "ops@acme.test", "role": "member", "created_at": CREATED_AT}},
    },
    "tenants_api_keys_create": {
        "summary": "Create an API key for the backend (the key is shown once)",
        "request": {"name": "backend"},
        "responses": {
            "201": {
                "id": API_KEY_ID,
                "name": "backend",
                "prefix": "bk_3f9a1c",
                "key": "bk_3f9a1c.example-only-not-a-key",
                "created_at": CREATED_AT,
            }
        },
    },
    "tenants_clock_advance_create": {
        "summary": "Move a sandbox's clock a month ahead",
        "request": {"to": "2026-02-01T00:00:00Z"},
        "responses": {
            "202": {"time": "2026-01-01T00:00:00Z", "status": "advancing", "advancing_to": "2026-02-01T00:00:00Z"}
        },
    },
}
