"""Progressive billing with real commits: end to end through Redis and a real Celery
worker (not eager), usage sent to a sandbox's API queues one debounced check per
customer on commit and the worker issues the threshold invoice a moment later; and
concurrent checks on real threads issue each threshold once."""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from invoices import receivers, tasks
from invoices.models import Invoice
from invoices.progressive import thresholds_check
from invoices.tests.test_worker import POLL_FOR_SECONDS, worker  # noqa: F401 - the worker fixture
from plans.models import Meter
from plans.pricing import ChargeSpec
from plans.tests.factories import PlanFactory, add_charge
from subscriptions.tests.factories import SubscriptionFactory
from tenants.tests.factories import PASSWORD
from tenants.tests.utils import at, at_once, failures
from usage.tests.factories import use

PLAN = {
    "code": "scale", "name": "Scale", "currency": "USD", "interval": "month", "amount": "20.00",
    "charges": [{"meter": "api_calls", "model": "per_unit", "unit_amount": "0.10"}],
    "usage_thresholds": [{"amount": "50.00"}, {"amount": "100.00"}],
}  # fmt: skip


def threshold_invoices(api: APIClient, base: str, count: int) -> list[dict]:
    """The threshold invoices once there are `count` of them (or as they are when the bounded wait ends)."""
    deadline = time.monotonic() + POLL_FOR_SECONDS
    while True:
        found = [i for i in api.get(f"{base}/invoices").json()["results"] if i["billing_reason"] == "threshold"]
        if len(found) >= count or time.monotonic() > deadline:
            return sorted(found, key=lambda i: i["number"])
        time.sleep(0.2)


def sandbox_with_plan(monkeypatch: pytest.MonkeyPatch) -> tuple[APIClient, str, str]:
    """A sandbox signed up through the API (its clock at 2026-01-10) with the api_calls
    meter and PLAN, checks debounced by one second: its client, base route and plan id."""
    monkeypatch.setattr(receivers, "DEBOUNCE_SECONDS", 1)
    signup = {"name": "Box", "admin_email": "box@example.test", "admin_password": PASSWORD, "sandbox": True,
              "clock_time": "2026-01-10T00:00:00Z"}  # fmt: skip
    box = APIClient().post("/v1/tenants", signup, format="json").json()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {box['access']}")
    base = f"/v1/tenants/{box['tenant']['id']}"
    assert api.post(f"{base}/meters", {"code": "api_calls", "name": "Calls", "aggregation": "sum"}).status_code == 201
    return api, base, api.post(f"{base}/plans", PLAN, format="json").json()["id"]


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_issues_the_threshold_invoice_after_ingestion(worker, monkeypatch):  # noqa: F811
    api, base, plan = sandbox_with_plan(monkeypatch)
    customer = api.post(f"{base}/customers", {"external_id": "cus_1", "name": "Globex"}, format="json").json()["id"]
    subscription = {"customer_id": customer, "plan_id": plan, "start_at": "2026-01-01T00:00:00Z"}
    assert api.post(f"{base}/subscriptions", subscription, format="json").status_code == 201

    events = [{"idempotency_key": f"e{n}", "external_customer_id": "cus_1", "meter": "api_calls", "value": "150"}
              for n in range(4)]  # fmt: skip
    assert api.post(f"{base}/usage/batch", {"events": events}, format="json").status_code == 200  # 60.00

    (first,) = threshold_invoices(api, base, 1)
    shown = api.get(f"{base}/invoices/{first['id']}").json()
    assert (shown["number"], shown["total"], shown["period_end"]) == (
        "INV-000001",
        "60.00",
        "2026-01-10T00:00:00.000000Z",
    )
    assert [(line["kind"], line["quantity"], line["amount"]) for line in shown["lines"]] == [("usage", "600", "60.00")]
    checks = [ident for name, ident in worker if name == tasks.invoice_thresholds_check.name]
    assert checks and threading.get_ident() not in checks  # the worker's thread, not this one

    more = [{**e, "idempotency_key": f"m{n}"} for n, e in enumerate(events)]
    assert api.post(f"{base}/usage/batch", {"events": more}, format="json").status_code == 200  # 120.00
    second = threshold_invoices(api, base, 2)[1]
    assert (second["number"], second["total"]) == ("INV-000002", "60.00")
    time.sleep(1.5)  # a late duplicate check would have issued a third by now
    assert len(threshold_invoices(api, base, 0)) == 2  # as they are now


@pytest.mark.django_db(transaction=True)
def test_concurrent_checks_issue_each_threshold_once(tenant):
    """Eight checks at once on real threads (an ingest's task, the run, a retry…): one
    invoice per threshold, whichever check wins the subscription's lock."""
    plan = PlanFactory(tenant=tenant, code="scale", amount=Decimal("20.00"), usage_thresholds=[Decimal("50.00")])
    add_charge(plan, ChargeSpec.per_unit(Decimal("0.10")), meter="api_calls", aggregation=Meter.Aggregation.SUM)
    subs = [SubscriptionFactory(tenant=tenant, plan=plan, start_at=at(2026, 1, 1)) for _ in range(3)]
    for sub in subs:
        use(sub, "api_calls", 600, at(2026, 1, 5))
    now = at(2026, 1, 6)
    results = at_once([lambda: thresholds_check(tenant=tenant.pk, now=now)] * 8, tenant=tenant.pk)
    assert failures(results) == []
    assert sum(len(made) for made in results) == 3
    invoices = Invoice.objects.for_tenant(tenant).filter(billing_reason="threshold")
    assert sorted((i.subscription_id, i.total) for i in invoices) == sorted((s.pk, Decimal("60.00")) for s in subs)
    assert [i.number for i in invoices.order_by("number")] == ["INV-000001", "INV-000002", "INV-000003"]


@pytest.mark.django_db(transaction=True)
def test_one_batch_of_many_customers_queues_one_check(worker, monkeypatch):  # noqa: F811
    """A batch naming three customers queues one check task for the three (not one per
    customer), and that task issues each customer's threshold invoice."""
    api, base, plan = sandbox_with_plan(monkeypatch)
    for n in range(3):
        customer = api.post(f"{base}/customers", {"external_id": f"cus_{n}", "name": f"C{n}"}, format="json").json()
        subscription = {"customer_id": customer["id"], "plan_id": plan, "start_at": "2026-01-01T00:00:00Z"}
        assert api.post(f"{base}/subscriptions", subscription, format="json").status_code == 201

    events = [{"idempotency_key": f"e{n}", "external_customer_id": f"cus_{n % 3}", "meter": "api_calls", "value": "300"}
              for n in range(6)]  # fmt: skip
    assert api.post(f"{base}/usage/batch", {"events": events}, format="json").status_code == 200  # 60.00 each

    found = threshold_invoices(api, base, 3)
    assert sorted(i["total"] for i in found) == ["60.00", "60.00", "60.00"]
    assert len({i["customer_id"] for i in found}) == 3
    time.sleep(1.5)  # a second check would have run by now
    assert [name for name, _ in worker].count(tasks.invoice_thresholds_check.name) == 1


@pytest.mark.django_db
def test_a_check_queued_before_batching_still_runs(tenant):
    """A task queued by the previous version names one customer (a string, not a list)."""
    plan = PlanFactory(tenant=tenant, code="scale", amount=Decimal("20.00"), usage_thresholds=[Decimal("50.00")])
    add_charge(plan, ChargeSpec.per_unit(Decimal("0.10")), meter="api_calls", aggregation=Meter.Aggregation.SUM)
    sub = SubscriptionFactory(tenant=tenant, plan=plan, start_at=at(2026, 1, 1))
    use(sub, "api_calls", 600, at(2026, 1, 5))
    tenant.sandbox, tenant.clock_time = True, at(2026, 1, 6)
    tenant.save()
    assert tasks.invoice_thresholds_check.run(str(tenant.pk), str(sub.customer_id)) == 1
    (invoice,) = Invoice.objects.for_tenant(tenant).filter(billing_reason="threshold")
    assert (invoice.subscription_id, invoice.total) == (sub.pk, Decimal("60.00"))
