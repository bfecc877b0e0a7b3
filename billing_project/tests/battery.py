"""The registry of the tenant battery (test_battery.py): every route under
/v1/tenants/{tenant_id}/, by URL name, with what the battery needs to call it for a
tenant. A route that the URLconf has and the registry lacks fails the battery, so a
new route cannot ship without its isolation, role and payload tests.

It lives in the project, not in an app: it needs the factories of every app, and the
apps depend one way (DESIGN.md).

An entry says, for one route:
- `make(tenant)`: an object of `tenant` the route names in its path or lists;
- `kwargs(obj)`: the path's other parameters for that object;
- `listed`: its GET lists such objects, each under its `id`;
- `missing`: the 404 text when the path names an object of another tenant;
- `bodies`: for each write method, `body(tenant)`, a valid body for that tenant (it
  may create what the body refers to);
- `headers`: sent with every write;
- `read_role` / `write_role`: the least role API.md allows for reads and writes.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rest_framework.exceptions import NotFound

from invoices.api import INVOICE_RUN_NOT_FOUND
from invoices.services import INVOICE_NOT_FOUND
from invoices.services import SUBSCRIPTION_NOT_FOUND as INVOICING_SUBSCRIPTION_NOT_FOUND
from invoices.tests.factories import InvoiceFactory, InvoiceRunFactory
from plans.tests.factories import MeterFactory, PlanFactory, add_charge
from subscriptions.services import CUSTOMER_NOT_FOUND, SUBSCRIPTION_NOT_FOUND
from subscriptions.tests.factories import CustomerFactory, SubscriptionFactory
from tenants.models import Role, Tenant
from tenants.services import API_KEY_NOT_FOUND, api_key_create
from tenants.tests.factories import PASSWORD, UserFactory
from usage.api import CUSTOMER_NOT_FOUND as USAGE_CUSTOMER_NOT_FOUND
from usage.tests.factories import UsageEventFactory
from webhooks.models import WebhookDelivery
from webhooks.selectors import DELIVERY_NOT_FOUND, ENDPOINT_NOT_FOUND
from webhooks.tests.factories import WebhookDeliveryFactory, WebhookEndpointFactory

Body = Callable[[Tenant], dict[str, Any]]
# What `get_object()`'s Http404 says (the meter and plan detail routes).
GET_OBJECT_NOT_FOUND = str(NotFound.default_detail)

_names = itertools.count()


def _unique(prefix: str) -> str:
    return f"{prefix}_{next(_names)}"


def _empty(tenant: Tenant) -> dict[str, Any]:
    return {}


def _no_kwargs(obj: Any) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Route:
    make: Callable[[Tenant], Any] | None = None
    kwargs: Callable[[Any], dict[str, Any]] = _no_kwargs
    listed: bool = False
    missing: str | None = None
    bodies: dict[str, Body] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    read_role: Role = Role.VIEWER
    write_role: Role = Role.MEMBER


def _api_key(tenant: Tenant) -> Any:
    return api_key_create(tenant=tenant, name="battery")[0]


def _user(tenant: Tenant) -> dict[str, Any]:
    return {"email": f"{_unique('user')}@example.test", "password": PASSWORD, "role": Role.MEMBER}


def _plan(tenant: Tenant) -> Any:
    plan = PlanFactory(tenant=tenant)
    add_charge(plan)
    return plan


def _plan_body(tenant: Tenant) -> dict[str, Any]:
    meter = MeterFactory(tenant=tenant)
    charge = {"meter": meter.code, "model": "per_unit", "unit_amount": "0.10"}
    return {"code": _unique("plan"), "name": "Battery", "interval": "month", "amount": "9.00", "charges": [charge]}


def _subscription_body(tenant: Tenant) -> dict[str, Any]:
    return {"customer_id": str(CustomerFactory(tenant=tenant).id), "plan_id": str(PlanFactory(tenant=tenant).id)}


def _event(tenant: Tenant) -> dict[str, Any]:
    customer, meter = CustomerFactory(tenant=tenant), MeterFactory(tenant=tenant)
    return {"external_customer_id": customer.external_id, "meter": meter.code, "value": "3"}


def _dead_delivery(tenant: Tenant) -> WebhookDelivery:
    return WebhookDeliveryFactory(tenant=tenant, status=WebhookDelivery.Status.DEAD)


ADMIN_ONLY: dict[str, Any] = {"read_role": Role.ADMIN, "write_role": Role.ADMIN}

ROUTES: dict[str, Route] = {
    "tenant-detail": Route(),
    # Users and API keys
    "user-list": Route(make=lambda t: UserFactory(tenant=t), listed=True, bodies={"post": _user}, **ADMIN_ONLY),
    "api-key-list": Route(make=_api_key, listed=True, bodies={"post": lambda t: {"name": "battery"}}, **ADMIN_ONLY),
    "api-key-revoke": Route(
        make=_api_key,
        kwargs=lambda key: {"key_id": key.id},
        missing=API_KEY_NOT_FOUND,
        bodies={"delete": _empty},
        **ADMIN_ONLY,
    ),
    # Outbound webhooks
    "webhook-endpoint-list": Route(
        make=lambda t: WebhookEndpointFactory(tenant=t),
        listed=True,
        bodies={"post": lambda t: {"url": f"https://hooks.example.com/{_unique('hook')}"}},
        **ADMIN_ONLY,
    ),
    "webhook-endpoint-detail": Route(
        make=lambda t: WebhookEndpointFactory(tenant=t),
        kwargs=lambda endpoint: {"endpoint_id": endpoint.id},
        missing=ENDPOINT_NOT_FOUND,
        bodies={"patch": lambda t: {"description": "Changed"}, "delete": _empty},
        **ADMIN_ONLY,
    ),
    "webhook-delivery-list": Route(make=_dead_delivery, listed=True, **ADMIN_ONLY),
    "webhook-delivery-detail": Route(
        make=_dead_delivery,
        kwargs=lambda delivery: {"delivery_id": delivery.id},
        missing=DELIVERY_NOT_FOUND,
        **ADMIN_ONLY,
    ),
    "webhook-delivery-retry": Route(
        make=_dead_delivery,
        kwargs=lambda delivery: {"delivery_id": delivery.id},
        missing=DELIVERY_NOT_FOUND,
        bodies={"post": _empty},
        **ADMIN_ONLY,
    ),
    # Catalog
    "meter-list": Route(
        make=lambda t: MeterFactory(tenant=t),
        listed=True,
        bodies={"post": lambda t: {"code": _unique("meter"), "name": "Battery", "aggregation": "count"}},
    ),
    "meter-detail": Route(
        make=lambda t: MeterFactory(tenant=t), kwargs=lambda meter: {"meter_id": meter.id}, missing=GET_OBJECT_NOT_FOUND
    ),
    "plan-list": Route(make=_plan, listed=True, bodies={"post": _plan_body}),
    "plan-detail": Route(
        make=_plan,
        kwargs=lambda plan: {"plan_id": plan.id},
        missing=GET_OBJECT_NOT_FOUND,
        bodies={"patch": lambda t: {"name": "Renamed"}},
    ),
    # Customers and subscriptions
    "customer-list": Route(
        make=lambda t: CustomerFactory(tenant=t),
        listed=True,
        bodies={"post": lambda t: {"external_id": _unique("cus"), "name": "Battery"}},
    ),
    "customer-detail": Route(
        make=lambda t: CustomerFactory(tenant=t),
        kwargs=lambda customer: {"customer_id": customer.id},
        missing=CUSTOMER_NOT_FOUND,
        bodies={"patch": lambda t: {"name": "Renamed"}},
    ),
    "subscription-list": Route(
        make=lambda t: SubscriptionFactory(tenant=t), listed=True, bodies={"post": _subscription_body}
    ),
    "subscription-detail": Route(
        make=lambda t: SubscriptionFactory(tenant=t),
        kwargs=lambda sub: {"subscription_id": sub.id},
        missing=SUBSCRIPTION_NOT_FOUND,
    ),
    # Usage
    "usage-list": Route(
        make=lambda t: UsageEventFactory(tenant=t),
        listed=True,
        bodies={"post": _event},
        headers={"Idempotency-Key": "battery-1"},
    ),
    "usage-batch": Route(bodies={"post": lambda t: {"events": [{"idempotency_key": "battery-1", **_event(t)}]}}),
    "customer-usage": Route(
        make=lambda t: CustomerFactory(tenant=t),
        kwargs=lambda customer: {"customer_id": customer.id},
        missing=USAGE_CUSTOMER_NOT_FOUND,
    ),
    # Invoicing
    "invoice-run": Route(bodies={"post": _empty}),
    "invoice-run-detail": Route(
        make=lambda t: InvoiceRunFactory(tenant=t), kwargs=lambda run: {"run_id": run.id}, missing=INVOICE_RUN_NOT_FOUND
    ),
    "invoice-list": Route(make=lambda t: InvoiceFactory(tenant=t), listed=True),
    "invoice-detail": Route(
        make=lambda t: InvoiceFactory(tenant=t),
        kwargs=lambda invoice: {"invoice_id": invoice.id},
        missing=INVOICE_NOT_FOUND,
    ),
    "invoice-void": Route(
        make=lambda t: InvoiceFactory(tenant=t),
        kwargs=lambda invoice: {"invoice_id": invoice.id},
        missing=INVOICE_NOT_FOUND,
        bodies={"post": _empty},
        write_role=Role.ADMIN,
    ),
    "subscription-cancel": Route(
        make=lambda t: SubscriptionFactory(tenant=t),
        kwargs=lambda sub: {"subscription_id": sub.id},
        missing=INVOICING_SUBSCRIPTION_NOT_FOUND,
        bodies={"post": lambda t: {"at_period_end": False}},
    ),
    "subscription-upcoming-invoice": Route(
        make=lambda t: SubscriptionFactory(tenant=t),
        kwargs=lambda sub: {"subscription_id": sub.id},
        missing=INVOICING_SUBSCRIPTION_NOT_FOUND,
    ),
    # Metrics
    "metrics-mrr": Route(),
    "metrics-revenue": Route(),
}
