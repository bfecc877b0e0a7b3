"""An audit entry for every family of state change, made through HTTP as a caller
would: the action, the object, the actor, the changes and the request id (the
caller's `X-Request-ID`, or the one the response carries when it sent none)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from audit.models import AuditEntry
from invoices.models import Invoice
from invoices.tests.factories import InvoiceFactory
from payments.tests.test_api import body as payment_body
from payments.tests.test_api import post as payment_post
from plans.tests.factories import CouponFactory, PlanFactory, TaxRateFactory
from subscriptions.tests.factories import CustomerFactory, DiscountFactory, SubscriptionFactory
from tenants.models import ApiKey, Tenant
from tenants.services import api_key_create
from tenants.tests.factories import make_sandbox
from usage.tests.factories import UsageEventFactory
from webhooks.models import WebhookDelivery
from webhooks.tests.factories import WebhookDeliveryFactory, WebhookEndpointFactory

pytestmark = pytest.mark.django_db


@dataclass
class Call:
    method: str
    path: str
    body: dict[str, Any] = field(default_factory=dict)
    object_id: Any = None  # default: the response's "id"


@dataclass
class Case:
    action: str
    object_type: str
    call: Callable[[Tenant], Call]
    changes: dict[str, list[Any]] = field(default_factory=dict)  # a subset of the entry's


def _sub(tenant: Tenant, **fields: Any) -> Any:
    return SubscriptionFactory(tenant=tenant, plan=PlanFactory(tenant=tenant, amount=Decimal("49.00")), **fields)


def _pending(tenant: Tenant) -> Call:
    sub = _sub(tenant)
    sub.pending_plan = PlanFactory(tenant=tenant)
    sub.save(update_fields=["pending_plan"])
    return Call("delete", f"subscriptions/{sub.pk}/pending-change", object_id=sub.pk)


def _event(tenant: Tenant) -> Any:
    return UsageEventFactory(tenant=tenant, value=Decimal(5))


def _retry(tenant: Tenant) -> Call:
    delivery = WebhookDeliveryFactory(tenant=tenant, status=WebhookDelivery.Status.DEAD)
    return Call("post", f"webhook-deliveries/{delivery.pk}/retry", object_id=delivery.pk)


def _clock(tenant: Tenant) -> Call:
    make_sandbox(tenant, datetime(2026, 1, 1, tzinfo=UTC))
    return Call("post", "clock/advance", {"to": "2026-01-02T00:00:00Z"}, object_id=tenant.pk)


CASES = {
    "meter": Case("meter.created", "meter", lambda t: Call("post", "meters", {"code": "calls", "name": "Calls", "aggregation": "count"}), {"code": [None, "calls"]}),
    "plan": Case("plan.created", "plan", lambda t: Call("post", "plans", {"code": "pro", "name": "Pro", "interval": "month", "amount": "49.00"}), {"amount": [None, "49.000000000000"]}),
    "plan_patch": Case("plan.updated", "plan", lambda t: Call("patch", f"plans/{PlanFactory(tenant=t, name='Old').pk}", {"name": "New"}), {"name": ["Old", "New"]}),
    "tax_rate": Case("tax_rate.created", "tax_rate", lambda t: Call("post", "tax-rates", {"code": "vat", "name": "VAT", "percentage": "20"}), {"code": [None, "vat"]}),
    "tax_rate_patch": Case("tax_rate.updated", "tax_rate", lambda t: Call("patch", f"tax-rates/{TaxRateFactory(tenant=t).pk}", {"active": False}), {"active": [True, False]}),
    "coupon": Case("coupon.created", "coupon", lambda t: Call("post", "coupons", {"code": "ten", "name": "10%", "percent_off": "10", "duration": "once"}), {"code": [None, "ten"]}),
    "coupon_patch": Case("coupon.updated", "coupon", lambda t: Call("patch", f"coupons/{CouponFactory(tenant=t).pk}", {"active": False}), {"active": [True, False]}),
    "customer": Case("customer.created", "customer", lambda t: Call("post", "customers", {"external_id": "cus_1", "name": "Wile"}), {"external_id": [None, "cus_1"]}),
    "customer_patch": Case("customer.updated", "customer", lambda t: Call("patch", f"customers/{CustomerFactory(tenant=t, name='Wile').pk}", {"name": "Road"}), {"name": ["Wile", "Road"]}),
    "tenant_settings": Case("tenant.updated", "tenant", lambda t: Call("patch", "", {"dunning": {"final_action": "mark_uncollectible"}}, object_id=t.pk), {"dunning_final_action": ["none", "mark_uncollectible"]}),
    "tenant_tax_rates": Case("tenant.updated", "tenant", lambda t: Call("patch", "", {"default_tax_rates": [TaxRateFactory(tenant=t, code="vat").code]}, object_id=t.pk), {"default_tax_rates": [[], ["vat"]]}),
    "user": Case("user.created", "user", lambda t: Call("post", "users", {"email": "new@acme.test", "password": "a-long-enough-passphrase", "role": "member"}), {"role": [None, "member"]}),
    "api_key": Case("api_key.created", "api_key", lambda t: Call("post", "api-keys", {"name": "ci"}), {"name": [None, "ci"]}),
    "api_key_revoke": Case("api_key.revoked", "api_key", lambda t: Call("delete", f"api-keys/{(k := api_key_create(tenant=t, name='old')[0]).pk}", object_id=k.pk)),
    "subscription": Case("subscription.created", "subscription", lambda t: Call("post", "subscriptions", {"customer_id": str(CustomerFactory(tenant=t).pk), "plan_id": str(PlanFactory(tenant=t).pk)}), {"status": [None, "active"]}),
    "cancel_now": Case("subscription.canceled", "subscription", lambda t: Call("post", f"subscriptions/{(s := _sub(t)).pk}/cancel", {"at_period_end": False}, object_id=s.pk), {"status": [None, "canceled"]}),
    "cancel_later": Case("subscription.cancel_scheduled", "subscription", lambda t: Call("post", f"subscriptions/{(s := _sub(t)).pk}/cancel", {"at_period_end": True}, object_id=s.pk), {"cancel_at_period_end": [False, True]}),
    "change_now": Case("subscription.plan_changed", "subscription", lambda t: Call("post", f"subscriptions/{(s := _sub(t)).pk}/change", {"plan_id": str(PlanFactory(tenant=t).pk), "effective": "now"}, object_id=s.pk)),
    "change_later": Case("subscription.change_scheduled", "subscription", lambda t: Call("post", f"subscriptions/{(s := _sub(t)).pk}/change", {"plan_id": str(PlanFactory(tenant=t).pk), "effective": "period_end"}, object_id=s.pk)),
    "pending_change_delete": Case("subscription.pending_change_deleted", "subscription", _pending),
    "discount": Case("discount.created", "discount", lambda t: Call("post", f"customers/{CustomerFactory(tenant=t).pk}/discounts", {"coupon_code": CouponFactory(tenant=t).code})),
    "discount_end": Case("discount.ended", "discount", lambda t: Call("delete", f"customers/{(d := DiscountFactory(tenant=t)).customer_id}/discounts/{d.pk}", object_id=d.pk)),
    "usage_void": Case("usage_event.voided", "usage_event", lambda t: Call("post", f"usage/{_event(t).pk}/void", {"reason": "double send"})),
    "usage_amend": Case("usage_event.amended", "usage_event", lambda t: Call("post", f"usage/{_event(t).pk}/amend", {"value": "3", "reason": "bad query"}), {"value": ["5.000000000000", "3"]}),
    "invoice_void": Case("invoice.voided", "invoice", lambda t: Call("post", f"invoices/{InvoiceFactory(tenant=t).pk}/void"), {"status": ["open", "void"]}),
    "invoice_uncollectible": Case("invoice.marked_uncollectible", "invoice", lambda t: Call("post", f"invoices/{InvoiceFactory(tenant=t).pk}/mark-uncollectible"), {"status": ["open", "uncollectible"]}),
    "invoice_pay": Case("invoice.charge_sent", "invoice", lambda t: Call("post", f"invoices/{InvoiceFactory(tenant=t).pk}/pay"), {"attempt_count": [0, 1]}),
    "credit_note": Case("credit_note.created", "credit_note", lambda t: Call("post", f"invoices/{InvoiceFactory(tenant=t).pk}/credit-notes", {"amount": "5.00", "reason": "duplicate"}), {"amount": [None, "5.000000000000"]}),
    "balance": Case("balance_transaction.created", "balance_transaction", lambda t: Call("post", f"customers/{CustomerFactory(tenant=t).pk}/balance-transactions", {"currency": "USD", "amount": "10.00", "description": "goodwill"}), {"amount": [None, "10.0000"]}),
    "invoice_run": Case("invoice_run.created", "invoice_run", lambda t: Call("post", "invoices/run", {})),
    "webhook_endpoint": Case("webhook_endpoint.created", "webhook_endpoint", lambda t: Call("post", "webhook-endpoints", {"url": "https://example.com/hooks"}), {"url": [None, "https://example.com/hooks"]}),
    "webhook_endpoint_patch": Case("webhook_endpoint.updated", "webhook_endpoint", lambda t: Call("patch", f"webhook-endpoints/{WebhookEndpointFactory(tenant=t).pk}", {"active": False}), {"active": [True, False]}),
    "webhook_endpoint_delete": Case("webhook_endpoint.deleted", "webhook_endpoint", lambda t: Call("delete", f"webhook-endpoints/{(e := WebhookEndpointFactory(tenant=t)).pk}", object_id=e.pk)),
    "webhook_retry": Case("webhook_delivery.retried", "webhook_delivery", _retry, {"status": ["dead", "pending"]}),
    "clock_advance": Case("tenant.clock_advance_requested", "tenant", _clock),
}  # fmt: skip


def _send(api: APIClient, tenant: Tenant, call: Call, request_id: str | None) -> Any:
    url = f"/v1/tenants/{tenant.pk}/{call.path}".rstrip("/")
    headers = {"X-Request-ID": request_id} if request_id else {}
    send = getattr(api, call.method)
    if call.method == "delete":
        return send(url, headers=headers)
    return send(url, data=json.dumps(call.body), content_type="application/json", headers=headers)


@pytest.mark.parametrize("name", list(CASES))
def test_each_change_through_the_api_leaves_its_entry(name, tenant, api, admin_user, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    case = CASES[name]
    call = case.call(tenant)
    before = set(AuditEntry.objects.values_list("pk", flat=True))

    response = _send(api, tenant, call, f"req-{name}")

    assert response.status_code < 300, response.content
    object_id = str(call.object_id or response.json()["id"])
    entries = AuditEntry.objects.exclude(pk__in=before).filter(action=case.action, object_id=object_id)
    assert len(entries) == 1, list(AuditEntry.objects.exclude(pk__in=before).values_list("action", "object_id"))
    entry = entries[0]
    assert (entry.tenant_id, entry.object_type, entry.request_id) == (tenant.pk, case.object_type, f"req-{name}")
    assert (entry.actor_type, entry.actor_id, entry.actor_email) == ("user", str(admin_user.pk), admin_user.email)
    assert {k: entry.changes[k] for k in case.changes} == case.changes


def test_an_api_key_is_the_actor_of_its_calls_and_the_generated_request_id_is_kept(tenant, client_for_key):
    key, raw = api_key_create(tenant=tenant, name="backend")
    event = _event(tenant)

    response = _send(client_for_key(raw), tenant, Call("post", f"usage/{event.pk}/void", {"reason": "dup"}), None)

    assert response.status_code == 200
    entry = AuditEntry.objects.get(action="usage_event.voided")
    assert (entry.actor_type, entry.actor_id, entry.actor_email) == ("api_key", str(key.pk), "")
    assert entry.request_id == response["X-Request-ID"] != ""
    assert entry.reason == "dup"
    assert entry.changes["voided_at"][0] is None


def test_no_entry_holds_a_secret(tenant, api, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    key = api.post(f"/v1/tenants/{tenant.pk}/api-keys", {"name": "ci"}, format="json").json()["key"]
    secret = api.post(f"/v1/tenants/{tenant.pk}/webhook-endpoints", {"url": "https://e.com/h"}, format="json").json()
    stored = json.dumps(list(AuditEntry.objects.values("changes", "reason")), default=str)
    assert key not in stored and secret["secret"] not in stored
    assert ApiKey.objects.get(name="ci").prefix in stored  # the key is named by its prefix


def test_signup_is_the_new_admins_act(db):
    body = {"name": "Initech", "admin_email": "boss@initech.test", "admin_password": "a-long-enough-passphrase"}
    response = APIClient().post("/v1/tenants", body, format="json", headers={"X-Request-ID": "signup-1"})
    assert response.status_code == 201
    tenant_id, user_id = response.json()["tenant"]["id"], response.json()["user"]["id"]
    entry = AuditEntry.objects.get(action="tenant.created")
    assert (str(entry.tenant_id), entry.object_id, entry.request_id) == (tenant_id, tenant_id, "signup-1")
    assert (entry.actor_type, entry.actor_id, entry.actor_email) == ("user", user_id, "boss@initech.test")


def test_the_payment_webhook_records_the_outcome_as_the_system(tenant):
    invoice = InvoiceFactory(tenant=tenant)
    response = payment_post(payment_body(invoice), msg_id="msg_audit")
    assert response.status_code == 200
    entry = AuditEntry.objects.get(action="invoice.paid", object_id=str(invoice.pk))
    assert (entry.actor_type, entry.actor_id) == ("system", "payment_webhook")
    assert entry.changes["status"] == ["open", "paid"]
    assert entry.request_id == response["X-Request-ID"]


def test_an_admin_action_records_the_staff_user(staff_client, tenant):
    invoice = InvoiceFactory(tenant=tenant)
    staff_client.post(
        "/admin/invoices/invoice/", {"action": "void_selected", "_selected_action": [str(invoice.pk)], "post": "yes"}
    )
    entry = AuditEntry.objects.get(action="invoice.voided", object_id=str(invoice.pk))
    assert (entry.actor_type, entry.actor_email) == ("staff", "support@billing.test")


def test_the_clock_records_what_it_did_as_the_system(tenant, api, django_capture_on_commit_callbacks):
    make_sandbox(tenant, datetime(2026, 1, 1, tzinfo=UTC))
    sub = _sub(tenant, start_at=datetime(2026, 1, 1, tzinfo=UTC))
    with django_capture_on_commit_callbacks(execute=True):
        response = _send(api, tenant, Call("post", "clock/advance", {"to": "2026-02-02T00:00:00Z"}), "adv-1")
    assert response.status_code == 202
    finalized = AuditEntry.objects.get(action="invoice.finalized")
    assert finalized.actor_type == "system" and finalized.actor_id.startswith("task:")
    advanced = AuditEntry.objects.get(action="tenant.clock_advanced")
    assert advanced.changes["clock_time"] == ["2026-01-01T00:00:00Z", "2026-02-02T00:00:00Z"]
    assert finalized.object_id == str(Invoice.objects.get(subscription=sub).pk)
    assert AuditEntry.objects.get(action="tenant.clock_advance_requested").request_id == "adv-1"


def test_a_command_acts_as_the_system(tenant):
    from django.core.management import call_command

    SubscriptionFactory(tenant=tenant, start_at=datetime.now(UTC) - timedelta(days=40))
    call_command("run_invoices", "--tenant", str(tenant.pk))
    entry = AuditEntry.objects.filter(action="invoice.finalized").first()
    assert entry is not None and (entry.actor_type, entry.actor_id, entry.request_id) == ("system", "system", "")
