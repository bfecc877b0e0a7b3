"""Request bodies take the JSON types the schema states (tenants.inputs.JsonInput), on
every route with an input serializer: DRF used to turn 42 into "42", "14" into 14,
"true" or 1 into True and 49.5 into an amount. Also: list filters refuse values that
the schema does not allow (tenants.filtersets.StrictFilterSet)."""

from __future__ import annotations

import pytest
from rest_framework import serializers

from plans.api import AMOUNT_INVALID, TRIAL_DAYS_RANGE
from plans.models import Meter, Plan, TaxRate
from plans.pricing import TIER_BOUND_INVALID
from plans.tax_api import PERCENTAGE_INVALID
from plans.tests.factories import MeterFactory, PlanFactory
from subscriptions.models import Customer, Subscription
from subscriptions.tests.factories import CustomerFactory, SubscriptionFactory
from tenants.filtersets import BAD_BOOLEAN, EMPTY_FILTER
from tenants.models import ApiKey, Tenant, User
from webhooks.models import WebhookEndpoint

pytestmark = pytest.mark.django_db

NOT_TEXT = str(serializers.CharField.default_error_messages["invalid"])
NOT_INTEGER = str(serializers.IntegerField.default_error_messages["invalid"])
NOT_BOOLEAN = str(serializers.BooleanField.default_error_messages["invalid"])
NOT_UUID = str(serializers.UUIDField.default_error_messages["invalid"])
NOT_EMAIL = str(serializers.EmailField.default_error_messages["invalid"])
NOT_SLUG = str(serializers.SlugField.default_error_messages["invalid"])


def errors(response):
    return [(e["attr"], e["code"], e["detail"]) for e in response.json()["errors"]]


PLAN = {"code": "pro", "name": "Pro", "currency": "USD", "interval": "month", "amount": "49.00"}
CASES = [
    # (path, body, attr, message, model whose rows must not change)
    ("api-keys", {"name": 42}, "name", NOT_TEXT, ApiKey),
    ("users", {"email": "a@acme.test", "password": 123456789, "role": "member"}, "password", NOT_TEXT, User),
    ("users", {"email": ["a@acme.test"], "password": "a-long-pass", "role": "member"}, "email", NOT_EMAIL, User),
    ("meters", {"code": "m", "name": 3.5, "aggregation": "count"}, "name", NOT_TEXT, Meter),
    ("plans", {**PLAN, "amount": 49.5}, "amount", AMOUNT_INVALID, Plan),
    ("plans", {**PLAN, "trial_days": "14"}, "trial_days", TRIAL_DAYS_RANGE, Plan),
    ("plans", {**PLAN, "trial_days": True}, "trial_days", TRIAL_DAYS_RANGE, Plan),
    ("plans", {**PLAN, "active": "true"}, "active", NOT_BOOLEAN, Plan),
    ("plans", {**PLAN, "active": 1}, "active", NOT_BOOLEAN, Plan),
    (
        "plans",
        {**PLAN, "charges": [{"meter": "api_calls", "model": "per_unit", "unit_amount": 0.1}]},
        "charges.0.unit_amount",
        AMOUNT_INVALID,
        Plan,
    ),
    (
        "plans",
        {**PLAN, "charges": [{"meter": "api_calls", "model": "tiered", "tiers": [{"up_to": "100"}, {"up_to": None}]}]},
        "charges.0.tiers.0.up_to",
        TIER_BOUND_INVALID,
        Plan,
    ),
    ("customers", {"external_id": 7, "name": "Acme"}, "external_id", NOT_TEXT, Customer),
    ("customers", {"external_id": "c", "name": "Acme", "tax_rates": [42]}, "tax_rates", NOT_SLUG, Customer),
    ("customers", {"external_id": "c", "name": "Acme", "tax_exempt": "yes"}, "tax_exempt", NOT_BOOLEAN, Customer),
    ("tax-rates", {"code": "vat", "name": "VAT", "percentage": 20}, "percentage", PERCENTAGE_INVALID, TaxRate),
    ("webhook-endpoints", {"url": "https://hooks.example.com/a", "active": 1}, "active", NOT_BOOLEAN, WebhookEndpoint),
    ("webhook-endpoints", {"url": "https://hooks.example.com/a", "description": 5}, "description", NOT_TEXT, None),
]


@pytest.mark.parametrize(("path", "body", "attr", "message", "model"), CASES)
def test_a_value_of_another_json_type_is_400_naming_the_field(api, turl, tenant, path, body, attr, message, model):
    MeterFactory(tenant=tenant, code="api_calls")
    before = model.objects.count() if model else None
    response = api.post(turl(path), body, format="json")
    assert response.status_code == 400, response.json()
    assert errors(response) == [(attr, "invalid", message)]
    if model:
        assert model.objects.count() == before


def test_subscription_ids_and_trial_days_take_their_json_types(api, turl, tenant):
    customer, plan = CustomerFactory(tenant=tenant), PlanFactory(tenant=tenant)
    response = api.post(turl("subscriptions"), {"customer_id": 12345, "plan_id": str(plan.id)}, format="json")
    assert errors(response) == [("customer_id", "invalid", NOT_UUID)]
    body = {"customer_id": str(customer.id), "plan_id": str(plan.id), "trial_days": "7"}
    response = api.post(turl("subscriptions"), body, format="json")
    assert errors(response) == [("trial_days", "invalid", NOT_INTEGER)]
    assert not Subscription.objects.exists()


def test_cancel_takes_a_json_boolean(api, turl, tenant):
    sub = SubscriptionFactory(tenant=tenant)
    response = api.post(turl(f"subscriptions/{sub.id}/cancel"), {"at_period_end": "false"}, format="json")
    assert errors(response) == [("at_period_end", "invalid", NOT_BOOLEAN)]
    sub.refresh_from_db()
    assert (sub.status, sub.cancel_at_period_end) == ("active", False)


def test_sign_up_and_login_take_text(client):
    body = {"name": 5, "admin_email": "a@acme.test", "admin_password": "a-long-passphrase"}
    response = client.post("/v1/tenants", body, content_type="application/json")
    assert errors(response) == [("name", "invalid", NOT_TEXT)]
    assert not Tenant.objects.exists()
    login = client.post(
        "/v1/auth/login", {"email": "a@acme.test", "password": 12345678}, content_type="application/json"
    )
    assert (login.status_code, errors(login)) == (400, [("password", "invalid", NOT_TEXT)])


def test_the_right_types_are_still_accepted(api, turl, tenant):
    response = api.post(turl("plans"), {**PLAN, "trial_days": 14, "active": False}, format="json")
    assert response.status_code == 201, response.json()
    assert (response.json()["trial_days"], response.json()["active"]) == (14, False)


# List filters

WRONG_TIME_FORMAT = (
    "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
)


@pytest.mark.parametrize(
    ("path", "query", "attr", "message"),
    [
        ("invoices", "status=", "status", EMPTY_FILTER.format(name="status")),
        ("invoices", "customer_id=", "customer_id", EMPTY_FILTER.format(name="customer_id")),
        ("subscriptions", "plan_id=", "plan_id", EMPTY_FILTER.format(name="plan_id")),
        ("meters", "aggregation=", "aggregation", EMPTY_FILTER.format(name="aggregation")),
        ("usage", "meter=&from=", "from", WRONG_TIME_FORMAT),  # read by tenants.params
        ("webhook-deliveries", "event_type=", "event_type", EMPTY_FILTER.format(name="event_type")),
        ("plans", "active=yes", "active", BAD_BOOLEAN.format(name="active")),
        ("plans", "active=1", "active", BAD_BOOLEAN.format(name="active")),
        ("plans", "active=", "active", BAD_BOOLEAN.format(name="active")),
    ],
)
def test_a_filter_value_the_schema_does_not_allow_is_400(api, turl, tenant, path, query, attr, message):
    PlanFactory(tenant=tenant)  # something a filter that is ignored would list
    response = api.get(f"{turl(path)}?{query}")
    assert response.status_code == 400
    assert [(e["attr"], e["detail"]) for e in response.json()["errors"]] == [(attr, message)]


def test_good_filter_values_and_an_empty_text_filter_still_work(api, turl, tenant):
    PlanFactory(tenant=tenant, code="on", active=True)
    PlanFactory(tenant=tenant, code="off", active=False)
    listed = api.get(f"{turl('plans')}?active=false").json()["results"]
    assert [p["code"] for p in listed] == ["off"]
    CustomerFactory(tenant=tenant, external_id="cus_1")
    everyone = api.get(f"{turl('customers')}?external_id=").json()["results"]
    assert [c["external_id"] for c in everyone] == ["cus_1"]


def test_an_email_longer_than_its_column_is_400_not_500(api, turl, tenant, client):
    email = "a" * 64 + "@" + ".".join(["b" * 60] * 4) + ".com"  # valid, and 312 characters
    too_long = [("email", "max_length", "Ensure this field has no more than 254 characters.")]
    response = api.post(turl("customers"), {"external_id": "cus_1", "name": "Ada", "email": email}, format="json")
    assert errors(response) == too_long
    customer = CustomerFactory(tenant=tenant)
    assert errors(api.patch(turl(f"customers/{customer.id}"), {"email": email}, format="json")) == too_long
    body = {"email": email, "password": "a-long-passphrase", "role": "member"}
    assert errors(api.post(turl("users"), body, format="json")) == too_long
    signup = {"name": "Initech", "admin_email": email, "admin_password": "a-long-passphrase"}
    response = client.post("/v1/tenants", signup, content_type="application/json")
    assert errors(response) == [("admin_email", *too_long[0][1:])]
