"""The sandbox half of `make demo` (`seed_demo`): the tenant "Demo Sandbox", a sandbox
whose clock starts at midnight UTC on the first day of the seed's month, with the demo
catalog, an API key and three customers subscribed at the clock (one in a 14-day
trial, one canceling at its period end) that sent usage at the clock. Nothing is
invoiced yet: advancing its clock (README, the tour; docs/sandbox.md) bills the month.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from invoices.services import subscription_cancel
from ops.demo_shared import DEMO_CURRENCY, demo_catalog, existing_demo_tenant
from plans.selectors import plan_list
from subscriptions.services import customer_create, subscription_create
from tenants import clock
from tenants.isolation import tenant_scope
from tenants.models import Tenant
from tenants.services import api_key_create, tenant_signup
from usage.parsing import usage_events_prepare
from usage.services import usage_events_ingest_batch

SANDBOX_TENANT_NAME = "Demo Sandbox"
SANDBOX_ADMIN_EMAIL = "admin@sandbox.demo.test"
# external id, name, plan, API calls sent at the clock (the Pro plan has a 14-day trial)
SANDBOX_CUSTOMERS = (
    ("cus_acme", "Acme Corp", "starter", 42_000),
    ("cus_initech", "Initech", "pro", 65_000),
    ("cus_hooli", "Hooli", "starter", 8_000),
)
SANDBOX_CANCELING = "cus_hooli"  # canceled at the end of its first period


@dataclass
class SandboxSeeded:
    tenant: Tenant
    api_key: str
    clock_time: datetime


def existing_sandbox() -> Tenant | None:
    """The demo sandbox if it was seeded already."""
    return existing_demo_tenant(SANDBOX_ADMIN_EMAIL, SANDBOX_TENANT_NAME)


def seed_sandbox(now: datetime, password: str) -> SandboxSeeded:
    """Create the demo sandbox, its clock at the start of `now`'s month (call it in a
    transaction)."""
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    signup = {"name": SANDBOX_TENANT_NAME, "admin_email": SANDBOX_ADMIN_EMAIL, "default_currency": DEMO_CURRENCY}
    tenant = tenant_signup(**signup, admin_password=password, sandbox=True, clock_time=start)["tenant"]
    with tenant_scope(tenant):
        _, raw_key = api_key_create(tenant=tenant, name="sandbox backend")
        demo_catalog(tenant)
        plans = {plan.code: plan for plan in plan_list(tenant=tenant)}
        raws = []
        for external_id, name, plan, calls in SANDBOX_CUSTOMERS:
            customer = customer_create(tenant=tenant, external_id=external_id, name=name)
            subscription = subscription_create(tenant=tenant, customer_id=customer.pk, plan_id=plans[plan].pk)
            if external_id == SANDBOX_CANCELING:
                subscription_cancel(tenant=tenant, subscription_id=subscription.pk, at_period_end=True)
            raw = {"external_customer_id": external_id, "meter": "api_calls", "value": str(calls)}
            raws.append({"idempotency_key": f"sandbox-{external_id}-1", **raw})  # at the clock: no timestamp
        prepared = usage_events_prepare(tenant=tenant, raws=raws, now=clock.now(tenant))
        usage_events_ingest_batch(tenant=tenant, events=prepared.ready)
    return SandboxSeeded(tenant, raw_key, start)
