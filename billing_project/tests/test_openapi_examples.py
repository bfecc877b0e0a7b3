"""The examples of `/v1/schema` (billing_project.openapi_examples): every write route has
them, and each one matches the schema it illustrates.

A write operation (POST, PUT, PATCH, DELETE) needs a request example when it takes a
JSON body, and an example of every 2xx response that has one. Each example is checked
against its own schema read as JSON Schema, more strictly than OpenAPI 3.0 says: an
object takes no property its schema does not name (a typo in an example is a wrong
example), a request example no read-only property and a response example no write-only
one, and the formats (uuid, date-time, decimal, email, uri) are checked.
"""

from __future__ import annotations

import copy
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
from drf_spectacular.generators import SchemaGenerator

from billing_project.openapi_examples import EXAMPLES, MEDIA_TYPE

WRITE_METHODS = ("post", "put", "patch", "delete")

FORMATS = jsonschema.FormatChecker()


@FORMATS.checks("date-time", raises=ValueError)
def _date_time(value: object) -> bool:
    return not isinstance(value, str) or datetime.fromisoformat(value).tzinfo is not None


@FORMATS.checks("decimal", raises=InvalidOperation)
def _decimal(value: object) -> bool:
    return not isinstance(value, str) or Decimal(value).is_finite()


@FORMATS.checks("uri")
def _uri(value: object) -> bool:
    return not isinstance(value, str) or bool(urlsplit(value).scheme and urlsplit(value).netloc)


SCHEMA = SchemaGenerator().get_schema(request=None, public=True)


def write_operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
        if method in WRITE_METHODS
    ]


def json_content(part: dict[str, Any]) -> dict[str, Any] | None:
    return part.get("content", {}).get(MEDIA_TYPE)


def to_json_schema(node: Any, direction: str) -> Any:
    """An OpenAPI 3.0 schema as Draft 4 JSON Schema: `nullable` as a null alternative,
    objects closed to properties they do not name, properties of the other direction
    (readOnly in a request, writeOnly in a response) refused."""
    if isinstance(node, list):
        return [to_json_schema(item, direction) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: to_json_schema(value, direction) for key, value in node.items() if key != "example"}
    if "properties" in node:
        hidden = "readOnly" if direction == "request" else "writeOnly"
        properties = node["properties"]
        for name in [name for name, prop in properties.items() if isinstance(prop, dict) and prop.get(hidden)]:
            properties[name] = {"not": {}}
        node.setdefault("additionalProperties", False)
    if node.pop("nullable", False):
        node = {"anyOf": [node, {"type": "null"}]}
    return node


def validator_for(schema: dict[str, Any], media: dict[str, Any], direction: str) -> jsonschema.Draft4Validator:
    components = to_json_schema(schema["components"], direction)
    return jsonschema.Draft4Validator(
        {**to_json_schema(media["schema"], direction), "components": components}, format_checker=FORMATS
    )


def examples_of(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any], Any]]:
    """(label, direction, media type object, example value) of every example of a write route."""
    found = []
    for method, path, operation in write_operations(schema):
        parts = [("request", "request", operation.get("requestBody", {}))]
        parts += [(status, "response", response) for status, response in operation["responses"].items()]
        for name, direction, part in parts:
            media = json_content(part)
            for example in (media or {}).get("examples", {}).values():
                found.append((f"{method} {path} {name}", direction, media, example["value"]))
    return found


def test_every_write_operation_has_a_request_and_a_2xx_response_example():
    missing = []
    for method, path, operation in write_operations(SCHEMA):
        body = json_content(operation.get("requestBody", {}))
        if body is not None and not body.get("examples"):
            missing.append(f"{method} {path} request ({operation['operationId']})")
        for status, response in operation["responses"].items():
            media = json_content(response)
            if status.startswith("2") and media is not None and not media.get("examples"):
                missing.append(f"{method} {path} {status} ({operation['operationId']})")
    assert missing == []
    assert len(write_operations(SCHEMA)) >= 39  # the walk above saw the routes


def test_every_example_names_an_operation_and_status_of_the_schema():
    operations = {operation["operationId"]: operation for _, _, operation in write_operations(SCHEMA)}
    wrong = []
    for operation_id, examples in EXAMPLES.items():
        operation = operations.get(operation_id)
        if operation is None:
            wrong.append(f"{operation_id}: no such write operation")
            continue
        if ("request" in examples) != (json_content(operation.get("requestBody", {})) is not None):
            wrong.append(f"{operation_id}: a request example exactly when it takes a body")
        for status in examples["responses"]:
            if json_content(operation["responses"].get(status, {})) is None:
                wrong.append(f"{operation_id}: no {status} response with a body")
    assert wrong == []


@pytest.mark.parametrize(
    ("label", "direction", "media", "value"), [pytest.param(*example, id=example[0]) for example in examples_of(SCHEMA)]
)
def test_each_example_matches_its_own_schema(label, direction, media, value):
    errors = [
        f"{list(e.absolute_path)}: {e.message}" for e in validator_for(SCHEMA, media, direction).iter_errors(value)
    ]
    assert errors == [], label


def _example(path: str, method: str, status: str | None = None) -> tuple[dict[str, Any], Any]:
    operation = SCHEMA["paths"][path][method]
    part = operation["requestBody"] if status is None else operation["responses"][status]
    media = json_content(part)
    assert media is not None
    return media, copy.deepcopy(media["examples"]["example"]["value"])


def test_the_check_refuses_a_missing_field_an_unknown_one_and_a_wrong_format():
    media, invoice = _example("/v1/tenants/{tenant_id}/invoices/{invoice_id}/void", "post", "200")
    check = validator_for(SCHEMA, media, "response")
    assert check.is_valid(invoice)
    del invoice["amount_due"]
    assert not check.is_valid(invoice)
    media, plan = _example("/v1/tenants/{tenant_id}/plans", "post")
    check = validator_for(SCHEMA, media, "request")
    assert check.is_valid(plan)
    assert not check.is_valid({**plan, "amout": "49.00"})
    assert not check.is_valid({**plan, "id": "3fa85f64-5717-4562-b3fc-2c963f66afa6"})
    media, subscription = _example("/v1/tenants/{tenant_id}/subscriptions", "post")
    check = validator_for(SCHEMA, media, "request")
    assert not check.is_valid({**subscription, "start_at": "2026-01-01T00:00:00"})  # no offset
    assert not check.is_valid({**subscription, "customer_id": "cus_42"})


def test_nullable_fields_take_null_and_other_fields_do_not():
    media, invoice = _example("/v1/tenants/{tenant_id}/invoices/{invoice_id}/pay", "post", "200")
    check = validator_for(SCHEMA, media, "response")
    assert invoice["paid_at"] is None and check.is_valid(invoice)
    assert not check.is_valid({**invoice, "total": None})


def test_the_examples_are_in_the_served_schema(api):
    served = api.get("/v1/schema", HTTP_ACCEPT="application/json").json()
    body = served["paths"]["/v1/tenants/{tenant_id}/meters"]["post"]["requestBody"]["content"][MEDIA_TYPE]
    assert body["examples"]["example"]["value"] == {"code": "api_calls", "name": "API calls", "aggregation": "sum"}
    assert len(examples_of(served)) == len(examples_of(SCHEMA))
