"""The OpenAPI document (tenants.openapi): error envelopes, statuses and list shapes.

Each of these was a difference between the schema and the answers that the
schemathesis run (test_fuzz.py) found.
"""

import pytest
from drf_spectacular.generators import SchemaGenerator

from tenants.decimals import DECIMAL_PATTERN


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def responses(schema, method, path):
    return schema["paths"][path][method]["responses"]


def ref(response):
    return response["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]


def test_errors_are_documented_with_the_one_envelope(schema):
    components = schema["components"]["schemas"]
    assert ref(responses(schema, "get", "/v1/tenants/{tenant_id}/meters")["400"]) == "ErrorResponse"
    assert ref(responses(schema, "post", "/v1/tenants/{tenant_id}/plans")["400"]) == "ErrorResponse"
    kinds = components["ErrorResponse"]["properties"]["type"]["$ref"].rsplit("/", 1)[1]
    assert components[kinds]["enum"] == ["validation_error", "client_error"]
    error = components["ApiError"]
    assert error["required"] == ["attr", "code", "detail"]
    assert error["properties"]["code"] == {"type": "string", "description": error["properties"]["code"]["description"]}
    assert error["properties"]["attr"]["nullable"] is True


def test_lists_without_filters_document_a_400_for_limit_and_cursor(schema):
    assert ref(responses(schema, "get", "/v1/tenants/{tenant_id}/users")["400"]) == "ErrorResponse"


def test_writes_of_tenant_routes_document_409_and_reads_do_not(schema):
    assert ref(responses(schema, "post", "/v1/tenants/{tenant_id}/meters")["409"]) == "ClientErrorResponse"
    assert "409" in responses(schema, "patch", "/v1/tenants/{tenant_id}/plans/{plan_id}")
    assert "409" in responses(schema, "post", "/v1/tenants")  # the admin's email exists
    assert "409" not in responses(schema, "get", "/v1/tenants/{tenant_id}/meters")
    assert "409" not in responses(schema, "post", "/v1/auth/login")


def test_usage_ingestion_documents_422_for_a_reused_key(schema):
    assert ref(responses(schema, "post", "/v1/tenants/{tenant_id}/usage")["422"]) == "ErrorResponse"
    assert ref(responses(schema, "post", "/v1/tenants/{tenant_id}/usage/batch")["422"]) == "ErrorResponse"


def test_auth_routes_document_their_401_and_signup_its_403(schema):
    assert "401" in responses(schema, "post", "/v1/auth/login")
    refresh = responses(schema, "post", "/v1/auth/refresh")
    assert "401" in refresh
    assert ref(refresh["200"]) == "TokenRefresh"
    assert "403" in responses(schema, "post", "/v1/tenants")


@pytest.mark.parametrize("path", ["/v1/tenants/{tenant_id}/users", "/v1/tenants/{tenant_id}/api-keys"])
def test_user_and_api_key_lists_are_paginated_lists(schema, path):
    name = ref(responses(schema, "get", path)["200"])
    assert name.startswith("Paginated")
    assert set(schema["components"]["schemas"][name]["properties"]) == {"results", "next", "previous"}


def test_customer_usage_documents_from_not_from_underscore(schema):
    output = schema["components"]["schemas"]["CustomerUsageOutput"]
    assert output["required"] == ["from", "meters", "to"]
    meter = output["properties"]["meters"]["items"]["$ref"].rsplit("/", 1)[1]
    assert schema["components"]["schemas"][meter]["required"] == ["aggregation", "meter", "quantity"]


def test_writes_document_the_413_of_a_body_over_the_limit_and_reads_do_not(schema):
    assert ref(responses(schema, "post", "/v1/tenants/{tenant_id}/usage/batch")["413"]) == "ClientErrorResponse"
    assert "413" in responses(schema, "patch", "/v1/tenants/{tenant_id}/customers/{customer_id}")
    assert "413" in responses(schema, "post", "/v1/webhooks/payment")
    assert "413" not in responses(schema, "get", "/v1/tenants/{tenant_id}/usage")


def test_decimal_inputs_document_the_one_spelling_they_accept(schema):
    components = schema["components"]["schemas"]
    assert components["UsageEventInputRequest"]["properties"]["value"]["pattern"] == DECIMAL_PATTERN
