"""What no route may answer with a 500, over the whole URLconf (issue #11, item 14):
OPTIONS, NUL characters and deep nesting in JSON bodies, NUL in query strings, and
bodies over MAX_REQUEST_BODY_BYTES (413). A new route is covered without a new test."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import pytest
from django.urls import URLPattern
from rest_framework.test import APIClient

from plans.tests.factories import CouponFactory, PlanFactory, TaxRateFactory, add_charge
from subscriptions.tests.factories import CustomerFactory, SubscriptionFactory
from tenants.api_errors import RequestTooLarge
from tenants.models import User
from tenants.parsers import JSON_TOO_DEEP, MAX_JSON_DEPTH, NULL_CHARACTER, REQUEST_TOO_LARGE, JSONParser
from tenants.services import api_key_create
from tenants.tests.utils import all_routes, route_methods
from usage.tests.factories import UsageEventFactory
from webhooks.tests.factories import WebhookDeliveryFactory, WebhookEndpointFactory

pytestmark = pytest.mark.django_db

WRITE_METHODS = ("post", "put", "patch")
# Writes that act on the path alone and never read a body.
BODYLESS = {
    ("post", "v1/tenants/<uuid:tenant_id>/invoices/<uuid:invoice_id>/void"),
    ("post", "v1/tenants/<uuid:tenant_id>/webhook-deliveries/<uuid:delivery_id>/retry"),
}


def api_writes() -> list[tuple[str, str]]:
    """(method, route) of every write of the JSON API, but the signed payment webhook
    (payments/tests/test_api.py covers it with a signature)."""
    return [
        (method, route)
        for route, pattern in all_routes()
        if route.startswith("v1/") and route != "v1/webhooks/payment" and hasattr(pattern.callback, "view_class")
        for method in route_methods(pattern)
        if method in WRITE_METHODS
    ]


def concrete(route: str, ids: dict[str, str]) -> str:
    """A path for `route`: the seeded object for a known parameter, else a new UUID;
    a regex route (the admin's) gets its first alternative."""
    route = route.replace("^", "").replace("$", "")
    route = re.sub(r"\(\?P<\w+>([\w-]+)?[^)]*\)", lambda m: m.group(1) or "x", route)
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: ids.get(m.group(1), str(uuid.uuid4())), route)


@pytest.fixture
def seeded(tenant) -> dict[str, str]:
    """Path parameters naming real objects, so that a view gets past its 404."""
    plan = PlanFactory(tenant=tenant)
    add_charge(plan)
    endpoint = WebhookEndpointFactory(tenant=tenant)
    key, _ = api_key_create(tenant=tenant, name="backend")
    return {
        "tenant_id": str(tenant.id),
        "plan_id": str(plan.id),
        "meter_id": str(plan.charges.get().meter_id),
        "customer_id": str(CustomerFactory(tenant=tenant).id),
        "subscription_id": str(SubscriptionFactory(tenant=tenant, plan=plan).id),
        "endpoint_id": str(endpoint.id),
        "delivery_id": str(WebhookDeliveryFactory(tenant=tenant, endpoint=endpoint).id),
        "key_id": str(key.id),
        "tax_rate_id": str(TaxRateFactory(tenant=tenant).id),
        "event_id": str(UsageEventFactory(tenant=tenant).id),
        "coupon_id": str(CouponFactory(tenant=tenant).id),
    }


def only_error(response: Any) -> dict[str, Any]:
    body = response.json()
    assert len(body["errors"]) == 1, body
    return {"type": body["type"], **body["errors"][0]}


# -- OPTIONS ------------------------------------------------------------------------


def test_options_on_every_route_is_never_a_500(api, admin_user, seeded):
    # One client for everything: the admin's JWT for the API, a staff session for /admin/.
    api.force_login(User.objects.create_superuser(email="support@billing.test", password="correct-horse-battery"))
    api.raise_request_exception = False
    answers = {route: api.options(concrete(route, seeded)) for route, _ in all_routes()}
    assert {route: r.status_code for route, r in answers.items() if r.status_code >= 500} == {}
    usage = answers["v1/tenants/<uuid:tenant_id>/usage"]
    assert (usage.status_code, usage.json()) == (
        200,
        {
            "name": "Usage Event List Ingest Api",
            "description": "",
            "renders": ["application/json"],
            "parses": ["application/json"],
        },
    )
    for route in (
        "v1/tenants/<uuid:tenant_id>/usage/batch",
        "v1/tenants/<uuid:tenant_id>/invoices/run",
        "v1/tenants/<uuid:tenant_id>/invoices/<uuid:invoice_id>/void",
        "v1/tenants/<uuid:tenant_id>/subscriptions/<uuid:subscription_id>/cancel",
    ):
        assert answers[route].status_code == 200, route


# -- JSON bodies --------------------------------------------------------------------


def write(client: APIClient, method: str, path: str, body: str) -> Any:
    client.raise_request_exception = False
    # The key is for usage ingestion, which wants one before it reads the body.
    return getattr(client, method)(path, data=body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1")


def assert_refused(client: APIClient, method: str, path: str, body: str, error: dict[str, Any], bodyless: bool) -> None:
    """`body` is a 400 with `error`; a route that reads no body only must not fail (no 5xx)."""
    response = write(client, method, path, body)
    if bodyless:
        assert response.status_code < 500
        return
    assert response.status_code == 400, response.content
    assert only_error(response) == error


@pytest.mark.parametrize(("method", "route"), api_writes(), ids=[f"{m} {r}" for m, r in api_writes()])
def test_a_nul_character_in_a_json_body_is_400_naming_its_place(api, seeded, method, route):
    body = json.dumps({"metadata": {"region": "eu", "k\x00": "v"}, "name": "ok"})
    error = {
        "type": "validation_error",
        "code": "null_characters_not_allowed",
        "detail": NULL_CHARACTER,
        "attr": "metadata",
    }
    assert_refused(api, method, concrete(route, seeded), body, error, (method, route) in BODYLESS)


@pytest.mark.parametrize(("method", "route"), api_writes(), ids=[f"{m} {r}" for m, r in api_writes()])
def test_json_nested_1000_deep_is_400_on_every_route(api, seeded, method, route):
    body = '{"properties": ' + '{"a": ' * 1000 + "1" + "}" * 1001
    error = {"type": "client_error", "code": "parse_error", "detail": JSON_TOO_DEEP, "attr": None}
    assert_refused(api, method, concrete(route, seeded), body, error, (method, route) in BODYLESS)


def test_nesting_up_to_the_limit_is_accepted(api, turl):
    metadata: dict[str, Any] = {"leaf": "x"}
    for _ in range(MAX_JSON_DEPTH - 2):  # the body and metadata are two levels
        metadata = {"a": metadata}
    response = api.post(turl("customers"), {"external_id": "deep", "name": "Deep", "metadata": metadata}, format="json")
    assert response.status_code == 201, response.content
    assert json.dumps(response.json()["metadata"]).count("{") == MAX_JSON_DEPTH - 1


def test_a_nul_in_a_list_names_its_index(api, turl):
    body = {"events": [{"idempotency_key": "k1"}, {"properties": {"tags": ["a", "b\x00"]}}]}
    response = api.post(turl("usage/batch"), body, format="json")
    assert (response.status_code, only_error(response)["attr"]) == (400, "events.1.properties.tags.1")


# -- query strings ------------------------------------------------------------------


def api_reads() -> list[str]:
    return [route for route, p in all_routes() if route.startswith("v1/") and "get" in _methods_of(p)]


def _methods_of(pattern: URLPattern) -> list[str]:
    return route_methods(pattern) if hasattr(pattern.callback, "view_class") else []


@pytest.mark.parametrize("route", api_reads())
def test_a_nul_in_a_query_parameter_is_400_naming_it_on_every_read(api, seeded, route):
    api.raise_request_exception = False
    response = api.get(concrete(route, seeded) + "?external_id=cus%00&limit=10")
    assert response.status_code == 400
    assert only_error(response) == {
        "type": "validation_error",
        "code": "null_characters_not_allowed",
        "detail": NULL_CHARACTER,
        "attr": "external_id",
    }


def test_a_nul_in_an_admin_lookup_is_400_not_a_database_error(staff_client):
    staff_client.raise_request_exception = False
    response = staff_client.get("/admin/plans/plan/?code=%00")
    assert response.status_code == 400
    assert only_error(response)["attr"] == "code"


# -- body size ----------------------------------------------------------------------


def test_a_body_over_the_limit_is_413_before_it_is_read(api, turl, settings):
    settings.MAX_REQUEST_BODY_BYTES = 1000
    body = json.dumps({"external_id": "big", "name": "x" * 1000})
    response = write(api, "post", turl("customers"), body)
    assert response.status_code == 413
    assert only_error(response) == {
        "type": "client_error",
        "code": "request_too_large",
        "detail": REQUEST_TOO_LARGE.format(limit=1000),
        "attr": None,
    }
    assert response.headers["X-Request-ID"]


def test_a_body_at_the_limit_is_read(api, turl, settings):
    body = json.dumps({"external_id": "big", "name": "x" * 150})
    settings.MAX_REQUEST_BODY_BYTES = len(body.encode())
    assert write(api, "post", turl("customers"), body).status_code == 201


def test_the_parser_reads_no_more_than_the_limit_whatever_the_header_says(settings):
    settings.MAX_REQUEST_BODY_BYTES = 10

    class Stream:
        def read(self, size: int) -> bytes:
            assert size == 11  # the limit and one byte to know it was passed
            return b"[" * size

    with pytest.raises(RequestTooLarge):
        JSONParser().parse(Stream(), "application/json", {})
