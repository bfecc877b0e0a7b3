"""Progressive billing and minimum commitments through the HTTP API (API.md Part 2,
"Alerts, progressive billing, commitments"; docs/invoicing.md "Thresholds and
minimums"): a sandbox signed up at 2026-01-01 whose clock the tests advance; usage is
sent with the batch route and the after-ingest check runs on commit (eagerly in the
tests; test_progressive_worker.py runs it in a real worker)."""

from __future__ import annotations

import itertools
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from rest_framework.test import APIClient

from invoices.models import Invoice
from invoices.progressive import thresholds_check
from invoices.tests.test_grants_example import sandbox_api
from invoices.tests.test_totals_example import created

pytestmark = pytest.mark.django_db

DOCS = Path(__file__).resolve().parents[2] / "docs" / "invoicing.md"
_keys = itertools.count(1)


class Box:
    """A sandbox tenant driven through its API by its admin."""

    def __init__(self, capture: Any) -> None:
        self.api, self.base = sandbox_api()
        self.capture = capture
        created(self.post("meters", {"code": "api_calls", "name": "API calls", "aggregation": "sum"}))

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        with self.capture(execute=True):
            return self.api.post(f"{self.base}{path}", body or {}, format="json")

    def get(self, path: str) -> Any:
        return self.api.get(f"{self.base}{path}").json()

    def plan(self, code: str, *, unit: str = "0.10", **fields: Any) -> str:
        body = {
            "code": code, "name": code.title(), "currency": "USD", "interval": "month", "amount": "20.00",
            "charges": [{"meter": "api_calls", "model": "per_unit", "unit_amount": unit}], **fields,
        }  # fmt: skip
        return created(self.post("plans", body))["id"]

    def subscribe(self, plan_id: str, external_id: str = "cus_1") -> dict[str, Any]:
        customer = created(self.post("customers", {"external_id": external_id, "name": external_id}))
        return created(self.post("subscriptions", {"customer_id": customer["id"], "plan_id": plan_id}))

    def use(self, calls: int, *, timestamp: str | None = None, external_id: str = "cus_1") -> None:
        event: dict[str, Any] = {
            "idempotency_key": f"ev-{next(_keys)}", "external_customer_id": external_id, "meter": "api_calls",
            "value": str(calls),
        }  # fmt: skip
        if timestamp:
            event["timestamp"] = timestamp
        response = self.post("usage/batch", {"events": [event]})
        assert response.status_code == 200, response.json()

    def advance(self, to: str) -> None:
        response = self.post("clock/advance", {"to": to})
        assert response.status_code == 202, response.json()

    def invoices(self, reason: str | None = None) -> list[dict[str, Any]]:
        found = sorted(self.get("invoices?limit=100")["results"], key=lambda i: i["number"])
        return [self.get(f"invoices/{i['id']}") for i in found if reason in (None, i["billing_reason"])]


def lines(invoice: dict[str, Any]) -> list[tuple[str, str]]:
    return [(line["kind"], line["amount"]) for line in invoice["lines"]]


def amounts(invoice: dict[str, Any]) -> tuple[str, ...]:
    return tuple(invoice[k] for k in ("billing_reason", "subtotal", "discount", "tax", "total"))


@pytest.fixture
def box(django_capture_on_commit_callbacks) -> Box:
    return Box(django_capture_on_commit_callbacks)


def docs_example(title: str) -> dict[str, Any]:
    text = DOCS.read_text()
    section = text[text.index(title) :]
    block = re.search(r"```json\n(.*?)\n```", section, re.DOTALL)
    assert block is not None
    return json.loads(block.group(1))


def summary(invoice: dict[str, Any]) -> dict[str, Any]:
    return {
        "number": invoice["number"], "billing_reason": invoice["billing_reason"],
        "period": [invoice["period_start"][:10], invoice["period_end"][:10]],
        "lines": [[line["kind"], line["quantity"], line["amount"]] for line in invoice["lines"]],
        "subtotal": invoice["subtotal"], "total": invoice["total"],
    }  # fmt: skip


def test_the_worked_example_of_thresholds_and_a_minimum(box):
    """docs/invoicing.md, "Thresholds and minimums": two threshold invoices in January,
    then the period invoice with its true-up and its progressive billing credit."""
    plan = box.plan("scale", usage_thresholds=[{"amount": "100.00"}, {"amount": "50.00"}], minimum_amount="200.00")
    assert box.get(f"plans/{plan}")["usage_thresholds"] == [{"amount": "50.00"}, {"amount": "100.00"}]
    assert box.get(f"plans/{plan}")["minimum_amount"] == "200.00"
    box.subscribe(plan)
    box.advance("2026-01-10T00:00:00Z")
    box.use(400)  # 40.00: below the first threshold
    assert box.invoices() == []
    box.use(200)  # 60.00
    box.advance("2026-01-20T00:00:00Z")
    box.use(700)  # 130.00
    box.advance("2026-02-01T00:00:00Z")
    invoices = box.invoices()
    assert {"invoices": [summary(i) for i in invoices]} == docs_example("## Thresholds and minimums")
    assert sum(Decimal(i["total"]) for i in invoices) == Decimal("200.00")  # = 20 + 130 + the true-up of 50
    assert Invoice.objects.get(pk=invoices[1]["id"]).threshold_amount == Decimal("100.00")


def test_usage_that_crosses_two_thresholds_at_once_makes_one_invoice(box):
    box.subscribe(box.plan("scale", usage_thresholds=[{"amount": "50.00"}, {"amount": "100.00"}]))
    box.advance("2026-01-05T00:00:00Z")
    box.use(1100)
    (invoice,) = box.invoices()
    assert (invoice["billing_reason"], lines(invoice), invoice["total"]) == (
        "threshold",
        [("usage", "110.00")],
        "110.00",
    )
    assert (invoice["period_start"], invoice["period_end"]) == (
        "2026-01-01T00:00:00.000000Z",
        "2026-01-05T00:00:00.000000Z",
    )
    box.use(10)  # 111.00: no threshold left to reach
    box.advance("2026-01-06T00:00:00Z")
    assert len(box.invoices()) == 1
    box.advance("2026-02-01T00:00:00Z")
    closing = box.invoices("period")[0]
    assert lines(closing) == [("flat_fee", "20.00"), ("usage", "111.00"), ("progressive_billing_credit", "-110.00")]
    assert closing["total"] == "21.00"


def test_checks_twice_at_once_issue_one_invoice(box, tenant):
    box.subscribe(box.plan("scale", usage_thresholds=[{"amount": "50.00"}]))
    box.advance("2026-01-05T00:00:00Z")
    box.use(600)
    tenant_id = box.base.split("/")[3]
    from tenants import clock

    assert thresholds_check(tenant=tenant_id, now=clock.now(tenant_id)) == []  # the ingest's check issued it
    assert [i["billing_reason"] for i in box.invoices()] == ["threshold"]


def test_a_voided_threshold_invoice_is_billed_by_the_closing_invoice(box):
    box.subscribe(box.plan("scale", usage_thresholds=[{"amount": "50.00"}, {"amount": "100.00"}]))
    box.advance("2026-01-05T00:00:00Z")
    box.use(600)
    (first,) = box.invoices()
    assert box.post(f"invoices/{first['id']}/void").status_code == 200
    box.use(10)  # 61.00: the voided threshold does not fire again
    assert len(box.invoices()) == 1
    box.use(500)  # 111.00: the next threshold bills what the voided one did too
    second = box.invoices()[1]
    assert (second["billing_reason"], lines(second)) == ("threshold", [("usage", "111.00")])
    box.advance("2026-02-01T00:00:00Z")
    closing = box.invoices("period")[0]
    assert lines(closing) == [("flat_fee", "20.00"), ("usage", "111.00"), ("progressive_billing_credit", "-111.00")]
    assert closing["total"] == "20.00"


def test_cancel_now_after_a_threshold_invoice_trues_up_the_prorated_minimum(box):
    sub = box.subscribe(box.plan("scale", usage_thresholds=[{"amount": "50.00"}], minimum_amount="310.00"))
    box.advance("2026-01-11T00:00:00Z")
    box.use(600)
    box.advance("2026-01-16T12:00:00Z")  # half of January
    response = box.post(f"subscriptions/{sub['id']}/cancel", {"at_period_end": False})
    assert response.status_code == 200, response.json()
    threshold, final = box.invoices()
    assert lines(threshold) == [("usage", "60.00")]
    # 310.00 × 15.5/31 = 155.00; fee 10.00 and usage 60.00 count: 85.00 to true up.
    assert lines(final) == [
        ("proration", "10.00"),
        ("usage", "60.00"),
        ("minimum_true_up", "85.00"),
        ("progressive_billing_credit", "-60.00"),
    ]
    assert (final["billing_reason"], final["total"]) == ("cancellation", "95.00")
    assert Decimal(threshold["total"]) + Decimal(final["total"]) == Decimal("155.00")


def test_a_plan_change_mid_period_trues_up_each_segment_to_its_share(box):
    basic = box.plan("basic", minimum_amount="62.00")
    pro = box.plan("pro", minimum_amount="310.00", unit="0.20")
    sub = box.subscribe(basic)
    box.advance("2026-01-10T00:00:00Z")
    box.use(100)  # 10.00 on basic
    box.advance("2026-01-16T12:00:00Z")
    response = box.post(f"subscriptions/{sub['id']}/change", {"plan_id": pro, "effective": "now"})
    assert response.status_code == 200, response.json()
    box.use(500)  # 100.00 on pro
    box.advance("2026-02-01T00:00:00Z")
    change, period = box.invoices()
    # basic: 62.00 × 15.5/31 = 31.00 − (10.00 + 10.00) = 11.00
    assert lines(change) == [("proration", "10.00"), ("usage", "10.00"), ("minimum_true_up", "11.00")]
    # pro: 310.00 × 15.5/31 = 155.00 − (10.00 + 100.00) = 45.00
    assert lines(period) == [("proration", "10.00"), ("usage", "100.00"), ("minimum_true_up", "45.00")]


def test_late_usage_after_the_close_takes_back_the_true_up_it_fills(box):
    box.subscribe(box.plan("scale", minimum_amount="100.00"))
    box.advance("2026-01-10T00:00:00Z")
    box.use(300)
    box.advance("2026-02-01T00:00:00Z")
    january = box.invoices()[0]
    assert lines(january) == [("flat_fee", "20.00"), ("usage", "30.00"), ("minimum_true_up", "50.00")]
    box.use(200, timestamp="2026-01-25T00:00:00Z")  # 20.00 late: the true-up becomes 30.00
    box.use(500, timestamp="2026-01-26T00:00:00Z")  # 50.00 more: above the minimum, true-up 0
    box.use(100)  # February
    box.advance("2026-03-01T00:00:00Z")
    february = box.invoices()[1]
    assert lines(february) == [
        ("flat_fee", "20.00"),
        ("usage", "10.00"),
        ("late_usage", "70.00"),
        ("minimum_true_up", "70.00"),  # February's own: 100 − 30
        ("minimum_true_up", "-50.00"),  # January's: 0 − 50 already billed
    ]
    late_true_up = february["lines"][4]
    assert late_true_up["description"] == "Minimum commitment true-up (Scale) for 2026-01-01 – 2026-02-01"
    # January's invoices now add up to max(100, 20 + 100) = 120.00.
    assert Decimal(january["total"]) + Decimal("70.00") - Decimal("50.00") == Decimal("120.00")


def test_discounts_and_tax_apply_after_the_credit_and_the_true_up(box):
    created(box.post("tax-rates", {"code": "vat", "name": "VAT", "percentage": "10"}))
    assert box.api.patch(box.base.rstrip("/"), {"default_tax_rates": ["vat"]}, format="json").status_code == 200
    coupon = {"code": "ten", "name": "10 % off", "percent_off": "10", "duration": "forever"}
    created(box.post("coupons", coupon))
    sub = box.subscribe(box.plan("scale", usage_thresholds=[{"amount": "50.00"}], minimum_amount="200.00"))
    created(box.post(f"customers/{sub['customer_id']}/discounts", {"coupon_code": "ten"}))
    box.advance("2026-01-10T00:00:00Z")
    box.use(600)
    box.advance("2026-02-01T00:00:00Z")
    threshold, closing = box.invoices()
    # 60.00 − 10 % = 54.00, + 10 % tax = 59.40
    assert amounts(threshold) == ("threshold", "60.00", "6.00", "5.40", "59.40")
    # 20 + 60 + true-up 120 − credit 60 = 140.00; − 14.00; + 12.60 tax
    assert lines(closing)[:4] == [
        ("flat_fee", "20.00"),
        ("usage", "60.00"),
        ("minimum_true_up", "120.00"),
        ("progressive_billing_credit", "-60.00"),
    ]
    assert amounts(closing) == ("period", "140.00", "14.00", "12.60", "138.60")


def test_threshold_invoices_are_not_another_tenants(box, other_tenant, client_for):
    box.subscribe(box.plan("scale", usage_thresholds=[{"amount": "50.00"}]))
    box.advance("2026-01-05T00:00:00Z")
    box.use(600)
    (invoice,) = box.invoices()
    from tenants.models import Role
    from tenants.tests.factories import UserFactory

    outsider: APIClient = client_for(UserFactory(tenant=other_tenant, role=Role.ADMIN))
    response = outsider.get(f"/v1/tenants/{other_tenant.id}/invoices/{invoice['id']}")
    assert response.status_code == 404
    assert outsider.get(f"/v1/tenants/{other_tenant.id}/invoices").json()["results"] == []
    assert outsider.get(f"{box.base}invoices/{invoice['id']}").status_code in (403, 404)


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"usage_thresholds": [{"amount": "0"}]}, ("usage_thresholds", 0, "amount"), "not_positive"),
        ({"usage_thresholds": [{"amount": "-5.00"}]}, ("usage_thresholds", 0, "amount"), "min_value"),
        ({"usage_thresholds": [{"amount": "5"}, {"amount": "5.00"}]}, ("usage_thresholds", 1, "amount"), None),
        ({"minimum_amount": "-1.00"}, ("minimum_amount",), "min_value"),
    ],
)
def test_bad_thresholds_and_minimums_are_refused_naming_the_field(box, fields, field, code):
    response = box.post("plans", {"code": "bad", "name": "Bad", "interval": "month", **fields})
    assert response.status_code == 400, response.json()
    attrs = [e["attr"] for e in response.json()["errors"]]
    assert attrs == [".".join(str(p) for p in field)]


def test_thresholds_are_refused_with_volume_charges(box):
    body = {
        "code": "vol", "name": "Vol", "interval": "month", "usage_thresholds": [{"amount": "10.00"}],
        "charges": [{"meter": "api_calls", "model": "volume", "tiers": [{"up_to": None, "unit_amount": "0.10"}]}],
    }  # fmt: skip
    response = box.post("plans", body)
    assert response.status_code == 400
    assert [e["attr"] for e in response.json()["errors"]] == ["usage_thresholds"]


@pytest.mark.parametrize(
    "dimensions",
    [
        {"group_by": ["workspace"]},
        {"filters": [{"name": "eu", "properties": {"region": ["eu"]}, "model": "per_unit", "unit_amount": "0.20"}]},
    ],
)
def test_thresholds_are_refused_with_dimensional_charges(box, dimensions):
    body = {
        "code": "dim", "name": "Dim", "interval": "month", "usage_thresholds": [{"amount": "10.00"}],
        "charges": [{"meter": "api_calls", "model": "per_unit", "unit_amount": "0.10", **dimensions}],
    }  # fmt: skip
    response = box.post("plans", body)
    assert response.status_code == 400, response.json()
    errors = response.json()["errors"]
    assert [(e["attr"], e["code"]) for e in errors] == [("usage_thresholds", "dimensional_charge")]
    without = box.post("plans", {**body, "code": "dim2", "usage_thresholds": []})
    assert without.status_code == 201, without.json()


def test_thresholds_and_minimums_never_change_once_a_plan_exists(box):
    plan = box.plan("scale", usage_thresholds=[{"amount": "50.00"}])
    for change in ({"usage_thresholds": []}, {"minimum_amount": "1.00"}):
        response = box.api.patch(f"{box.base}plans/{plan}", change, format="json")
        assert response.status_code == 409
    assert box.get(f"plans/{plan}")["usage_thresholds"] == [{"amount": "50.00"}]
