"""Taxes on invoices, through the HTTP API (API.md Part 2, "Taxes" and "Invoice totals"):
the tenant's default rates, a customer's own, an exempt customer, tax on the signed
base of a negative invoice, the preview equal to the invoice, and `taxes` frozen at
finalization. The worked example is docs/invoicing.md's ("Taxes")."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from invoices.models import BalanceTransaction, Invoice
from invoices.services import invoice_due_subscriptions
from plans.models import Meter
from plans.pricing import ChargeSpec, TierSpec
from plans.tests.factories import PlanFactory, add_charge
from subscriptions.models import Customer
from subscriptions.tests.factories import SubscriptionFactory
from tenants.tests.utils import at
from usage.tests.factories import use

pytestmark = pytest.mark.django_db

STATE = {"code": "us-il", "name": "Illinois state tax", "percentage": "6.25"}
CITY = {"code": "us-il-chicago", "name": "Chicago city tax", "percentage": "2.625"}
VAT = {"code": "vat", "name": "VAT", "percentage": "20"}


@pytest.fixture
def rates(api, turl):
    """The three rates, created through the API; the tenant's defaults are state then city."""
    for rate in (STATE, CITY, VAT):
        assert api.post(turl("tax-rates"), rate).status_code == 201
    assert api.patch(turl(), {"default_tax_rates": ["us-il", "us-il-chicago"]}).status_code == 200


@pytest.fixture
def storage_pro(tenant):
    """docs/invoicing.md's Pro plan, with one charge: storage at 0.10 a GB."""
    plan = PlanFactory(tenant=tenant, code="pro", name="Pro", amount=Decimal("49.00"))
    add_charge(plan, ChargeSpec.per_unit(Decimal("0.10")), meter="storage_gb", aggregation=Meter.Aggregation.SUM)
    return plan


def customer(api, turl, external_id="cus_42", **taxes):
    response = api.post(turl("customers"), {"external_id": external_id, "name": "Globex", **taxes})
    assert response.status_code == 201, response.json()
    return Customer.objects.get(pk=response.json()["id"])


def subscribe(tenant, plan, buyer, gb="50"):
    sub = SubscriptionFactory(tenant=tenant, customer=buyer, plan=plan, start_at=at(2026, 1, 1))
    use(sub, "storage_gb", gb, at(2026, 1, 5))
    return sub


def run(api_at, turl, as_of, django_capture_on_commit_callbacks):
    """`POST …/invoices/run` an hour after `as_of`; the task runs on commit."""
    with api_at(as_of + timedelta(hours=1)) as api, django_capture_on_commit_callbacks(execute=True):
        assert api.post(turl("invoices/run"), {"as_of": as_of.isoformat()}).status_code == 202


@pytest.fixture
def api_at(admin_user, client_at):
    return lambda moment: client_at(admin_user, moment)


DOCS = Path(__file__).resolve().parents[2] / "docs" / "invoicing.md"


def docs_example() -> dict:
    """The JSON block of docs/invoicing.md's "A worked example with two rates"."""
    text = DOCS.read_text()
    section = text[text.index("#### A worked example with two rates") :]
    block = re.search(r"```json\n(.*?)\n```", section, re.DOTALL)
    assert block is not None
    return json.loads(block.group(1))


AMOUNTS = ("subtotal", "discount", "tax", "taxes", "total", "credits_applied", "amount_due")


def amounts(body):
    return {key: body[key] for key in AMOUNTS}


def test_two_rates_round_separately_the_worked_example(
    api, turl, tenant, rates, storage_pro, api_at, django_capture_on_commit_callbacks
):
    """docs/invoicing.md, "Taxes": 49.00 + 50 GB × 0.10 = 54.00; the state's 3.375 and the
    city's 1.4175 round on their own to 3.38 + 1.42 = 4.80 (one rate of 8.875 % would be 4.79)."""
    sub = subscribe(tenant, storage_pro, customer(api, turl))
    run(api_at, turl, at(2026, 2, 1), django_capture_on_commit_callbacks)
    body = api.get(turl(f"invoices/{Invoice.objects.get(subscription=sub).id}")).json()
    assert [(line["kind"], line["amount"]) for line in body["lines"]] == [("flat_fee", "49.00"), ("usage", "5.00")]
    assert amounts(body) == docs_example()
    assert [(t["code"], t["amount"]) for t in body["taxes"]] == [("us-il", "3.38"), ("us-il-chicago", "1.42")]
    assert (body["subtotal"], body["tax"], body["total"]) == ("54.00", "4.80", "58.80")
    assert body["status"] == "open"


def test_the_preview_equals_the_invoice(
    api, turl, tenant, rates, storage_pro, api_at, django_capture_on_commit_callbacks, viewer_user, client_at
):
    sub = subscribe(tenant, storage_pro, customer(api, turl))
    BalanceTransaction.objects.create(
        tenant=tenant, customer=sub.customer, currency="USD", amount=Decimal("8.80"), kind="adjustment"
    )
    with client_at(viewer_user, at(2026, 1, 31, 23)) as viewer:
        preview = viewer.get(turl(f"subscriptions/{sub.id}/upcoming-invoice")).json()
    run(api_at, turl, at(2026, 2, 1), django_capture_on_commit_callbacks)
    invoice = api.get(turl(f"invoices/{Invoice.objects.get(subscription=sub).id}")).json()
    assert amounts(preview) == amounts(invoice)
    assert (invoice["tax"], invoice["credits_applied"], invoice["amount_due"]) == ("4.80", "8.80", "50.00")
    # Stored lines have ids (their events route); a preview's are not stored.
    assert preview["lines"] == [{k: v for k, v in line.items() if k != "id"} for line in invoice["lines"]]


def test_a_customers_own_rates_replace_the_tenants(
    api, turl, tenant, rates, storage_pro, api_at, django_capture_on_commit_callbacks
):
    sub = subscribe(tenant, storage_pro, customer(api, turl, tax_rates=["vat"]))
    run(api_at, turl, at(2026, 2, 1), django_capture_on_commit_callbacks)
    body = api.get(turl(f"invoices/{Invoice.objects.get(subscription=sub).id}")).json()
    assert body["taxes"] == [{"code": "vat", "name": "VAT", "percentage": "20", "taxable": "54.00", "amount": "10.80"}]
    assert (body["tax"], body["total"]) == ("10.80", "64.80")


def test_an_exempt_customer_pays_no_tax_whatever_its_rates(
    api, turl, tenant, rates, storage_pro, api_at, django_capture_on_commit_callbacks
):
    sub = subscribe(tenant, storage_pro, customer(api, turl, tax_rates=["vat"], tax_exempt=True))
    run(api_at, turl, at(2026, 2, 1), django_capture_on_commit_callbacks)
    body = api.get(turl(f"invoices/{Invoice.objects.get(subscription=sub).id}")).json()
    assert (body["taxes"], body["tax"], body["total"]) == ([], "0.00", "54.00")


def test_without_any_rate_an_invoice_has_no_taxes(
    api, turl, tenant, storage_pro, api_at, django_capture_on_commit_callbacks
):
    sub = subscribe(tenant, storage_pro, customer(api, turl))
    run(api_at, turl, at(2026, 2, 1), django_capture_on_commit_callbacks)
    body = api.get(turl(f"invoices/{Invoice.objects.get(subscription=sub).id}")).json()
    assert (body["taxes"], body["tax"], body["total"]) == ([], "0.00", "54.00")


@pytest.fixture
def falling(tenant):
    """docs/invoicing.md's volume charge whose total falls: 10 units cost 100.00, 11 cost 11.00."""
    plan = PlanFactory(tenant=tenant, code="falling", amount=Decimal("49.00"))
    tiers = [TierSpec(10, Decimal("10.00")), TierSpec(None, Decimal("1.00"))]
    add_charge(plan, ChargeSpec.volume(tiers), meter="units", aggregation=Meter.Aggregation.SUM)
    return plan


def test_a_negative_invoice_is_taxed_on_its_signed_base_and_the_balance_gets_it_all(
    api, turl, tenant, rates, falling, api_at, django_capture_on_commit_callbacks
):
    """docs/invoicing.md, "Taxes": February's 49.00 and −89.00 of late usage are −40.00,
    taxed −2.50 and −1.05; the total is 0 and 43.55 goes to the balance, which pays
    March's 49.00 + 4.35 of tax: 9.80 is due."""
    sub = SubscriptionFactory(tenant=tenant, customer=customer(api, turl), plan=falling, start_at=at(2026, 1, 1))
    use(sub, "units", "10", at(2026, 1, 5))
    run(api_at, turl, at(2026, 2, 1), django_capture_on_commit_callbacks)
    use(sub, "units", "1", at(2026, 1, 6), created_at=at(2026, 2, 5))  # late: 100.00 → 11.00
    run(api_at, turl, at(2026, 3, 1), django_capture_on_commit_callbacks)
    run(api_at, turl, at(2026, 4, 1), django_capture_on_commit_callbacks)
    february = api.get(turl(f"invoices/{Invoice.objects.get(period_start=at(2026, 2, 1)).id}")).json()
    assert [(t["taxable"], t["amount"]) for t in february["taxes"]] == [("-40.00", "-2.50"), ("-40.00", "-1.05")]
    assert (february["subtotal"], february["tax"], february["total"], february["status"]) == (
        "-40.00",
        "-3.55",
        "0.00",
        "paid",
    )
    march = api.get(turl(f"invoices/{Invoice.objects.get(period_start=at(2026, 3, 1)).id}")).json()
    assert (march["tax"], march["total"], march["credits_applied"], march["amount_due"]) == (
        "4.35",
        "53.35",
        "43.55",
        "9.80",
    )
    ledger = BalanceTransaction.objects.order_by("seq").values_list("kind", "amount")
    assert list(ledger) == [("negative_invoice", Decimal("43.55")), ("applied_to_invoice", Decimal("-43.55"))]


def test_taxes_are_frozen_at_finalization(
    api, turl, tenant, rates, storage_pro, api_at, django_capture_on_commit_callbacks
):
    sub = subscribe(tenant, storage_pro, customer(api, turl))
    run(api_at, turl, at(2026, 2, 1), django_capture_on_commit_callbacks)
    url = turl(f"invoices/{Invoice.objects.get(subscription=sub).id}")
    before = api.get(url).json()
    state_id = api.get(turl("tax-rates?code=us-il")).json()["results"][0]["id"]
    api.patch(turl(f"tax-rates/{state_id}"), {"name": "Renamed", "active": False})
    api.patch(turl(), {"default_tax_rates": ["vat"]})
    assert api.get(url).json() == before
    # The next invoice takes the rates as they are then.
    run(api_at, turl, at(2026, 3, 1), django_capture_on_commit_callbacks)
    february = api.get(turl(f"invoices/{Invoice.objects.get(period_start=at(2026, 2, 1)).id}")).json()
    assert [t["code"] for t in february["taxes"]] == ["vat"]


def test_a_deactivated_rate_still_applies_where_it_is_listed(
    api, turl, tenant, rates, storage_pro, api_at, django_capture_on_commit_callbacks
):
    sub = subscribe(tenant, storage_pro, customer(api, turl))
    city_id = api.get(turl("tax-rates?code=us-il-chicago")).json()["results"][0]["id"]
    api.patch(turl(f"tax-rates/{city_id}"), {"active": False})
    run(api_at, turl, at(2026, 2, 1), django_capture_on_commit_callbacks)
    body = api.get(turl(f"invoices/{Invoice.objects.get(subscription=sub).id}")).json()
    assert [t["code"] for t in body["taxes"]] == ["us-il", "us-il-chicago"]


def test_a_cancellations_final_invoice_is_taxed(api, turl, tenant, rates, storage_pro, api_at):
    sub = subscribe(tenant, storage_pro, customer(api, turl), gb="0")
    with api_at(at(2026, 1, 16, 12)) as admin:  # half of January: 24.50
        final_id = admin.post(turl(f"subscriptions/{sub.id}/cancel"), {"at_period_end": False}).json()[
            "final_invoice_id"
        ]
    body = api.get(turl(f"invoices/{final_id}")).json()
    # 24.50 × 6.25 % = 1.53125 → 1.53; × 2.625 % = 0.643125 → 0.64
    assert [t["amount"] for t in body["taxes"]] == ["1.53", "0.64"]
    assert (body["subtotal"], body["tax"], body["total"]) == ("24.50", "2.17", "26.67")


def test_a_batch_reads_every_customers_rates_in_one_query(api, turl, tenant, rates, storage_pro):
    expected = {}
    for n, taxes in enumerate([{}, {"tax_rates": ["vat"]}, {"tax_exempt": True}, {}, {"tax_rates": ["us-il"]}]):
        sub = subscribe(tenant, storage_pro, customer(api, turl, external_id=f"cus_{n}", **taxes))
        expected[sub.id] = {
            0: ["us-il", "us-il-chicago"],
            1: ["vat"],
            2: [],
            3: ["us-il", "us-il-chicago"],
            4: ["us-il"],
        }[n]
    with CaptureQueriesContext(connection) as queries:
        invoice_due_subscriptions(tenant=tenant.id, as_of=at(2026, 2, 1))
    assert sum("plans_taxrate" in q["sql"] for q in queries.captured_queries) == 1
    for invoice in Invoice.objects.all():
        assert [t["code"] for t in invoice.taxes] == expected[invoice.subscription_id]
