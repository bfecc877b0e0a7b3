"""Tenant isolation over the whole URLconf: a route under /v1/tenants/{tenant_id}/ that
forgets the scoping base class fails here, without anyone writing a test for it. What
callers of another tenant, other tenants' objects and lower roles get from each route
is the battery's (billing_project/tests/test_battery.py)."""

import uuid

import pytest
from rest_framework.permissions import IsAuthenticated

from tenants.scoping import IsTenantMember, TenantScopedApi
from tenants.tests.utils import route_methods, tenant_routes

ROUTES = tenant_routes()
ROUTE_IDS = [route for route, _ in ROUTES]


def _fill(route: str, tenant_id: uuid.UUID) -> str:
    path = route.replace("<uuid:tenant_id>", str(tenant_id))
    while "<" in path:
        start, end = path.index("<"), path.index(">")
        converter = path[start + 1 : end].split(":")[0]
        value = "1" if converter == "int" else str(uuid.uuid4())
        path = path[:start] + value + path[end + 1 :]
    return "/" + path


def test_the_walk_finds_the_tenant_routes():
    routes = set(ROUTE_IDS)
    assert "v1/tenants/<uuid:tenant_id>" in routes
    assert "v1/tenants/<uuid:tenant_id>/api-keys" in routes
    assert "v1/tenants/<uuid:tenant_id>/api-keys/<uuid:key_id>" in routes


@pytest.mark.parametrize(("route", "pattern"), ROUTES, ids=ROUTE_IDS)
def test_every_tenant_route_uses_the_scoping_base_class(route, pattern):
    view_class = pattern.callback.view_class
    assert issubclass(view_class, TenantScopedApi), f"{route} does not inherit TenantScopedApi"
    assert IsAuthenticated in view_class.permission_classes
    assert IsTenantMember in view_class.permission_classes


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "pattern"), ROUTES, ids=ROUTE_IDS)
def test_every_tenant_route_denies_anonymous_callers(route, pattern, client, tenant):
    path = _fill(route, tenant.id)
    for method in route_methods(pattern):
        response = getattr(client, method)(path, content_type="application/json")
        assert response.status_code == 401, f"{method.upper()} {path} answered {response.status_code}"


def test_a_subclass_that_drops_the_membership_permission_is_refused():
    with pytest.raises(TypeError, match="IsTenantMember"):

        class Leaky(TenantScopedApi):
            permission_classes = [IsAuthenticated]
