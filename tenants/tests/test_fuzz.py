"""Schemathesis against `/v1/schema`, in-process: every operation, as an admin of a tenant.

Each operation gets a bounded, derandomized run: valid requests (positive mode) with
the seeded objects' ids in the path and, in every other request, the seeded objects
named in the body (so that creates and ingestion get past "no such customer"), then
invalid ones (negative mode) with every path parameter but the tenant generated.
Every response must be no 5xx, have a documented status code and content type, and
match its documented schema.

The database is in autocommit (`transaction=True`), as in production: `on_commit`
callbacks run and a failed statement does not poison an enclosing test transaction.
Webhook delivery attempts are not queued: fuzzed endpoint URLs are not ours to call.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from plans.pricing import ChargeSpec
from plans.tests.factories import MeterFactory, PlanFactory, TaxRateFactory, add_charge
from subscriptions.tests.factories import CustomerFactory, SubscriptionFactory
from tenants.services import api_key_create, tokens_for_user
from webhooks.tests.factories import WebhookDeliveryFactory, WebhookEndpointFactory

# Per operation; the whole run stays well under a minute on two cores.
POSITIVE_EXAMPLES = 30
NEGATIVE_EXAMPLES = 20
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _operations(schema: Any) -> dict[str, Any]:
    found = {}
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            raise result.err()  # an operation schemathesis cannot read is a schema bug
        found[result.ok().label] = result.ok()
    return found


SCHEMA = schemathesis.openapi.from_wsgi("/v1/schema", get_wsgi_application())
OPERATIONS = _operations(SCHEMA)


@pytest.fixture
def seeded(tenant, admin_user, monkeypatch) -> dict[str, Any]:
    """A tenant with one object of each kind; the path parameters that name them."""
    from webhooks import tasks

    monkeypatch.setattr(tasks.webhook_delivery_attempt, "delay", lambda *args: None)
    meter = MeterFactory(tenant=tenant, code="api_calls")
    plan = PlanFactory(tenant=tenant, code="pro")
    add_charge(plan, ChargeSpec.per_unit(Decimal("0.10")), meter=meter)
    customer = CustomerFactory(tenant=tenant, external_id="acme_1")
    subscription = SubscriptionFactory(tenant=tenant, customer=customer, plan=plan)
    unsubscribed = CustomerFactory(tenant=tenant, external_id="acme_2")
    endpoint = WebhookEndpointFactory(tenant=tenant)
    delivery = WebhookDeliveryFactory(tenant=tenant, endpoint=endpoint)
    key, _ = api_key_create(tenant=tenant, name="backend")
    tax_rate = TaxRateFactory(tenant=tenant)
    return {
        "headers": {"Authorization": f"Bearer {tokens_for_user(admin_user)['access']}"},
        # Body fields that name another object; acme_2 may still take a subscription.
        "body_references": {
            "customer_id": str(unsubscribed.id),
            "plan_id": str(plan.id),
            "external_customer_id": "acme_1",
            "meter": "api_calls",
        },
        "path_parameters": {
            "tenant_id": str(tenant.id),
            "meter_id": str(meter.id),
            "plan_id": str(plan.id),
            "customer_id": str(customer.id),
            "subscription_id": str(subscription.id),
            "endpoint_id": str(endpoint.id),
            "delivery_id": str(delivery.id),
            "key_id": str(key.id),
            "tax_rate_id": str(tax_rate.id),
        },
    }


def _with_references(body: Any, references: dict[str, str]) -> Any:
    """`body` with the seeded objects put where it names one (also in nested lists)."""
    if isinstance(body, list):
        return [_with_references(item, references) for item in body]
    if isinstance(body, dict):
        return {
            key: references[key] if key in references else _with_references(value, references)
            for key, value in body.items()
        }
    return body


def _negatable(operation: Any) -> bool:
    """Whether negative mode has something to make invalid besides the fixed tenant id
    and credentials."""
    fixed = {"tenant_id", "Authorization"}
    return bool(operation.body) or any(p.name not in fixed for p in operation.iter_parameters())


def _fuzz(operation: Any, mode: GenerationMode, path_parameters: dict[str, str], seeded: dict[str, Any]) -> None:
    known = {name: value for name, value in path_parameters.items() if name in operation.path}
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=known, headers=seeded["headers"])

    @given(case=strategy, use_references=st.booleans())
    @settings(
        max_examples=POSITIVE_EXAMPLES if mode.is_positive else NEGATIVE_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    def run(case: Any, use_references: bool) -> None:
        if mode.is_positive and use_references:
            case.body = _with_references(case.body, seeded["body_references"])
        case.call_and_validate(checks=CHECKS)

    run()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_operation_conforms_to_its_schema(label, seeded):
    operation = OPERATIONS[label]
    ids = seeded["path_parameters"]
    _fuzz(operation, GenerationMode.POSITIVE, ids, seeded)
    if _negatable(operation):
        _fuzz(operation, GenerationMode.NEGATIVE, {"tenant_id": ids["tenant_id"]}, seeded)


def test_the_schema_lists_the_operations_of_every_app():
    assert {
        "POST /v1/tenants",
        "GET /v1/tenants/{tenant_id}/webhook-deliveries/{delivery_id}",
        "PATCH /v1/tenants/{tenant_id}/plans/{plan_id}",
        "POST /v1/tenants/{tenant_id}/subscriptions",
        "POST /v1/tenants/{tenant_id}/usage/batch",
    } <= set(OPERATIONS)
