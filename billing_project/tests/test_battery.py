"""The tenant battery: for every route under /v1/tenants/{tenant_id}/ (battery.ROUTES)
and every method it answers, what API.md promises about tenants and roles.

- a caller of tenant B (user or API key) on tenant A's path → 403, A unchanged;
- tenant B's object on tenant A's path → 404 with the route's text, B unchanged;
- a list of tenant A never shows tenant B's rows;
- a `tenant` / `tenant_id` in a body is ignored: the write lands in the path's tenant;
- a role below the route's (viewer for writes, member for admin routes) → 403, nothing changes.

Tenant A is `tenant` and B `other_tenant`. "Unchanged" is every row of the tenant,
compared before and after (`rows_of`).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.urls import URLPattern, reverse
from rest_framework.permissions import SAFE_METHODS
from rest_framework.test import APIClient

from billing_project.tests.battery import ROUTES, Route
from tenants.models import Role, Tenant
from tenants.scoping import NOT_YOUR_TENANT, ROLE_TOO_LOW
from tenants.services import api_key_create
from tenants.tests.factories import UserFactory
from tenants.tests.utils import route_methods, tenant_routes

RANKS = [Role.VIEWER, Role.MEMBER, Role.ADMIN]
PATTERNS: dict[str, URLPattern] = {str(p.name): p for _, p in tenant_routes()}


def is_write(method: str) -> bool:
    return method.upper() not in SAFE_METHODS


CASES = [(name, m) for name in sorted(ROUTES) if name in PATTERNS for m in route_methods(PATTERNS[name])]
WRITES = [(name, m) for name, m in CASES if is_write(m)]


def ids(cases: list[tuple[str, str]]) -> list[str]:
    return [f"{method.upper()} {name}" for name, method in cases]


def rows_of(tenant: Tenant) -> dict[str, list[dict[str, Any]]]:
    """Every row that belongs to `tenant`, by model, and the tenant's own."""
    rows = {"tenant": list(Tenant.objects.filter(pk=tenant.pk).values())}
    for model in apps.get_models():
        if any(f.name == "tenant" for f in model._meta.concrete_fields):
            rows[model._meta.label] = list(model._base_manager.filter(tenant=tenant).order_by("pk").values())
    return rows


def path_of(name: str, tenant: Tenant, obj: Any = None) -> str:
    route = ROUTES[name]
    if route.prepare is not None:
        route.prepare(tenant)
    return reverse(name, kwargs={"tenant_id": tenant.id, **route.kwargs(obj)})


def send(client: APIClient, name: str, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    if not is_write(method):
        return client.get(path)
    headers = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in ROUTES[name].headers.items()}
    return getattr(client, method)(path, body, format="json", **headers)


def body_for(route: Route, method: str, tenant: Tenant) -> dict[str, Any] | None:
    return route.bodies[method](tenant) if is_write(method) else None


def needed_role(route: Route, method: str) -> Role:
    return route.write_role if is_write(method) else route.read_role


def only_error(response: Any) -> dict[str, Any]:
    body = response.json()
    assert len(body["errors"]) == 1, body
    return body["errors"][0]


@pytest.fixture
def caller(client_for):
    """`caller(tenant, role)`: a client logged in as a new user of that tenant and role."""

    def make(tenant: Tenant, role: Role) -> APIClient:
        return client_for(UserFactory(tenant=tenant, role=role))

    return make


# The registry covers the URLconf -----------------------------------------------------------


def test_every_tenant_route_has_a_battery_entry():
    assert set(PATTERNS) - set(ROUTES) == set(), "add the new routes to billing_project/tests/battery.py"
    assert set(ROUTES) - set(PATTERNS) == set(), "these battery entries name no route"


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_every_entry_fits_its_route(name):
    route, pattern = ROUTES[name], PATTERNS[name]
    assert set(route.bodies) == {m for m in route_methods(pattern) if is_write(m)}, "one body per write method"
    assert set(pattern.pattern.converters) - {"tenant_id"} == route.path_names
    assert (route.names is None) == (route.missing is None), "a path that names an object has a 404 text"
    assert (route.make is not None) >= (route.listed or route.names is not None), "lists and paths need objects"


# A caller of another tenant -----------------------------------------------------------------


@pytest.mark.parametrize(("name", "method"), CASES, ids=ids(CASES))
def test_a_caller_of_another_tenant_is_403_and_changes_nothing(
    name, method, tenant, other_tenant, caller, client_for_key
):
    route = ROUTES[name]
    path = path_of(name, tenant, route.make(tenant=tenant) if route.make else None)
    body = body_for(route, method, tenant)
    intruders = {
        "admin": caller(other_tenant, Role.ADMIN),
        "API key": client_for_key(api_key_create(tenant=other_tenant, name="theirs")[1]),
    }
    before = rows_of(tenant)
    for who, client in intruders.items():
        response = send(client, name, method, path, body)
        assert response.status_code == 403, f"{who}: {response.status_code} {response.content!r}"
        assert (response.json()["type"], only_error(response)["detail"]) == ("client_error", NOT_YOUR_TENANT)
    assert rows_of(tenant) == before


# Another tenant's object on your path --------------------------------------------------------

OBJECT_CASES = [(name, m) for name, m in CASES if ROUTES[name].missing is not None]


@pytest.mark.parametrize(("name", "method"), OBJECT_CASES, ids=ids(OBJECT_CASES))
def test_another_tenants_object_on_your_path_is_404_and_unchanged(name, method, tenant, other_tenant, caller):
    route = ROUTES[name]
    assert route.make is not None
    path = path_of(name, tenant, route.make(tenant=other_tenant))
    body = body_for(route, method, tenant)
    before = rows_of(other_tenant)
    response = send(caller(tenant, needed_role(route, method)), name, method, path, body)
    assert response.status_code == 404, response.content
    error = only_error(response)
    assert (response.json()["type"], error["code"], error["detail"]) == ("client_error", "not_found", route.missing)
    assert rows_of(other_tenant) == before


# Lists ---------------------------------------------------------------------------------------

LISTS = sorted(name for name, route in ROUTES.items() if route.listed)


@pytest.mark.parametrize("name", LISTS)
def test_a_list_never_shows_another_tenants_rows(name, tenant, other_tenant, caller):
    route = ROUTES[name]
    assert route.make is not None
    mine, theirs = route.make(tenant=tenant), route.make(tenant=other_tenant)
    response = caller(tenant, route.read_role).get(path_of(name, tenant), {"limit": 500})
    assert response.status_code == 200, response.content
    listed = {str(row["id"]) for row in response.json()["results"]}
    assert str(mine.pk) in listed
    assert str(theirs.pk) not in listed
    assert listed <= {str(pk) for pk in type(mine)._base_manager.filter(tenant=tenant).values_list("pk", flat=True)}


# A tenant in the body ------------------------------------------------------------------------


def with_tenant(body: dict[str, Any], tenant: Tenant) -> dict[str, Any]:
    """`body` claiming `tenant`, at the top and in every object of its lists."""
    claim = {"tenant": str(tenant.id), "tenant_id": str(tenant.id)}
    nested = {
        k: [{**v, **claim} if isinstance(v, dict) else v for v in items]
        for k, items in body.items()
        if isinstance(items, list)
    }
    return {**body, **nested, **claim}


@pytest.mark.parametrize(("name", "method"), WRITES, ids=ids(WRITES))
def test_a_tenant_in_the_body_is_ignored(name, method, tenant, other_tenant, caller):
    route = ROUTES[name]
    path = path_of(name, tenant, route.make(tenant=tenant) if route.make else None)
    body = with_tenant(route.bodies[method](tenant), other_tenant)
    client = caller(tenant, route.write_role)
    mine, theirs = rows_of(tenant), rows_of(other_tenant)
    response = send(client, name, method, path, body)
    assert 200 <= response.status_code < 300, response.content
    assert rows_of(other_tenant) == theirs
    assert rows_of(tenant) != mine, "the write changed nothing in the path's tenant"


# Roles ---------------------------------------------------------------------------------------

ROLE_CASES = [
    (name, method, role) for name, method in CASES for role in RANKS[: RANKS.index(needed_role(ROUTES[name], method))]
]


@pytest.mark.parametrize(
    ("name", "method", "role"), ROLE_CASES, ids=[f"{m.upper()} {n} as {r}" for n, m, r in ROLE_CASES]
)
def test_a_role_below_the_routes_is_403_and_changes_nothing(name, method, role, tenant, caller):
    route = ROUTES[name]
    path = path_of(name, tenant, route.make(tenant=tenant) if route.make else None)
    body = body_for(route, method, tenant)
    client = caller(tenant, role)
    before = rows_of(tenant)
    response = send(client, name, method, path, body)
    assert response.status_code == 403, response.content
    needed = needed_role(route, method)
    assert only_error(response)["detail"] == ROLE_TOO_LOW.format(role=role.value, needed=needed.value)
    assert rows_of(tenant) == before
