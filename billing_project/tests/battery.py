"""The registry of the tenant battery (test_battery.py): every route under
/v1/tenants/{tenant_id}/, by URL name, with what the battery needs to call it for a
tenant. A route that the URLconf has and the registry lacks fails the battery, so a
new route cannot ship without its isolation, role and payload tests.

It lives in the project, not in an app: it needs the factories of every app, and the
apps depend one way (DESIGN.md).

An entry says, for one route:
- `make(tenant=)`: an object of `tenant` the route names in its path or lists;
- `names`: the path parameter that names that object (by its primary key); a tuple
  for a nested path, the last naming the object, each other one an attribute of it
  (`("customer_id", "discount_id")`: the discount's `customer_id`, then its key);
- `listed`: its GET lists such objects, each under its `id`;
- `missing`: the 404 text when the path names an object of another tenant;
- `bodies`: for each write method, `body(tenant)`, a valid body for that tenant (it
  may create what the body refers to);
- `headers`: sent with every write;
- `read_role` / `write_role`: the least role API.md allows for reads and writes;
- `prepare(tenant)`: what the path's tenant must be first (a sandbox, for its clock).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from audit.services import audit_record
from invoices.api import INVOICE_RUN_NOT_FOUND
from invoices.credit_notes import CREDIT_NOTE_NOT_FOUND
from invoices.grant_services import CREDIT_GRANT_NOT_FOUND
from invoices.services import INVOICE_NOT_FOUND
from invoices.tests.factories import (
    CreditGrantFactory,
    InvoiceFactory,
    InvoiceLineFactory,
    InvoiceRunFactory,
    credit_note,
)
from metrics.alerts import ALERT_NOT_FOUND, alert_create
from plans.coupon_services import COUPON_NOT_FOUND
from plans.services import METER_NOT_FOUND, PLAN_NOT_FOUND, TAX_RATE_NOT_FOUND
from plans.tests.factories import CouponFactory, MeterFactory, PlanFactory, TaxRateFactory, add_charge
from subscriptions.discount_services import DISCOUNT_NOT_FOUND
from subscriptions.services import CUSTOMER_NOT_FOUND, SUBSCRIPTION_NOT_FOUND
from subscriptions.tests.factories import CustomerFactory, DiscountFactory, SubscriptionFactory
from tenants.models import Role, Tenant
from tenants.services import API_KEY_NOT_FOUND, api_key_create
from tenants.tests.factories import PASSWORD, UserFactory, make_sandbox
from usage.services import USAGE_EVENT_NOT_FOUND
from usage.tests.factories import UsageEventFactory
from webhooks.models import WebhookDelivery
from webhooks.selectors import DELIVERY_NOT_FOUND, ENDPOINT_NOT_FOUND
from webhooks.tests.factories import WebhookDeliveryFactory, WebhookEndpointFactory

Body = Callable[[Tenant], dict[str, Any]]
# What `get_object()`'s Http404 says (the meter and plan detail routes).

_serial = itertools.count()


def _unique(prefix: str) -> str:
    """A code no factory makes (theirs are `{prefix}_{n}`: the same n made a 409)."""
    return f"{prefix}_battery_{next(_serial)}"


def _empty(tenant: Tenant) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Route:
    make: Callable[[Tenant], Any] | None = None
    names: str | tuple[str, ...] | None = None
    listed: bool = False
    missing: str | None = None
    bodies: dict[str, Body] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    read_role: Role = Role.VIEWER
    write_role: Role = Role.MEMBER
    prepare: Callable[[Tenant], None] | None = None

    @property
    def path_names(self) -> set[str]:
        return {self.names} if isinstance(self.names, str) else set(self.names or ())

    def kwargs(self, obj: Any) -> dict[str, Any]:
        """The path's parameters (besides the tenant) for `obj`."""
        if isinstance(self.names, tuple):
            *parents, own = self.names
            return {**{name: getattr(obj, name) for name in parents}, own: obj.pk}
        return {self.names: obj.pk} if self.names else {}


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


def _change_body(tenant: Tenant) -> dict[str, Any]:
    return {"plan_id": str(PlanFactory(tenant=tenant).id), "effective": "now"}


def _changing(tenant: Tenant) -> Any:
    return SubscriptionFactory(tenant=tenant, pending_plan=PlanFactory(tenant=tenant))


def _event(tenant: Tenant) -> dict[str, Any]:
    customer, meter = CustomerFactory(tenant=tenant), MeterFactory(tenant=tenant)
    return {"external_customer_id": customer.external_id, "meter": meter.code, "value": "3"}


def _coupon_body(tenant: Tenant) -> dict[str, Any]:
    return {"code": _unique("coupon"), "name": "Battery", "percent_off": "10", "duration": "forever"}


def _alert(tenant: Tenant) -> Any:
    sub = SubscriptionFactory(tenant=tenant)
    return alert_create(tenant=tenant, subscription_id=sub.pk, type="usage_amount", thresholds=[Decimal(10)])


def _discount_body(tenant: Tenant) -> dict[str, Any]:
    return {"coupon_code": CouponFactory(tenant=tenant).code}


def _dead_delivery(tenant: Tenant) -> WebhookDelivery:
    return WebhookDeliveryFactory(tenant=tenant, status=WebhookDelivery.Status.DEAD)


def _invoice_route(**fields: Any) -> Route:
    """A route that names one invoice in its path."""
    return Route(**{"make": InvoiceFactory, "names": "invoice_id", "missing": INVOICE_NOT_FOUND, **fields})


def _credit_note_route(**fields: Any) -> Route:
    """A route that names one credit note in its path."""
    return Route(**{"make": credit_note, "names": "credit_note_id", "missing": CREDIT_NOTE_NOT_FOUND, **fields})


def _usage_route(**fields: Any) -> Route:
    """A route that names one usage event in its path."""
    return Route(**{"make": UsageEventFactory, "names": "event_id", "missing": USAGE_EVENT_NOT_FOUND, **fields})


def _subscription_route(**fields: Any) -> Route:
    """A route that names one subscription in its path."""
    return Route(
        **{"make": SubscriptionFactory, "names": "subscription_id", "missing": SUBSCRIPTION_NOT_FOUND, **fields}
    )


ADMIN_ONLY: dict[str, Any] = {"read_role": Role.ADMIN, "write_role": Role.ADMIN}
CLOCK_START = datetime(2026, 1, 1, tzinfo=UTC)


def _audit_entry(tenant: Tenant) -> Any:
    return audit_record(tenant=tenant, action="tenant.updated", obj=tenant)


def _sandbox(tenant: Tenant) -> None:
    make_sandbox(tenant, CLOCK_START)


ROUTES: dict[str, Route] = {
    "tenant-detail": Route(
        bodies={"patch": lambda t: {"default_tax_rates": [TaxRateFactory(tenant=t).code]}}, write_role=Role.ADMIN
    ),
    # A sandbox's clock
    "clock": Route(prepare=_sandbox),
    "clock-advance": Route(prepare=_sandbox, bodies={"post": lambda t: {"to": "2026-02-01T00:00:00Z"}}),
    # Users and API keys
    "user-list": Route(make=UserFactory, listed=True, bodies={"post": _user}, **ADMIN_ONLY),
    "api-key-list": Route(make=_api_key, listed=True, bodies={"post": lambda t: {"name": "battery"}}, **ADMIN_ONLY),
    "api-key-revoke": Route(
        make=_api_key, names="key_id", missing=API_KEY_NOT_FOUND, bodies={"delete": _empty}, **ADMIN_ONLY
    ),
    # Outbound webhooks
    "webhook-endpoint-list": Route(
        make=WebhookEndpointFactory,
        listed=True,
        bodies={"post": lambda t: {"url": f"https://hooks.example.com/{_unique('hook')}"}},
        **ADMIN_ONLY,
    ),
    "webhook-endpoint-detail": Route(
        make=WebhookEndpointFactory,
        names="endpoint_id",
        missing=ENDPOINT_NOT_FOUND,
        bodies={"patch": lambda t: {"description": "Changed"}, "delete": _empty},
        **ADMIN_ONLY,
    ),
    "webhook-delivery-list": Route(make=_dead_delivery, listed=True, **ADMIN_ONLY),
    "webhook-delivery-detail": Route(
        make=_dead_delivery, names="delivery_id", missing=DELIVERY_NOT_FOUND, **ADMIN_ONLY
    ),
    "webhook-delivery-retry": Route(
        make=_dead_delivery, names="delivery_id", missing=DELIVERY_NOT_FOUND, bodies={"post": _empty}, **ADMIN_ONLY
    ),
    # Catalog
    "meter-list": Route(
        make=MeterFactory,
        listed=True,
        bodies={"post": lambda t: {"code": _unique("meter"), "name": "Battery", "aggregation": "count"}},
    ),
    "meter-detail": Route(make=MeterFactory, names="meter_id", missing=METER_NOT_FOUND),
    "plan-list": Route(make=_plan, listed=True, bodies={"post": _plan_body}),
    "plan-detail": Route(
        make=_plan, names="plan_id", missing=PLAN_NOT_FOUND, bodies={"patch": lambda t: {"name": "Renamed"}}
    ),
    "tax-rate-list": Route(
        make=TaxRateFactory,
        listed=True,
        bodies={"post": lambda t: {"code": _unique("tax"), "name": "Battery", "percentage": "8.875"}},
    ),
    "tax-rate-detail": Route(
        make=TaxRateFactory,
        names="tax_rate_id",
        missing=TAX_RATE_NOT_FOUND,
        bodies={"patch": lambda t: {"name": "Renamed"}},
    ),
    "coupon-list": Route(make=CouponFactory, listed=True, bodies={"post": _coupon_body}),
    "coupon-detail": Route(
        make=CouponFactory, names="coupon_id", missing=COUPON_NOT_FOUND, bodies={"patch": lambda t: {"active": False}}
    ),
    # Customers and subscriptions
    "customer-list": Route(
        make=CustomerFactory, listed=True, bodies={"post": lambda t: {"external_id": _unique("cus"), "name": "Battery"}}
    ),
    "customer-detail": Route(
        make=CustomerFactory,
        names="customer_id",
        missing=CUSTOMER_NOT_FOUND,
        bodies={"patch": lambda t: {"name": "Renamed"}},
    ),
    "discount-list": Route(
        make=CustomerFactory, names="customer_id", missing=CUSTOMER_NOT_FOUND, bodies={"post": _discount_body}
    ),
    "discount-detail": Route(
        make=DiscountFactory,
        names=("customer_id", "discount_id"),
        missing=DISCOUNT_NOT_FOUND,
        bodies={"delete": _empty},
    ),
    "subscription-list": Route(make=SubscriptionFactory, listed=True, bodies={"post": _subscription_body}),
    "subscription-detail": _subscription_route(),
    # Usage
    "usage-list": Route(
        make=UsageEventFactory, listed=True, bodies={"post": _event}, headers={"Idempotency-Key": "battery-1"}
    ),
    "usage-void": _usage_route(bodies={"post": lambda t: {"reason": "battery"}}),
    "usage-amend": _usage_route(bodies={"post": lambda t: {"value": "2", "reason": "battery"}}),
    "usage-revisions": _usage_route(),
    "usage-batch": Route(bodies={"post": lambda t: {"events": [{"idempotency_key": "battery-1", **_event(t)}]}}),
    "customer-usage": Route(make=CustomerFactory, names="customer_id", missing=CUSTOMER_NOT_FOUND),
    # Invoicing
    "invoice-run": Route(bodies={"post": _empty}),
    "invoice-run-detail": Route(make=InvoiceRunFactory, names="run_id", missing=INVOICE_RUN_NOT_FOUND),
    "invoice-list": Route(make=InvoiceFactory, listed=True),
    "invoice-export": Route(),
    "invoice-detail": _invoice_route(),
    "invoice-pdf": _invoice_route(),
    "invoice-html": _invoice_route(),
    "invoice-line-events": Route(make=InvoiceLineFactory, names=("invoice_id", "line_id"), missing=INVOICE_NOT_FOUND),
    "invoice-void": _invoice_route(bodies={"post": _empty}, write_role=Role.ADMIN),
    "invoice-mark-uncollectible": _invoice_route(bodies={"post": _empty}, write_role=Role.ADMIN),
    "invoice-pay": _invoice_route(bodies={"post": _empty}),
    "invoice-credit-note-create": _invoice_route(bodies={"post": lambda t: {"amount": "1.00", "reason": "other"}}),
    "credit-note-list": Route(make=credit_note, listed=True),
    "credit-note-detail": _credit_note_route(),
    "credit-note-pdf": _credit_note_route(),
    "credit-note-html": _credit_note_route(),
    "subscription-cancel": _subscription_route(bodies={"post": lambda t: {"at_period_end": False}}),
    "subscription-change": _subscription_route(bodies={"post": _change_body}),
    # Stores nothing: the Idempotency-Key's record is what the write leaves in the tenant.
    "subscription-change-preview": _subscription_route(
        bodies={"post": _change_body}, headers={"Idempotency-Key": "battery-1"}
    ),
    "subscription-pending-change": _subscription_route(make=_changing, bodies={"delete": _empty}),
    "subscription-upcoming-invoice": _subscription_route(),
    # Customer balance
    "customer-balance": Route(make=CustomerFactory, names="customer_id", missing=CUSTOMER_NOT_FOUND),
    "customer-balance-transactions": Route(
        make=CustomerFactory,
        names="customer_id",
        missing=CUSTOMER_NOT_FOUND,
        bodies={"post": lambda t: {"currency": "USD", "amount": "5.00", "description": "Goodwill"}},
        write_role=Role.ADMIN,
    ),
    # Customer portal: a link stores nothing; the Idempotency-Key's record is what the write leaves.
    "customer-portal-session": Route(
        make=CustomerFactory,
        names="customer_id",
        missing=CUSTOMER_NOT_FOUND,
        bodies={"post": _empty},
        headers={"Idempotency-Key": "battery-1"},
    ),
    # Credit grants
    "credit-grant-list": Route(
        make=CustomerFactory,
        names="customer_id",
        missing=CUSTOMER_NOT_FOUND,
        bodies={"post": lambda t: {"amount": "10.00", "currency": "USD", "category": "promotional"}},
    ),
    "credit-grant-detail": Route(make=CreditGrantFactory, names="credit_grant_id", missing=CREDIT_GRANT_NOT_FOUND),
    "credit-grant-void": Route(
        make=CreditGrantFactory,
        names="credit_grant_id",
        missing=CREDIT_GRANT_NOT_FOUND,
        bodies={"post": _empty},
        write_role=Role.ADMIN,
    ),
    # Alerts
    "subscription-alerts": Route(
        make=SubscriptionFactory,
        names="subscription_id",
        missing=SUBSCRIPTION_NOT_FOUND,
        bodies={"post": lambda t: {"type": "usage_amount", "thresholds": ["10"]}},
    ),
    "subscription-alert-detail": Route(
        make=_alert, names=("subscription_id", "alert_id"), missing=ALERT_NOT_FOUND, bodies={"delete": _empty}
    ),
    # Metrics
    "metrics-mrr": Route(),
    "metrics-revenue": Route(),
    # The audit log: read only, admins only
    "audit-log": Route(make=_audit_entry, listed=True, **ADMIN_ONLY),
}
