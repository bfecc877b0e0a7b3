"""The customers endpoints: create, list, detail, PATCH. Other tenants and lower roles
are the battery's (billing_project/tests/test_battery.py)."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from plans.services import TAX_RATE_INACTIVE, TAX_RATE_UNKNOWN, tax_rate_create
from subscriptions.models import Customer
from subscriptions.services import CUSTOMER_EXTERNAL_ID_IMMUTABLE, CUSTOMER_EXTERNAL_ID_TAKEN, CUSTOMER_NOT_FOUND
from subscriptions.tests.factories import CustomerFactory
from subscriptions.validators import METADATA_NOT_OBJECT, METADATA_TOO_LARGE, METADATA_TOO_MANY_KEYS

pytestmark = pytest.mark.django_db


def error(response):
    body = response.json()
    assert len(body["errors"]) == 1, body
    return body["type"], body["errors"][0]


def test_create_returns_the_customer(api, turl, tenant):
    payload = {"external_id": "cus_42", "name": "Ada", "email": "ada@example.test", "metadata": {"plan": "beta"}}
    response = api.post(turl("customers"), payload)
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "external_id", "name", "email", "metadata", "tax_rates", "tax_exempt", "created_at"}
    assert (body["external_id"], body["name"], body["email"], body["metadata"]) == (
        "cus_42",
        "Ada",
        "ada@example.test",
        {"plan": "beta"},
    )
    customer = Customer.objects.get(pk=body["id"])
    assert customer.tenant_id == tenant.id
    assert body["created_at"].endswith("Z")


def test_create_with_only_the_required_fields(api, turl):
    response = api.post(turl("customers"), {"external_id": "cus_1", "name": "Bob"})
    assert response.status_code == 201
    assert response.json()["email"] is None
    assert response.json()["metadata"] == {}


def test_a_null_or_blank_email_is_no_email(api, turl):
    first = api.post(turl("customers"), {"external_id": "cus_1", "name": "Bob", "email": None})
    second = api.post(turl("customers"), {"external_id": "cus_2", "name": "Eve", "email": ""})
    assert (first.json()["email"], second.json()["email"]) == (None, None)
    assert Customer.objects.get(pk=first.json()["id"]).email == ""


def test_a_duplicate_external_id_is_a_conflict(api, turl, tenant):
    CustomerFactory(tenant=tenant, external_id="cus_42")
    response = api.post(turl("customers"), {"external_id": "cus_42", "name": "Again"})
    assert response.status_code == 409
    assert error(response) == (
        "client_error",
        {
            "code": "external_id_taken",
            "detail": CUSTOMER_EXTERNAL_ID_TAKEN.format(external_id="cus_42"),
            "attr": "external_id",
        },
    )
    assert Customer.objects.for_tenant(tenant).count() == 1


def test_the_same_external_id_in_another_tenant_is_fine(api, turl, other_tenant):
    CustomerFactory(tenant=other_tenant, external_id="cus_42")
    response = api.post(turl("customers"), {"external_id": "cus_42", "name": "Mine"})
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("payload", "attr"),
    [
        ({"name": "No id"}, "external_id"),
        ({"external_id": "", "name": "Blank id"}, "external_id"),
        ({"external_id": "x" * 256, "name": "Long id"}, "external_id"),
        ({"external_id": "cus_1"}, "name"),
        ({"external_id": "cus_1", "name": "Bad email", "email": "not-an-email"}, "email"),
    ],
)
def test_invalid_fields_are_400_naming_the_field(api, turl, payload, attr):
    response = api.post(turl("customers"), payload)
    assert response.status_code == 400
    body_type, err = error(response)
    assert (body_type, err["attr"]) == ("validation_error", attr)
    assert Customer.objects.count() == 0


@pytest.mark.parametrize("metadata", [["a", "list"], "text", 3, True])
def test_metadata_must_be_an_object(api, turl, metadata):
    response = api.post(turl("customers"), {"external_id": "cus_1", "name": "Ada", "metadata": metadata})
    assert response.status_code == 400
    assert error(response) == (
        "validation_error",
        {"code": "metadata_not_object", "detail": METADATA_NOT_OBJECT, "attr": "metadata"},
    )


def test_metadata_may_have_50_keys_but_not_51(api, turl):
    fifty = {f"k{i}": i for i in range(50)}
    assert api.post(turl("customers"), {"external_id": "cus_1", "name": "A", "metadata": fifty}).status_code == 201
    response = api.post(turl("customers"), {"external_id": "cus_2", "name": "B", "metadata": {**fifty, "k50": 50}})
    assert response.status_code == 400
    assert error(response) == (
        "validation_error",
        {"code": "metadata_too_many_keys", "detail": METADATA_TOO_MANY_KEYS.format(count=51), "attr": "metadata"},
    )


def test_metadata_may_take_8_kb_but_not_more(api, turl):
    # {"k":"..."} is 8 bytes of JSON around the value.
    at_limit = {"k": "x" * (8192 - 8)}
    assert api.post(turl("customers"), {"external_id": "cus_1", "name": "A", "metadata": at_limit}).status_code == 201
    over = {"k": "x" * (8192 - 7)}
    response = api.post(turl("customers"), {"external_id": "cus_2", "name": "B", "metadata": over})
    assert response.status_code == 400
    assert error(response) == (
        "validation_error",
        {"code": "metadata_too_large", "detail": METADATA_TOO_LARGE.format(size=8193), "attr": "metadata"},
    )


def test_metadata_size_counts_utf8_bytes_not_characters(api, turl):
    over = {"k": "é" * 4093}  # 8186 bytes of é + 8 of JSON
    response = api.post(turl("customers"), {"external_id": "cus_1", "name": "A", "metadata": over})
    assert response.status_code == 400
    assert error(response)[1]["detail"] == METADATA_TOO_LARGE.format(size=8194)


def test_list_is_newest_first_and_only_the_tenants(api, turl, tenant, other_tenant):
    older = CustomerFactory(tenant=tenant, external_id="old")
    newer = CustomerFactory(tenant=tenant, external_id="new")
    CustomerFactory(tenant=other_tenant, external_id="theirs")
    response = api.get(turl("customers"))
    assert response.status_code == 200
    body = response.json()
    assert [c["id"] for c in body["results"]] == [str(newer.id), str(older.id)]
    assert (body["next"], body["previous"]) == (None, None)


def test_list_filters_by_external_id(api, turl, tenant, other_tenant):
    wanted = CustomerFactory(tenant=tenant, external_id="cus_42")
    CustomerFactory(tenant=tenant, external_id="cus_43")
    CustomerFactory(tenant=other_tenant, external_id="cus_42")
    response = api.get(turl("customers"), {"external_id": "cus_42"})
    assert [c["id"] for c in response.json()["results"]] == [str(wanted.id)]
    assert api.get(turl("customers"), {"external_id": "nobody"}).json()["results"] == []


def test_list_pages_with_limit(api, turl, tenant):
    made = [CustomerFactory(tenant=tenant) for _ in range(3)]
    first = api.get(turl("customers"), {"limit": 2}).json()
    assert [c["id"] for c in first["results"]] == [str(made[2].id), str(made[1].id)]
    second = api.get(first["next"]).json()
    assert [c["id"] for c in second["results"]] == [str(made[0].id)]


def test_detail(api, turl, tenant):
    customer = CustomerFactory(tenant=tenant, metadata={"a": 1})
    response = api.get(turl(f"customers/{customer.id}"))
    assert response.status_code == 200
    assert response.json()["external_id"] == customer.external_id
    assert response.json()["metadata"] == {"a": 1}


def test_an_unknown_customer_is_not_found(api, turl):
    # Another tenant's customer is the battery's (billing_project/tests/test_battery.py).
    for response in (
        api.get(turl(f"customers/{uuid.uuid4()}")),
        api.patch(turl(f"customers/{uuid.uuid4()}"), {"name": "Nobody"}),
    ):
        assert response.status_code == 404
        assert error(response) == ("client_error", {"code": "not_found", "detail": CUSTOMER_NOT_FOUND, "attr": None})


def test_patch_changes_name_email_and_replaces_metadata(api, turl, tenant):
    customer = CustomerFactory(tenant=tenant, name="Old", email="old@example.test", metadata={"a": 1, "b": 2})
    response = api.patch(turl(f"customers/{customer.id}"), {"name": "New", "metadata": {"c": 3}})
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["email"], response.json()["metadata"]) == (
        "New",
        "old@example.test",
        {"c": 3},
    )
    customer.refresh_from_db()
    assert (customer.name, customer.metadata) == ("New", {"c": 3})


def test_patch_with_a_null_email_clears_it(api, turl, tenant):
    customer = CustomerFactory(tenant=tenant, email="old@example.test")
    response = api.patch(turl(f"customers/{customer.id}"), {"email": None})
    assert response.status_code == 200
    assert response.json()["email"] is None
    customer.refresh_from_db()
    assert customer.email == ""


def test_patch_validates_metadata(api, turl, tenant):
    customer = CustomerFactory(tenant=tenant, metadata={"a": 1})
    response = api.patch(turl(f"customers/{customer.id}"), {"metadata": {f"k{i}": i for i in range(51)}})
    assert response.status_code == 400
    assert error(response)[1]["detail"] == METADATA_TOO_MANY_KEYS.format(count=51)
    customer.refresh_from_db()
    assert customer.metadata == {"a": 1}


def test_patch_cannot_change_the_external_id(api, turl, tenant):
    customer = CustomerFactory(tenant=tenant, external_id="cus_1")
    response = api.patch(turl(f"customers/{customer.id}"), {"external_id": "cus_2"})
    assert response.status_code == 400
    assert error(response) == (
        "validation_error",
        {"code": "immutable", "detail": CUSTOMER_EXTERNAL_ID_IMMUTABLE, "attr": "external_id"},
    )
    same = api.patch(turl(f"customers/{customer.id}"), {"external_id": "cus_1", "name": "Fine"})
    assert same.status_code == 200
    assert same.json()["name"] == "Fine"


def test_a_viewer_reads_customers(viewer_api, turl, tenant):
    customer = CustomerFactory(tenant=tenant)
    assert [c["id"] for c in viewer_api.get(turl("customers")).json()["results"]] == [str(customer.id)]
    assert viewer_api.get(turl(f"customers/{customer.id}")).json()["id"] == str(customer.id)


def test_members_and_api_keys_create_customers(member_api, key_api, turl):
    assert member_api.post(turl("customers"), {"external_id": "cus_m", "name": "M"}).status_code == 201
    assert key_api.post(turl("customers"), {"external_id": "cus_k", "name": "K"}).status_code == 201
    assert set(Customer.objects.values_list("external_id", flat=True)) == {"cus_m", "cus_k"}


# Taxes: tax_rates (codes, instead of the tenant's defaults) and tax_exempt ---------------


@pytest.fixture
def rates(tenant):
    return {
        code: tax_rate_create(tenant=tenant, code=code, name=code.title(), percentage=Decimal(pct))
        for code, pct in [("state", "6.25"), ("city", "2.625"), ("vat", "20")]
    }


def test_a_customer_takes_its_own_tax_rates_in_order_and_tax_exempt(api, turl, rates):
    payload = {"external_id": "cus_1", "name": "Ada", "tax_rates": ["city", "state"], "tax_exempt": True}
    body = api.post(turl("customers"), payload).json()
    assert (body["tax_rates"], body["tax_exempt"]) == (["city", "state"], True)
    assert api.get(turl(f"customers/{body['id']}")).json()["tax_rates"] == ["city", "state"]
    plain = api.post(turl("customers"), {"external_id": "cus_2", "name": "Bob"}).json()
    assert (plain["tax_rates"], plain["tax_exempt"]) == ([], False)


def test_patch_replaces_the_tax_rates_and_an_empty_list_means_the_tenants(api, turl, rates):
    customer = api.post(turl("customers"), {"external_id": "cus_1", "name": "Ada", "tax_rates": ["vat"]}).json()
    url = turl(f"customers/{customer['id']}")
    assert api.patch(url, {"tax_rates": ["state", "city"]}).json()["tax_rates"] == ["state", "city"]
    assert api.patch(url, {"tax_exempt": True}).json()["tax_rates"] == ["state", "city"]  # untouched
    body = api.patch(url, {"tax_rates": []}).json()
    assert (body["tax_rates"], body["tax_exempt"]) == ([], True)


def test_unknown_or_inactive_tax_rates_are_400_at_their_place(api, turl, rates):
    rates["vat"].active = False
    rates["vat"].save()
    response = api.post(turl("customers"), {"external_id": "cus_1", "name": "Ada", "tax_rates": ["state", "x", "vat"]})
    assert response.status_code == 400
    assert [(e["attr"], e["detail"]) for e in response.json()["errors"]] == [
        ("tax_rates.1", TAX_RATE_UNKNOWN.format(code="x")),
        ("tax_rates.2", TAX_RATE_INACTIVE.format(code="vat")),
    ]
    assert not Customer.objects.exists()
    customer = CustomerFactory(tenant=rates["vat"].tenant)
    response = api.patch(turl(f"customers/{customer.id}"), {"tax_rates": ["nope"], "name": "Changed"})
    assert [e["attr"] for e in response.json()["errors"]] == ["tax_rates.0"]
    customer.refresh_from_db()
    assert customer.name != "Changed"


def test_the_customer_list_reads_the_tax_rates_in_one_query(api, turl, rates, tenant, django_assert_max_num_queries):
    for n in range(5):
        api.post(turl("customers"), {"external_id": f"cus_{n}", "name": "C", "tax_rates": ["vat", "city"]})
    with django_assert_max_num_queries(6):  # auth, tenant and pagination queries, customers, their rates
        body = api.get(turl("customers")).json()
    assert [c["tax_rates"] for c in body["results"]] == [["vat", "city"]] * 5
