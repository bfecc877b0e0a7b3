"""The OpenAPI schema documents the endpoints as lists with their filters."""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator


@pytest.fixture(scope="module")
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


@pytest.mark.parametrize(
    ("path", "filters"),
    [
        ("/v1/tenants/{tenant_id}/customers", {"external_id"}),
        ("/v1/tenants/{tenant_id}/subscriptions", {"customer_id", "plan_id", "status"}),
    ],
)
def test_lists_are_paginated_and_document_their_filters(schema, path, filters):
    operation = schema["paths"][path]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert names >= filters | {"limit", "cursor"}
    ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert ref.startswith("#/components/schemas/Paginated")


def test_the_create_bodies_have_their_own_components(schema):
    body = schema["paths"]["/v1/tenants/{tenant_id}/subscriptions"]["post"]["requestBody"]
    ref = body["content"]["application/json"]["schema"]["$ref"]
    component = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert set(component["properties"]) == {"customer_id", "plan_id", "start_at", "trial_days"}
    assert set(component["required"]) == {"customer_id", "plan_id"}
