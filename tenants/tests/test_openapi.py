"""The OpenAPI document (tenants.openapi): error envelopes, statuses, list shapes and limits.

Each of these was a difference between the schema and the answers that the
schemathesis run (test_fuzz.py) found.
"""

import re

import pytest
from drf_spectacular.generators import SchemaGenerator

from tenants.decimals import DECIMAL_PATTERN, MAX_DECIMAL_TEXT


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


DECIMAL_TEXTS = ["0", "-0", "12.50", "1E+3", "1e-05", "-3", "1_000", " 1", "+1", ".5", "NaN", "١", "0x10"]


def test_decimal_inputs_document_the_one_spelling_they_accept(schema):
    """Every decimal input's pattern accepts only what the one parser reads (and, in
    plain notation, exactly what it accepts within the field's bounds)."""
    properties = component(schema, "UsageEventInputRequest")["properties"]
    patterns = [
        component(schema, "PlanCreateInputRequest")["properties"]["amount"]["pattern"],
        component(schema, "TierInputRequest")["properties"]["unit_amount"]["pattern"],
        properties["value"]["oneOf"][0]["pattern"],
    ]
    for pattern in patterns:
        for text in DECIMAL_TEXTS:
            if re.search(pattern, text):
                assert re.fullmatch(DECIMAL_PATTERN, text), (pattern, text)


# Every limit the code enforces is stated (issue #11, item 20)


def operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def parameter(operation, name):
    return next((p for p in operation.get("parameters", []) if p["name"] == name), None)


def component(schema, name):
    return schema["components"]["schemas"][name]


def test_every_list_states_the_limit_bounds(schema):
    lists = [(path, op) for path, method, op in operations(schema) if parameter(op, "cursor")]
    assert (
        len(lists) == 19
    )  # issue #15: …/invoices/{id}/lines/{line_id}/events, the audit log; issue #16: customers/{id}/credit-grants,
    # subscriptions/{id}/alerts
    for path, operation in lists:
        assert parameter(operation, "limit")["schema"] == {
            "type": "integer",
            "minimum": 1,
            "maximum": 500,
            "default": 50,
        }, path


def test_every_tenant_post_and_delete_takes_an_optional_idempotency_key_and_documents_its_422(schema):
    writes = [
        (path, method, op)
        for path, method, op in operations(schema)
        if path.startswith("/v1/tenants/{tenant_id}/") and method in ("post", "delete")
    ]
    # 19, and issue #13: change, change/preview, DELETE pending-change, clock/advance;
    # issue #14: POST coupons, POST customers/{id}/discounts, DELETE …/discounts/{id};
    # issue #15: POST usage/{id}/void, POST usage/{id}/amend; issue #17: POST invoices/{id}/pay,
    # POST customers/{id}/portal-sessions; issue #16: POST customers/{id}/credit-grants, POST credit-grants/{id}/void,
    # POST subscriptions/{id}/alerts, DELETE …/alerts/{id}
    assert len(writes) == 34
    for path, _method, operation in writes:
        header = parameter(operation, "Idempotency-Key")
        assert header["in"] == "header", path
        assert header["schema"] == {
            "type": "string",
            "minLength": 1,
            "maxLength": 255,
            "pattern": "^[\\u0020-\\u007e]{1,255}$",
        }
        assert header.get("required", False) is (path == "/v1/tenants/{tenant_id}/usage"), path
        assert ref(operation["responses"]["422"]) == "ErrorResponse", path
    for path, method, operation in operations(schema):
        if method in ("get", "patch") or not path.startswith("/v1/tenants/{tenant_id}/"):
            assert parameter(operation, "Idempotency-Key") is None, (method, path)


def test_metadata_is_a_json_object_of_at_most_50_keys(schema):
    for name in ("CustomerCreateInputRequest", "PatchedCustomerUpdateInputRequest"):
        metadata = component(schema, name)["properties"]["metadata"]
        assert (metadata["type"], metadata["maxProperties"]) == ("object", 50)


def test_currencies_are_the_iso_4217_codes_with_a_minor_unit(schema):
    codes = component(schema, "CurrencyCode")["enum"]
    assert {"USD", "EUR", "JPY", "KWD"} <= set(codes)
    assert "XAU" not in codes and "usd" not in codes
    plan_currency = component(schema, "PlanCreateInputRequest")["properties"]["currency"]
    signup_currency = component(schema, "TenantSignupInputRequest")["properties"]["default_currency"]
    assert plan_currency["allOf"] == signup_currency["allOf"] == [{"$ref": "#/components/schemas/CurrencyCode"}]


def test_text_fields_state_their_length_and_refuse_nul_and_blank(schema):
    name = component(schema, "CustomerCreateInputRequest")["properties"]["name"]
    assert (name["minLength"], name["maxLength"]) == (1, 200)
    assert re.fullmatch(name["pattern"], "Acme")
    for refused in ("", "   ", "\x1c", "Ac\x00me"):
        assert not re.search(name["pattern"], refused), repr(refused)
    description = component(schema, "PlanCreateInputRequest")["properties"]["description"]
    assert re.search(description["pattern"], "") and not re.search(description["pattern"], "a\x00")
    usage_filter = parameter(schema["paths"]["/v1/tenants/{tenant_id}/usage"]["get"], "external_customer_id")
    assert usage_filter["schema"] == {"type": "string", "pattern": "^[^\\u0000]*$"}


def test_amounts_are_non_negative_decimal_strings_below_10_to_the_9(schema):
    amount = component(schema, "PlanCreateInputRequest")["properties"]["amount"]
    pattern = amount["pattern"]
    assert (amount["type"], amount["maxLength"]) == ("string", MAX_DECIMAL_TEXT)
    for accepted in ("49.00", "0", "-0", "0.000000000001", "0.10000000000000", "999999999", "000049", "1E+3"):
        assert re.search(pattern, accepted), accepted
    for refused in ("-1", "-1e3", "+5", " 5", ".5", "5.", "0.0000000000001", "1000000000", "", "NaN", "1_000"):
        assert not re.search(pattern, refused), refused


def test_usage_values_are_decimal_strings_or_whole_numbers(schema):
    value = component(schema, "UsageEventInputRequest")["properties"]["value"]
    string, number = value["oneOf"]
    assert re.search(string["pattern"], "2.5") and re.search(string["pattern"], "2.5e1")
    assert not re.search(string["pattern"], "1000000000000000") and not re.search(string["pattern"], "-2.5")
    assert number == {"type": "integer", "minimum": 0, "maximum": 10**15 - 1}
    assert value["nullable"] is True


def test_numeric_bounds_are_stated(schema):
    plan = component(schema, "PlanCreateInputRequest")["properties"]
    assert (plan["trial_days"]["minimum"], plan["trial_days"]["maximum"]) == (0, 3650)
    subscription = component(schema, "SubscriptionCreateInputRequest")["properties"]
    assert (subscription["trial_days"]["minimum"], subscription["trial_days"]["maximum"]) == (0, 730)
    charge = component(schema, "ChargeInputRequest")["properties"]
    assert (charge["package_size"]["minimum"], charge["package_size"]["maximum"]) == (1, 1_000_000_000)
    batch = component(schema, "UsageBatchInputRequest")["properties"]["events"]
    assert (batch["minItems"], batch["maxItems"]) == (1, 1000)


def test_new_passwords_state_django_s_length_and_not_only_digits(schema):
    for name, field in (("TenantSignupInputRequest", "admin_password"), ("UserCreateInputRequest", "password")):
        password = component(schema, name)["properties"][field]
        assert password["minLength"] == 8
        assert re.search(password["pattern"], "12345678a")
        assert not re.search(password["pattern"], "12345678")


def test_webhook_urls_state_their_scheme(schema):
    url = component(schema, "WebhookEndpointInputRequest")["properties"]["url"]
    assert (url["format"], url["maxLength"]) == ("uri", 2048)
    assert re.search(url["pattern"], "https://hooks.example.com/x")
    assert not re.search(url["pattern"], "ftp://hooks.example.com/x")
