"""`manage.py seed_demo` (`make demo`): the demo tenant with its history, a second
run that changes nothing, and `--reset`, which seeds it afresh."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import override_settings

from invoices.billing import BatchOutcome
from invoices.models import Invoice, InvoiceLine, InvoiceRun
from metrics.models import RevenueSnapshot
from metrics.selectors import revenue_by_month
from ops import demo_sandbox
from ops.management.commands import seed_demo
from payments.models import PaymentEvent
from plans.models import Charge, Meter, Plan
from subscriptions.models import Customer, Subscription
from subscriptions.tests.factories import SubscriptionFactory
from tenants.models import ApiKey, Role, Tenant, User, hash_api_key
from tenants.sandbox import clock_advance_execute, clock_advance_request
from tenants.tests.factories import TenantFactory, UserFactory
from usage.models import UsageEvent
from webhooks.models import Event, WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 15, 12, 30, tzinfo=UTC)
TENANT_MODELS = (
    ApiKey, Meter, Plan, Charge, Customer, Subscription, UsageEvent, Invoice, InvoiceLine, InvoiceRun,
    PaymentEvent, WebhookEndpoint, Event, WebhookDelivery,
)  # fmt: skip


def seed(at: datetime = NOW, *args: str) -> str:
    out = StringIO()
    with time_machine.travel(at, tick=False):
        call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def demo_tenant() -> Tenant:
    return Tenant.objects.get(name=seed_demo.DEMO_TENANT_NAME)


def state() -> dict[str, Any]:
    """Everything a run could change: row counts and the states that move."""
    counts: dict[str, Any] = {model.__name__: model.unscoped().count() for model in TENANT_MODELS}
    counts |= {"Tenant": Tenant.objects.count(), "User": User.objects.count()}
    counts["invoices"] = sorted(Invoice.unscoped().values_list("number", "status", "total", "paid_at"))
    counts["subscriptions"] = sorted(
        Subscription.unscoped().values_list("id", "status", "current_period_start", "cancel_at_period_end")
    )
    return counts


def test_it_seeds_a_tenant_with_a_login_an_api_key_and_a_catalog_of_every_kind():
    out = seed()

    tenant = demo_tenant()
    admin = User.objects.get(email=seed_demo.DEMO_ADMIN_EMAIL)
    assert (admin.tenant, admin.role) == (tenant, Role.ADMIN)
    assert admin.check_password(seed_demo.DEMO_PASSWORD)
    assert f"{seed_demo.DEMO_ADMIN_EMAIL} / {seed_demo.DEMO_PASSWORD}" in out
    printed_key = re.search(r"API key \(shown once\): (bk_\S+)", out)
    assert printed_key is not None
    assert ApiKey.objects.for_tenant(tenant).get().key_hash == hash_api_key(printed_key.group(1))
    assert set(Meter.objects.for_tenant(tenant).values_list("aggregation", flat=True)) == {
        "count", "sum", "max", "unique_count",
    }  # fmt: skip
    assert set(Charge.objects.for_tenant(tenant).values_list("model", flat=True)) == {
        "per_unit", "tiered", "volume", "package",
    }  # fmt: skip
    plans = Plan.objects.for_tenant(tenant)
    assert set(plans.values_list("interval", flat=True)) == {"month", "year"}
    assert plans.filter(trial_days__gt=0).exists()


def test_it_backdates_subscriptions_and_spreads_usage_over_the_months():
    seed()

    tenant = demo_tenant()
    subscriptions = Subscription.objects.for_tenant(tenant)
    assert Customer.objects.for_tenant(tenant).count() == subscriptions.count() == 10
    for subscription in subscriptions:
        assert NOW - timedelta(days=125) < subscription.start_at < NOW - timedelta(days=90)
    assert Counter(subscriptions.values_list("status", flat=True)) == {"active": 8, "past_due": 1, "trialing": 1}
    assert subscriptions.filter(trial_end__isnull=False).count() == 4  # the Pro plan has a trial
    canceling = subscriptions.get(cancel_at_period_end=True)
    assert canceling.customer.external_id == seed_demo.CANCELED_CUSTOMER
    events = UsageEvent.objects.for_tenant(tenant)
    assert 2000 <= events.count() <= 6000
    months = {stamp.month for stamp in events.values_list("timestamp", flat=True)}
    assert len(months) >= 4
    assert events.filter(timestamp__gte=NOW).count() == 0


def test_it_invoices_pays_the_older_invoices_and_refreshes_the_revenue_view():
    out = seed()

    tenant = demo_tenant()
    invoices = Invoice.objects.for_tenant(tenant)
    statuses = Counter(invoices.values_list("status", flat=True))
    assert statuses["paid"] > 0
    assert statuses["open"] > 0
    assert set(statuses) <= {"paid", "open"}
    outcomes = Counter(PaymentEvent.objects.for_tenant(tenant).values_list("outcome", flat=True))
    assert outcomes == {"paid": statuses["paid"], "payment_failed": 1}
    past_due = Subscription.objects.for_tenant(tenant).get(status="past_due")
    assert past_due.customer.external_id == seed_demo.DECLINED_CUSTOMER
    # Each subscription's latest invoice still awaits payment; every earlier one is paid.
    for subscription_id in invoices.values_list("subscription_id", flat=True).distinct():
        latest, *earlier = invoices.filter(subscription_id=subscription_id).order_by("-period_start")
        assert latest.status == "open"
        assert {invoice.status for invoice in earlier} <= {"paid"}
    mrr = RevenueSnapshot.objects.for_tenant(tenant).get(currency="USD")
    assert (mrr.active_subscriptions, mrr.trialing_subscriptions) == (9, 1)
    assert mrr.mrr > mrr.committed_mrr > 0
    assert "MRR: " in out


def test_it_gives_the_webhook_endpoint_every_event():
    out = seed()

    tenant = demo_tenant()
    endpoint = WebhookEndpoint.objects.for_tenant(tenant).get()
    assert endpoint.url == seed_demo.DEMO_WEBHOOK_URL
    types = set(Event.objects.for_tenant(tenant).values_list("type", flat=True))
    assert {"subscription.created", "subscription.trial_ended", "invoice.finalized", "invoice.paid"} <= types
    assert "invoice.payment_failed" in types
    assert WebhookDelivery.objects.for_tenant(tenant).count() == Event.objects.for_tenant(tenant).count()
    assert seed_demo.DEMO_WEBHOOK_URL in out


def test_a_second_run_changes_nothing_and_prints_the_login():
    seed()
    before = state()

    out = seed(NOW + timedelta(days=40))

    assert state() == before
    assert Tenant.objects.filter(name=seed_demo.DEMO_TENANT_NAME).count() == 1
    assert "demo tenant exists" in out
    assert f"{seed_demo.DEMO_ADMIN_EMAIL} / {seed_demo.DEMO_PASSWORD}" in out
    assert "bk_" in out  # the key's prefix, not the key


@override_settings(WEBHOOK_ALLOW_PRIVATE_URLS=False)
def test_without_private_webhook_urls_it_seeds_without_an_endpoint_and_says_why():
    out = seed()

    tenant = demo_tenant()
    assert not WebhookEndpoint.objects.for_tenant(tenant).exists()
    assert "WEBHOOK_ALLOW_PRIVATE_URLS=true" in out
    assert Invoice.objects.for_tenant(tenant).exists()


@override_settings(PAYMENT_PROVIDER_URL="http://127.0.0.1:9/charges")
def test_with_a_payment_provider_it_leaves_the_payments_to_it():
    out = seed()

    tenant = demo_tenant()
    assert not PaymentEvent.objects.for_tenant(tenant).exists()
    assert set(Invoice.objects.for_tenant(tenant).values_list("status", flat=True)) == {"open"}
    assert "http://127.0.0.1:9/charges" in out


@override_settings(IS_DEVELOPMENT=False)
def test_it_refuses_to_run_outside_development():
    with pytest.raises(CommandError, match="development only"):
        seed()

    assert not Tenant.objects.exists()


def test_a_run_that_fails_half_way_leaves_nothing(monkeypatch):
    def fail(**kwargs: Any) -> None:
        raise RuntimeError("invoicing broke")

    monkeypatch.setattr(seed_demo, "bill_due_batch", fail)

    with pytest.raises(RuntimeError):
        seed()

    assert not Tenant.objects.exists()
    assert not User.objects.exists()


def test_a_subscription_that_cannot_be_billed_stops_the_seed_and_leaves_nothing(monkeypatch):
    failure = {"subscription_id": "s", "error": "RuntimeError: no price"}
    monkeypatch.setattr(seed_demo, "bill_due_batch", lambda **kwargs: BatchOutcome(failures=[failure]))

    with pytest.raises(CommandError) as raised:
        seed()

    assert str(raised.value) == seed_demo.NOT_BILLED.format(failures=[failure])
    assert not Tenant.objects.exists()


def test_it_refuses_when_the_demo_email_belongs_to_another_tenant():
    UserFactory(tenant=TenantFactory(name="Acme"), email=seed_demo.DEMO_ADMIN_EMAIL)

    with pytest.raises(CommandError, match="belongs to a user outside"):
        seed()

    assert not Tenant.objects.filter(name=seed_demo.DEMO_TENANT_NAME).exists()


def test_each_invoice_is_issued_at_its_period_end_so_the_chart_shows_the_months():
    seed()

    tenant = demo_tenant()
    invoices = list(Invoice.objects.for_tenant(tenant).order_by("number"))
    assert len(invoices) > 20
    assert all(invoice.issued_at == invoice.period_end < NOW for invoice in invoices)
    # Issued oldest first, as the hourly beat job would have: numbers follow the dates.
    assert [i.issued_at for i in invoices] == sorted(i.issued_at for i in invoices)
    assert all(i.due_at == i.issued_at + timedelta(days=30) for i in invoices)
    [usd] = revenue_by_month(tenant=tenant.pk, start=datetime(2025, 11, 1, tzinfo=UTC), end=NOW)
    invoiced = {month.month.strftime("%Y-%m"): month.invoiced for month in usd.months}
    assert [m for m, amount in invoiced.items() if amount > 0] == ["2025-12", "2026-01", "2026-02", "2026-03"]
    assert invoiced["2025-11"] == 0  # the subscriptions started then: nothing had ended


def rows_of(tenant_id: Any) -> dict[str, int]:
    """The rows that name `tenant_id`, by model, of every model with a tenant key."""
    return {m.__name__: m._base_manager.filter(tenant_id=tenant_id).count() for m in seed_demo._owned_models()}


def test_reset_deletes_the_demo_and_all_it_owns_then_seeds_it_afresh(settings):
    settings.APP_ENV = "development"
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    seed()  # without private URLs: no webhook endpoint, and a second run would change nothing
    old = demo_tenant()
    other = TenantFactory(name="Acme")
    SubscriptionFactory(tenant=other)
    UserFactory(tenant=other, email="admin@acme.test")
    others_before = rows_of(other.pk)
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True

    out = seed(NOW + timedelta(days=1), "--reset")

    new = demo_tenant()
    assert new.pk != old.pk
    assert not Tenant.objects.filter(pk=old.pk).exists()
    assert set(rows_of(old.pk).values()) == {0}
    assert WebhookEndpoint.objects.for_tenant(new).get().url == seed_demo.DEMO_WEBHOOK_URL
    assert User.objects.get(email=seed_demo.DEMO_ADMIN_EMAIL).tenant == new
    assert rows_of(other.pk) == others_before  # other tenants are left alone
    assert f"demo tenant deleted: Demo Co (id {old.pk})" in out
    assert re.search(r"\d+ usage events", out)
    assert "demo tenant created: Demo Co" in out
    assert re.search(r"API key \(shown once\): bk_", out)
    assert RevenueSnapshot.objects.filter(tenant_id=old.pk).count() == 0


def test_owned_models_cover_every_model_with_a_tenant_key():
    from django.apps import apps

    with_tenant = {m for m in apps.get_models() if any(f.name == "tenant" for f in m._meta.fields)}
    assert set(seed_demo._owned_models()) == with_tenant - {RevenueSnapshot}  # a view, refreshed after
    order = [m.__name__ for m in seed_demo._owned_models()]
    assert order.index("PaymentEvent") < order.index("Invoice") < order.index("Customer")
    assert order.index("UsageEvent") < order.index("Meter")
    assert order.index("Charge") < order.index("Plan")


def test_reset_without_a_demo_seeds_it(settings):
    settings.APP_ENV = "development"

    out = seed(NOW, "--reset")

    assert "demo tenant deleted" not in out
    assert Invoice.objects.for_tenant(demo_tenant()).exists()


@pytest.mark.parametrize(("app_env", "message"), [("test", "APP_ENV=development"), ("production", "development only")])
def test_reset_refuses_outside_development(settings, app_env, message):
    seed()
    before = state()
    settings.APP_ENV = app_env
    settings.IS_DEVELOPMENT = app_env == "test"

    with pytest.raises(CommandError, match=message):
        seed(NOW, "--reset")

    assert state() == before


def test_a_reset_that_fails_half_way_keeps_the_old_demo(settings, monkeypatch):
    settings.APP_ENV = "development"
    seed()
    before = state()

    def fail(**kwargs: Any) -> None:
        raise RuntimeError("invoicing broke")

    monkeypatch.setattr(seed_demo, "bill_due_batch", fail)
    with pytest.raises(RuntimeError):
        seed(NOW, "--reset")

    assert state() == before


# The sandbox ----------------------------------------------------------------------------------


def sandbox_tenant() -> Tenant:
    return Tenant.objects.get(name=demo_sandbox.SANDBOX_TENANT_NAME)


def test_it_seeds_a_sandbox_whose_clock_waits_at_the_start_of_the_month():
    out = seed()

    sandbox = sandbox_tenant()
    assert (sandbox.sandbox, sandbox.clock_time, sandbox.clock_advancing_to) == (
        True,
        datetime(2026, 3, 1, tzinfo=UTC),
        None,
    )
    admin = User.objects.get(email=demo_sandbox.SANDBOX_ADMIN_EMAIL)
    assert (admin.tenant, admin.role, admin.check_password(seed_demo.DEMO_PASSWORD)) == (sandbox, Role.ADMIN, True)
    subscriptions = Subscription.objects.for_tenant(sandbox)
    assert sorted(subscriptions.values_list("customer__external_id", "status", "cancel_at_period_end")) == [
        ("cus_acme", "active", False),
        ("cus_hooli", "active", True),
        ("cus_initech", "trialing", False),
    ]
    assert set(subscriptions.values_list("start_at", flat=True)) == {sandbox.clock_time}
    events = UsageEvent.objects.for_tenant(sandbox)
    assert set(events.values_list("timestamp", flat=True)) == {sandbox.clock_time}
    assert sorted(events.values_list("value", flat=True)) == [8000, 42000, 65000]
    assert not Invoice.objects.for_tenant(sandbox).exists()
    assert f"{demo_sandbox.SANDBOX_ADMIN_EMAIL} / {seed_demo.DEMO_PASSWORD}" in out
    assert "sandbox tenant created: Demo Sandbox, its clock at 2026-03-01T00:00:00+00:00" in out
    assert re.search(r"sandbox tenant created.*\n(.*\n)*  API key \(shown once\): bk_", out)


def test_advancing_the_sandbox_a_month_invoices_it():
    seed()
    sandbox = sandbox_tenant()

    clock_advance_request(tenant=sandbox, to=datetime(2026, 4, 1, tzinfo=UTC))
    assert clock_advance_execute(tenant=sandbox)

    invoices = Invoice.objects.for_tenant(sandbox).select_related("customer")
    assert {(i.customer.external_id, i.total, i.issued_at) for i in invoices} == {
        ("cus_acme", Decimal("51.00"), datetime(2026, 4, 1, tzinfo=UTC)),  # 19.00 + 32,000 × 0.001
        ("cus_hooli", Decimal("19.00"), datetime(2026, 4, 1, tzinfo=UTC)),  # in the free tier
    }
    assert sorted(i.number for i in invoices) == ["INV-000001", "INV-000002"]
    hooli = Subscription.objects.for_tenant(sandbox).get(customer__external_id="cus_hooli")
    assert (hooli.status, hooli.canceled_at) == ("canceled", datetime(2026, 4, 1, tzinfo=UTC))
    # The trial (14 days) ended; Initech's first period runs to April 15.
    initech = Subscription.objects.for_tenant(sandbox).get(customer__external_id="cus_initech")
    assert (initech.status, initech.current_period_end) == ("active", datetime(2026, 4, 15, tzinfo=UTC))


def test_a_demo_seeded_before_the_sandbox_gets_the_sandbox_and_keeps_the_rest(monkeypatch):
    monkeypatch.setattr(seed_demo, "existing_sandbox", lambda: None)
    monkeypatch.setattr(seed_demo, "seed_sandbox", lambda now, password: None)
    seed()  # as an earlier release seeded it: no sandbox
    monkeypatch.undo()
    assert not Tenant.objects.filter(sandbox=True).exists()
    before = state()

    out = seed(NOW + timedelta(days=1))

    assert {k: v for k, v in state().items() if k not in ("Tenant", "User")} != before  # the sandbox's rows
    assert Invoice.objects.for_tenant(demo_tenant()).count() == len(before["invoices"])
    assert sandbox_tenant().clock_time == datetime(2026, 3, 1, tzinfo=UTC)
    assert "demo tenant exists: Demo Co" in out
    assert "sandbox tenant created" in out


def test_reset_deletes_the_sandbox_too_and_seeds_it_afresh(settings):
    settings.APP_ENV = "development"
    seed()
    old = sandbox_tenant()

    out = seed(NOW + timedelta(days=40), "--reset")

    new = sandbox_tenant()
    assert new.pk != old.pk
    assert set(rows_of(old.pk).values()) == {0}
    assert new.clock_time == datetime(2026, 4, 1, tzinfo=UTC)
    assert f"demo tenant deleted: Demo Sandbox (id {old.pk})" in out
