"""Schemathesis against `/v1/schema`, in-process: every operation, as an admin of a tenant.

Each operation gets a bounded, derandomized run: valid requests (positive mode) with
the seeded objects' ids in the path and, in every other request, the seeded objects
named in the body (so that creates and ingestion get past "no such customer"), then
invalid ones (negative mode) with every path parameter but the tenant generated.
Every response must be no 5xx, have a documented status code and content type, and
match its documented schema; a valid request must be accepted and an invalid one
refused, so that the schema states every limit the code enforces (and no other).

The only valid requests that may be refused are those that break a rule OpenAPI 3.0
cannot state (references to stored objects, the clock, relations between fields):
`BEYOND_THE_SCHEMA` lists each one, by the error code that names it, and says why.

The database is in autocommit (`transaction=True`), as in production: `on_commit`
callbacks run and a failed statement does not poison an enclosing test transaction.
Webhook delivery attempts are not queued: fuzzed endpoint URLs are not ours to call.
"""

from __future__ import annotations

import re
from decimal import Decimal
from fnmatch import fnmatchcase
from typing import Any

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.generation.hypothesis.examples import generate_one
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from plans.coupon_services import COUPON_FIXED_FIELDS
from plans.pricing import ChargeSpec
from plans.tests.factories import CouponFactory, MeterFactory, PlanFactory, TaxRateFactory, add_charge
from subscriptions.tests.factories import CustomerFactory, DiscountFactory, SubscriptionFactory
from tenants.decimals import DECIMAL_PATTERN
from tenants.services import api_key_create, tokens_for_user
from webhooks.tests.factories import WebhookDeliveryFactory, WebhookEndpointFactory

# Per operation; the whole run stays well under a minute on two cores.
POSITIVE_EXAMPLES = 30
NEGATIVE_EXAMPLES = 20

# (attr, code) of the errors that name a rule beyond the schema; attr is a pattern
# (`*` for a list index). Each rule says why OpenAPI cannot state it.
BEYOND_THE_SCHEMA: dict[tuple[str | None, str], str] = {
    # Stored data: a body may name an object that does not exist in the tenant.
    ("customer_id", "does_not_exist"): "a customer of the tenant, by id",
    ("plan_id", "does_not_exist"): "a plan of the tenant, by id",
    ("external_customer_id", "does_not_exist"): "a customer of the tenant, by external_id",
    ("meter", "does_not_exist"): "a meter of the tenant, by code",
    ("events.*.external_customer_id", "does_not_exist"): "as above, in a batch",
    ("events.*.meter", "does_not_exist"): "as above, in a batch",
    ("charges.*.meter", "unknown_meter"): "a plan's charge names a meter of the tenant",
    ("charges.*.meter", "duplicate_meter"): "two charges of one plan may not share a meter (a rule about values)",
    ("properties", "required"): "a unique_count meter (stored) needs its property in the event",
    ("events.*.properties", "required"): "as above, in a batch",
    ("external_id", "immutable"): "PATCH may repeat a customer's stored external_id, not change it",
    ("code", "immutable"): "a tax rate's code never changes: PATCH declares it only to name it in the 400",
    ("percentage", "immutable"): "as above, a tax rate's percentage",
    ("coupon_code", "does_not_exist"): "a coupon of the tenant, by code",
    ("subscription_id", "does_not_exist"): "a subscription of the path's customer, by id",
    ("plan_ids.*", "does_not_exist"): "a coupon's plans are plans of the tenant, by id",
    **{
        (field, "immutable"): "a coupon's terms never change: PATCH declares them only to name them in the 400"
        for field in COUPON_FIXED_FIELDS
    },
    ("tax_rates.*", "unknown_tax_rate"): "a customer's tax rates are active rates of the tenant, by code",
    ("tax_rates.*", "tax_rate_inactive"): "as above",
    ("default_tax_rates.*", "unknown_tax_rate"): "as above, the tenant's default rates",
    ("default_tax_rates.*", "tax_rate_inactive"): "as above",
    (None, "idempotency_key_reused"): "the fuzzer draws the same key for two bodies: 422 is the contract",
    ("events.*.idempotency_key", "idempotency_key_reused"): "an event key stored earlier with another body",
    # The clock: JSON Schema has no bounds for date-times, fixed or relative to now.
    ("as_of", "in_the_future"): "an invoice run's as_of may be at most 5 minutes ahead of now",
    ("timestamp", "in_the_future"): "an event may be at most USAGE_MAX_FUTURE_SECONDS ahead of now",
    ("timestamp", "too_early"): "an event may not be before 1970-01-01",
    ("events.*.timestamp", "in_the_future"): "as above, in a batch",
    ("events.*.timestamp", "too_early"): "as above, in a batch",
    ("start_at", "out_of_range"): "a subscription starts from 1970 to 2999",
    ("redeem_by", "in_the_past"): "a coupon's redeem_by is after now",
    ("clock_time", "out_of_range"): "a sandbox's clock reads from 1970 to 2899",
    ("to", "out_of_range"): "as above, where an advance takes it",
    ("to", "not_after_clock"): "an advance goes after the sandbox's clock (stored)",
    ("to", "too_far"): "an advance goes at most 3 years after the sandbox's clock (stored)",
    # Relations between fields or parameters (OpenAPI 3.0 has no if/then).
    ("from", "range_reversed"): "from must be before to",
    ("from", "range_too_long"): "at most 120 months from from to to",
    ("to", "to_too_early"): "the default from (to minus 12 months) must be a date",
    ("clock_time", "not_a_sandbox"): "a tenant's clock_time only with sandbox: true",
    ("property", "required"): "a unique_count meter needs property; the others may not have one",
    ("percent_off", "percent_or_amount"): "a coupon has exactly one of percent_off and amount_off",
    ("amount_off", "percent_or_amount"): "as above",
    ("percent_off", "not_positive"): "a coupon's percent_off is above 0 (a decimal pattern states no open bound)",
    ("amount_off", "not_positive"): "as above, amount_off",
    ("amount_off", "too_precise"): "amount_off has at most its currency's decimal places",
    ("currency", "required"): "a coupon's currency goes with (and only with) amount_off",
    ("currency", "not_allowed"): "as above",
    ("duration_in_periods", "required"): "duration_in_periods goes with (and only with) a repeating duration",
    ("duration_in_periods", "not_allowed"): "as above",
    ("property", "not_allowed"): "as above",
    ("charges.*.*", "required"): "the fields a charge needs depend on its model (see ChargeInput)",
    ("charges.*.*", "not_allowed"): "as above: fields of another model are refused",
    ("charges.*.tiers.*.up_to", "not_increasing"): "each tier's up_to above the previous one's",
    ("dunning.retry_days", "invalid_retry_days"): "the retry days strictly increase (the bounds are in the schema)",
    ("charges.*.tiers.*.up_to", "open_tier_not_last"): "only the last tier is open (up_to null)",
    ("charges.*.tiers.*.up_to", "last_tier_not_open"): "the last tier must be open",
    ("amount", "too_precise_for_currency"): "a balance adjustment or a credit grant has at most its currency's places",
    ("amount", "not_positive"): "a credit grant's amount is above 0 (a decimal pattern states no open bound)",
    ("expires_at", "not_after_effective"): "a credit grant expires after effective_at (a relation between fields)",
    ("expires_at", "in_the_past"): "a credit grant expires after now",
    ("invoice", "not_allowed"): "invoice goes with (and only with) a paid grant",
    ("usage_thresholds", "volume_charge"): "progressive billing and volume charges exclude each other",
    (
        "usage_thresholds",
        "dimensional_charge",
    ): "progressive billing and charges with filters/group_by exclude each other",
    ("usage_thresholds.*.amount", "duplicate_threshold"): "each threshold amount once (a rule about values)",
    ("charges.*.filters.*.properties", "invalid"): "a property name's rules: OpenAPI 3.0 cannot bound an object's keys",
    ("charges.*.filters.*.name", "duplicate_name"): "a charge's filter names are distinct (a rule about values)",
    ("charges.*.filters.*.properties", "ambiguous_filter"): "two filters of a charge with the same properties",
    ("charges.*.filters.*.properties", "unreachable_filter"): "a filter that an earlier one always takes first",
    ("meter", "required"): "an alert's meter goes with (and only with) type meter_quantity",
    ("meter", "not_allowed"): "as above",
    ("step", "not_allowed"): "an alert's step is not for credit_balance alerts",
    ("thresholds.*", "duplicate"): "each alert threshold once (a rule about values)",
    # Values a decimal string's pattern could exclude only by spelling out every zero.
    ("amount", "zero"): "a balance adjustment is not 0 (OpenAPI 3.0 bounds numbers, not decimal strings)",
    # Django's password validators beyond length and "not only digits" (in the schema).
    ("password", "password_too_common"): "a list of 20,000 common passwords",
    ("password", "password_too_similar"): "compared with the email",
    ("admin_password", "password_too_common"): "as above",
    ("admin_password", "password_too_similar"): "as above",
    # JSON objects of any shape: OpenAPI 3.0 cannot bound their size in bytes.
    ("metadata", "metadata_too_large"): "8 KB of compact UTF-8 JSON",
    ("properties", "too_large"): "8 KB of compact JSON",
    ("events.*.properties", "too_large"): "as above, in a batch",
    # The JSON reader (tenants.parsers) refuses NUL in every string and key of a body,
    # also in objects of any shape (metadata, properties) and in fields the schema does
    # not name (which the API otherwise ignores); the schema states it for named text only.
    ("*", "null_characters_not_allowed"): "NUL in a key or string at any depth, named by its place",
    (None, "parse_error"): "as above, in a key at the top level (valid JSON is all the fuzzer sends)",
    # Opaque values that only the API itself hands out.
    ("cursor", "invalid"): "a position from a next/previous link; a made-up one is refused",
}


# A decimal in exponent notation ("1e50"): the schema's pattern states its spelling but
# not its bounds, which depend on the exponent (tenants.decimals.decimal_pattern); the
# value's bounds are checked on arrival. Only these codes, only for such a value.
EXPONENT_BOUND_CODES = frozenset({"max_whole_digits", "max_decimal_places", "max_value", "invalid"})


def _sent(body: Any, attr: str | None) -> Any:
    """The value of `body` at the error's `attr` (`charges.0.unit_amount`), or None."""
    for part in (attr or "").split(".") if attr else ():
        if isinstance(body, dict):
            body = body.get(part)
        elif isinstance(body, list) and part.isdigit() and int(part) < len(body):
            body = body[int(part)]
        else:
            return None
    return body if attr else None


def _beyond_the_schema(error: dict[str, Any], body: Any = None) -> bool:
    attr = error.get("attr")
    sent = _sent(body, attr)
    if error.get("code") in EXPONENT_BOUND_CODES and isinstance(sent, str) and "e" in sent.lower():
        return re.fullmatch(DECIMAL_PATTERN, sent) is not None
    return any(
        code == error.get("code") and (pattern == attr or (pattern and attr and fnmatchcase(attr, pattern)))
        for pattern, code in BEYOND_THE_SCHEMA
    )


@schemathesis.check
def valid_data_accepted(ctx: Any, response: Any, case: Any) -> bool | None:
    """`positive_data_acceptance`, except for a 400/422 whose every error is a rule of
    BEYOND_THE_SCHEMA."""
    if case.meta is not None and case.meta.generation.mode.is_positive and response.status_code in (400, 422):
        errors = response.json().get("errors") or []
        if errors and all(_beyond_the_schema(error, case.body) for error in errors):
            return None
    return positive_data_acceptance(ctx, response, case)


@schemathesis.check
def invalid_data_refused(ctx: Any, response: Any, case: Any) -> bool | None:
    """`negative_data_rejection`, except for the cases in which schemathesis negated
    nothing: in negative mode it also leaves out optional request bodies (POST
    …/invoices/run without one is valid) and labels such a case "Positive test case"."""
    if case.meta is not None and getattr(case.meta.phase.data, "description", None) == "Positive test case":
        return None
    return negative_data_rejection(ctx, response, case)


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    valid_data_accepted,
    invalid_data_refused,
]


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
    coupon = CouponFactory(tenant=tenant, code="launch")
    discount = DiscountFactory(tenant=tenant, customer=customer, coupon=CouponFactory(tenant=tenant))
    return {
        "headers": {"Authorization": f"Bearer {tokens_for_user(admin_user)['access']}"},
        # Body fields that name another object; acme_2 may still take a subscription.
        "body_references": {
            "customer_id": str(unsubscribed.id),
            "plan_id": str(plan.id),
            "external_customer_id": "acme_1",
            "meter": "api_calls",
            "coupon_code": "launch",
            "subscription_id": str(subscription.id),
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
            "coupon_id": str(coupon.id),
            "discount_id": str(discount.id),
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
        # The explicit phase sends the schema's own examples (added above), which are
        # valid: in negative mode they would count as invalid data accepted.
        phases=[Phase.explicit, Phase.generate] if mode.is_positive else [Phase.generate],
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    def run(case: Any, use_references: bool) -> None:
        if mode.is_positive and use_references:
            case.body = _with_references(case.body, seeded["body_references"])
        case.call_and_validate(checks=CHECKS)

    if mode.is_positive:
        # The schema's own examples (billing_project.openapi_examples), sent first, with the
        # seeded objects in place of the ids they name: documented examples are accepted.
        for strategy in operation.get_strategies_from_examples(path_parameters=known, headers=seeded["headers"]):
            run = example(case=generate_one(strategy), use_references=True)(run)
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
