"""docs/invoicing.md's "A worked example with all of it": a 20 % coupon for 3 periods,
8.875 % tax, 10.00 on the balance and a pre-payment credit note on one invoice, set up
and read through the HTTP API; the runs are the hourly job's."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from invoices.models import Invoice
from invoices.tests.factories import bill
from tenants.tests.utils import at
from usage.tests.factories import use

pytestmark = pytest.mark.django_db

DOCS = Path(__file__).resolve().parents[2] / "docs" / "invoicing.md"
NYC = {"code": "us-ny-nyc", "name": "New York City sales tax", "percentage": "8.875"}
WELCOME20 = {
    "code": "WELCOME20",
    "name": "20 % for 3 months",
    "percent_off": "20",
    "duration": "repeating",
    "duration_in_periods": 3,
}
AMOUNTS = ("subtotal", "discount", "tax", "taxes", "total", "credits_applied", "amount_credited", "amount_due")


def docs_json(heading: str) -> dict:
    """The first JSON block after `heading` in docs/invoicing.md."""
    text = DOCS.read_text()
    section = text[text.index(heading) :]
    block = re.search(r"```json\n(.*?)\n```", section, re.DOTALL)
    assert block is not None
    return json.loads(block.group(1))


def docs_example() -> dict:
    return docs_json("#### A worked example with all of it")


def created(response) -> dict:
    assert response.status_code == 201, response.json()
    return response.json()


def test_a_coupon_a_tax_a_balance_and_a_credit_note_on_one_invoice(admin_user, client_at, turl, tenant, sub):
    customer = turl(f"customers/{sub.customer_id}")
    with client_at(admin_user, at(2026, 1, 1, 1)) as api:
        created(api.post(turl("tax-rates"), NYC))
        assert api.patch(turl(), {"default_tax_rates": ["us-ny-nyc"]}).status_code == 200
        created(api.post(turl("coupons"), WELCOME20))
        created(api.post(f"{customer}/discounts", {"coupon_code": "WELCOME20"}))
        adjustment = {"currency": "USD", "amount": "10.00", "description": "Goodwill"}
        created(api.post(f"{customer}/balance-transactions", adjustment))
    use(sub, "api_calls", "13250", at(2026, 1, 5))

    [january] = bill(tenant, at(2026, 2, 1))
    with client_at(admin_user, at(2026, 2, 2)) as api:
        note = created(
            api.post(
                turl(f"invoices/{january.id}/credit-notes"),
                {"amount": "11.19", "reason": "product_unsatisfactory", "memo": "A day of outage"},
            )
        )
        body = api.get(turl(f"invoices/{january.id}")).json()
    assert (note["number"], note["amount"], note["tax"]) == ("CN-000001", "11.19", "0.91")
    assert {key: body[key] for key in AMOUNTS} == docs_example()
    assert [(line["kind"], line["amount"]) for line in body["lines"]] == [
        ("flat_fee", "49.00"),
        ("usage", "21.25"),
        ("discount", "-14.05"),
    ]
    assert body["status"] == "open"

    # The coupon discounts February and March (20 % of 49.00), then ends.
    discounts = [bill(tenant, at(2026, month, 1))[0].discount for month in (3, 4, 5)]
    assert discounts == [Decimal("9.80"), Decimal("9.80"), Decimal(0)]
    assert Invoice.objects.filter(subscription=sub).count() == 4
