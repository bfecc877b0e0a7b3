"""Tenant scopes (tenants.isolation): a query of a tenant-owned model without a tenant
in scope raises, a scope shows its tenant's rows only, and each place where work
starts (a request, a task, a command) enters its own scope, whatever its caller's
context was. The suite's own code runs unscoped (conftest); these tests leave it with
`scope_boundary()` where they need enforcement."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db.models import Model
from django.http import HttpResponse
from django.test import RequestFactory

from invoices import tasks as invoice_tasks
from invoices.management.commands import run_invoices
from invoices.models import Invoice, InvoiceRun
from metrics.models import RevenueSnapshot
from subscriptions import selectors as subscription_selectors
from subscriptions.models import Customer, Subscription
from subscriptions.tests.factories import CustomerFactory, SubscriptionFactory
from tenants.isolation import ScopeError, TenantScopeMiddleware, scope_boundary, tenant_scope, tenant_task, unscoped
from tenants.models import Tenant, TenantManager, User
from usage.models import UsageEvent

pytestmark = pytest.mark.django_db


def tenant_owned_models() -> list[type[Model]]:
    """Every model with a `tenant` key, users excepted (staff have none; a user's tenant
    is who they are, read before any scope exists)."""
    return [
        model
        for model in apps.get_models()
        if model is not User and any(f.name == "tenant" and f.related_model is Tenant for f in model._meta.fields)
    ]


def test_every_tenant_owned_model_has_the_fail_closed_manager():
    models = tenant_owned_models()
    assert {Customer, Subscription, Invoice, InvoiceRun, UsageEvent, RevenueSnapshot} <= set(models)
    for model in models:
        assert isinstance(model._default_manager, TenantManager), f"{model.__name__} reads without a scope"


def _queries(model: type[Any], tenant: Tenant) -> dict[str, Callable[[], object]]:
    manager = model.objects
    return {
        "iterate": lambda: list(manager.all()),
        "filter": lambda: manager.filter(tenant=tenant),
        "get": lambda: manager.get(pk=1),
        "first": lambda: manager.first(),
        "count": lambda: manager.count(),
        "exists": lambda: manager.exists(),
        "values": lambda: manager.values("tenant_id"),
        "exclude": lambda: manager.exclude(tenant=tenant),
        "for_tenant": lambda: manager.for_tenant(tenant),
        "update": lambda: manager.update(tenant=tenant),
        "delete": lambda: manager.all().delete(),
        "subquery": lambda: Tenant.objects.filter(pk__in=manager.all()),
    }


@pytest.mark.parametrize("model", tenant_owned_models(), ids=lambda m: m.__name__)
def test_a_query_without_a_tenant_in_scope_raises(model, tenant):
    with scope_boundary():
        for name, query in _queries(model, tenant).items():
            with pytest.raises(ScopeError):
                query()
                pytest.fail(f"{model.__name__}: {name} ran without a scope")


def test_a_tenant_scope_shows_that_tenants_rows_only(tenant, other_tenant):
    mine = SubscriptionFactory(tenant=tenant)
    SubscriptionFactory(tenant=other_tenant)
    with scope_boundary(), tenant_scope(tenant):
        assert list(Subscription.objects.values_list("pk", flat=True)) == [mine.pk]
        assert [c.pk for c in Customer.objects.filter(subscriptions__isnull=False)] == [mine.customer_id]
        assert Subscription.objects.for_tenant(other_tenant).count() == 0
    with scope_boundary(), tenant_scope(other_tenant.pk):  # the tenant or its id
        assert Subscription.objects.get().tenant_id == other_tenant.pk


def test_unscoped_is_the_escape_that_sees_every_tenant(tenant, other_tenant):
    CustomerFactory(tenant=tenant)
    CustomerFactory(tenant=other_tenant)
    with scope_boundary():
        assert Customer.unscoped().count() == 2
        with unscoped():
            assert {c.tenant_id for c in Customer.objects.all()} == {tenant.pk, other_tenant.pk}


def test_creating_a_row_needs_no_scope_it_names_its_tenant(tenant):
    with scope_boundary():
        customer = Customer.objects.create(tenant=tenant, external_id="cus_1", name="One")
    assert customer.tenant_id == tenant.pk


def test_a_scope_of_no_tenant_is_refused():
    # django-scopes reads a None scope as "no filter", which would show every tenant.
    with pytest.raises(ScopeError), tenant_scope(None):
        pass


def test_a_request_starts_outside_any_scope_and_the_admin_runs_unscoped(tenant):
    CustomerFactory(tenant=tenant)
    seen: dict[str, object] = {}

    def view(request: Any) -> HttpResponse:
        try:
            seen[request.path] = Customer.objects.count()
        except ScopeError:
            seen[request.path] = "refused"
        return HttpResponse()

    middleware = TenantScopeMiddleware(view)
    for path in ("/v1/webhooks/payment", "/admin/subscriptions/customer/"):
        middleware(RequestFactory().get(path))
    assert seen == {"/v1/webhooks/payment": "refused", "/admin/subscriptions/customer/": 1}
    assert "tenants.isolation.TenantScopeMiddleware" in settings.MIDDLEWARE


def test_an_api_request_runs_in_the_scope_of_its_path_tenant(api, turl, tenant, other_tenant, monkeypatch):
    CustomerFactory(tenant=tenant)
    CustomerFactory(tenant=other_tenant)
    seen: list[object] = []
    customer_list = subscription_selectors.customer_list

    def spy(**kwargs: Any) -> Any:
        seen.extend(Customer.objects.values_list("tenant_id", flat=True))  # no filter but the scope's
        return customer_list(**kwargs)

    monkeypatch.setattr(subscription_selectors, "customer_list", spy)
    assert api.get(turl("customers")).status_code == 200
    assert seen == [tenant.pk]


@tenant_task
def _tenants_of_customers(tenant_id: str) -> list[object]:
    return list(Customer.objects.values_list("tenant_id", flat=True))


def test_a_tenant_task_runs_in_the_scope_of_its_first_argument(tenant, other_tenant):
    CustomerFactory(tenant=tenant)
    CustomerFactory(tenant=other_tenant)
    with scope_boundary():
        assert _tenants_of_customers(str(tenant.pk)) == [tenant.pk]
        assert _tenants_of_customers(tenant_id=str(other_tenant.pk)) == [other_tenant.pk]


def test_a_task_starts_outside_any_scope(tenant, monkeypatch):
    InvoiceRun.objects.create(tenant=tenant, as_of=datetime(2026, 1, 1, tzinfo=UTC))
    seen: list[object] = []

    def spy() -> int:
        try:
            seen.append(InvoiceRun.objects.count())
        except ScopeError:
            seen.append("refused")
        seen.append(InvoiceRun.unscoped().count())
        return 0

    monkeypatch.setattr(invoice_tasks.services, "invoice_runs_sweep", spy)
    invoice_tasks.invoice_runs_sweep.delay().get()  # called from this unscoped test
    assert seen == ["refused", 1]


def test_a_command_runs_each_tenant_in_its_scope(tenant, other_tenant, monkeypatch):
    for owner in (tenant, other_tenant):
        SubscriptionFactory(tenant=owner)
    seen: list[tuple[object, list[object]]] = []

    def spy(*, tenant: Any, **kwargs: Any) -> None:
        seen.append((tenant.pk, list(Subscription.objects.values_list("tenant_id", flat=True))))

    monkeypatch.setattr(run_invoices, "invoice_due_subscriptions", spy)
    call_command("run_invoices", "--no-progress", stdout=io.StringIO())
    assert sorted(seen, key=str) == sorted([(t.pk, [t.pk]) for t in (tenant, other_tenant)], key=str)
