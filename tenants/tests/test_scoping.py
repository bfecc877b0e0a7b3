"""Tenant isolation over the whole URLconf: a route under /v1/tenants/{tenant_id}/ that
forgets the scoping base class fails here, without anyone writing a test for it."""

import uuid
from collections.abc import Iterator

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.permissions import IsAuthenticated

from tenants.scoping import IsTenantMember, TenantScopedApi
from tenants.services import api_key_create

METHODS = ["get", "post", "put", "patch", "delete"]


def _walk(patterns: list, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, route)
        else:
            yield route, entry


def tenant_routes() -> list[tuple[str, URLPattern]]:
    return [
        (route, p) for route, p in _walk(get_resolver().url_patterns) if route.startswith("v1/tenants/<uuid:tenant_id>")
    ]


def _fill(route: str, tenant_id: uuid.UUID) -> str:
    path = route.replace("<uuid:tenant_id>", str(tenant_id))
    while "<" in path:
        start, end = path.index("<"), path.index(">")
        converter = path[start + 1 : end].split(":")[0]
        value = "1" if converter == "int" else str(uuid.uuid4())
        path = path[:start] + value + path[end + 1 :]
    return "/" + path


def _methods(pattern: URLPattern) -> list[str]:
    view_class = pattern.callback.view_class
    return [m for m in METHODS if hasattr(view_class, m)]


def test_the_walk_finds_the_tenant_routes():
    routes = {route for route, _ in tenant_routes()}
    assert "v1/tenants/<uuid:tenant_id>" in routes
    assert "v1/tenants/<uuid:tenant_id>/api-keys" in routes
    assert "v1/tenants/<uuid:tenant_id>/api-keys/<uuid:key_id>" in routes


@pytest.mark.parametrize(("route", "pattern"), tenant_routes(), ids=[r for r, _ in tenant_routes()])
def test_every_tenant_route_uses_the_scoping_base_class(route, pattern):
    view_class = pattern.callback.view_class
    assert issubclass(view_class, TenantScopedApi), f"{route} does not inherit TenantScopedApi"
    assert IsAuthenticated in view_class.permission_classes
    assert IsTenantMember in view_class.permission_classes


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "pattern"), tenant_routes(), ids=[r for r, _ in tenant_routes()])
def test_every_tenant_route_denies_a_caller_of_another_tenant(
    route, pattern, other_api, other_tenant, tenant, client_for_key
):
    path = _fill(route, tenant.id)
    other_key = client_for_key(api_key_create(tenant=other_tenant, name="theirs")[1])
    for method in _methods(pattern):
        for client in (other_api, other_key):
            response = getattr(client, method)(path, {}, format="json")
            assert response.status_code == 403, f"{method.upper()} {path} answered {response.status_code}"
            assert response.json()["type"] == "client_error"


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "pattern"), tenant_routes(), ids=[r for r, _ in tenant_routes()])
def test_every_tenant_route_denies_anonymous_callers(route, pattern, client, tenant):
    path = _fill(route, tenant.id)
    for method in _methods(pattern):
        response = getattr(client, method)(path, content_type="application/json")
        assert response.status_code == 401, f"{method.upper()} {path} answered {response.status_code}"


def test_a_subclass_that_drops_the_membership_permission_is_refused():
    with pytest.raises(TypeError, match="IsTenantMember"):

        class Leaky(TenantScopedApi):
            permission_classes = [IsAuthenticated]
