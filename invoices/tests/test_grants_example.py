"""docs/credits.md's "A worked example: a sandbox month through expiry", through the HTTP
API: a sandbox signed up at 2026-01-01, a promotional grant that expires mid-February
and a bought top-up paid through the payment webhook, then one clock advance to
March 1 (the advance's task runs on commit, eagerly in the tests)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from invoices.models import Invoice
from invoices.tests.test_totals_example import created
from payments.tests.test_api import body, post
from webhooks.models import Event

pytestmark = pytest.mark.django_db

DOCS = Path(__file__).resolve().parents[2] / "docs" / "credits.md"
AMOUNTS = ("total", "credits_applied", "amount_due", "status")
GRANT = ("status", "remaining", "used", "expired")


def docs_example() -> dict:
    text = DOCS.read_text()
    section = text[text.index("## A worked example: a sandbox month through expiry") :]
    block = re.search(r"```json\n(.*?)\n```", section, re.DOTALL)
    assert block is not None
    return json.loads(block.group(1))


def sandbox_api() -> tuple[APIClient, str]:
    """A sandbox signed up through the API with its clock at 2026-01-01; its admin's client."""
    signup = {
        "name": "Acme (sandbox)", "admin_email": "dev@acme.test", "admin_password": "a-long-passphrase",
        "sandbox": True, "clock_time": "2026-01-01T00:00:00Z",
    }  # fmt: skip
    box = created(APIClient().post("/v1/tenants", signup, format="json"))
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {box['access']}")
    return api, f"/v1/tenants/{box['tenant']['id']}/"


def test_a_sandbox_month_through_expiry(django_capture_on_commit_callbacks):
    api, base = sandbox_api()
    created(api.post(f"{base}webhook-endpoints", {"url": "https://hooks.example.com/billing"}, format="json"))
    created(api.post(f"{base}meters", {"code": "api_calls", "name": "API calls", "aggregation": "sum"}, format="json"))
    plan = {
        "code": "pro", "name": "Pro", "currency": "USD", "interval": "month", "amount": "49.00",
        "charges": [{"meter": "api_calls", "model": "per_unit", "unit_amount": "0.002"}],
    }  # fmt: skip
    plan_id = created(api.post(f"{base}plans", plan, format="json"))["id"]
    customer = created(api.post(f"{base}customers", {"external_id": "cus_42", "name": "Globex"}, format="json"))
    created(api.post(f"{base}subscriptions", {"customer_id": customer["id"], "plan_id": plan_id}, format="json"))
    grants = f"{base}customers/{customer['id']}/credit-grants"
    welcome = created(
        api.post(
            grants,
            {"amount": "60.00", "currency": "USD", "category": "promotional", "priority": 10,
             "expires_at": "2026-02-15T00:00:00Z", "name": "Welcome"},
            format="json",
        )
    )  # fmt: skip
    top_up = created(
        api.post(grants, {"amount": "100.00", "currency": "USD", "category": "paid", "name": "Top-up"}, format="json")
    )
    assert top_up["status"] == "pending"
    assert post(body(Invoice.objects.get(pk=top_up["invoice_id"]))).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        advance = api.post(f"{base}clock/advance", {"to": "2026-03-01T00:00:00Z"}, format="json")
    assert advance.status_code == 202, advance.json()
    assert api.get(f"{base}clock").json()["status"] == "ready"

    periods = api.get(f"{base}invoices").json()["results"]
    january, february = sorted((i for i in periods if i["billing_reason"] == "period"), key=lambda i: i["period_start"])
    shown = {
        name: api.get(f"{base}credit-grants/{g['id']}").json() for name, g in (("welcome", welcome), ("top_up", top_up))
    }
    actual = {
        "january": {k: january[k] for k in AMOUNTS},
        "february": {k: february[k] for k in AMOUNTS},
        **{
            name: {**{k: g[k] for k in GRANT}, "ledger": [[e["kind"], e["amount"]] for e in g["ledger"]]}
            for name, g in shown.items()
        },
    }
    assert actual == docs_example()
    expired = Event.objects.filter(type="credit_grant.expired")
    assert [e.data["id"] for e in expired] == [welcome["id"]]
