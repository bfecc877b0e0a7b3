"""Customer services and selectors, called directly (as the usage app and the admin do)."""

from __future__ import annotations

import pytest

from subscriptions import selectors
from subscriptions.services import CUSTOMER_NOT_FOUND, customer_create, customer_update
from subscriptions.tests.factories import CustomerFactory
from subscriptions.validators import METADATA_NOT_OBJECT
from tenants.errors import ConflictError, Invalid, NotFound

pytestmark = pytest.mark.django_db


def test_customer_create_stamps_the_tenant_and_defaults(tenant):
    customer = customer_create(tenant=tenant, external_id="cus_1", name="Ada")
    assert (customer.tenant_id, customer.email, customer.metadata) == (tenant.id, "", {})


def test_customer_create_refuses_a_list_as_metadata(tenant):
    with pytest.raises(Invalid) as info:
        customer_create(tenant=tenant, external_id="cus_1", name="Ada", metadata=[])
    assert info.value.detail == {"metadata": [METADATA_NOT_OBJECT]}


def test_customer_create_conflicts_on_a_taken_external_id(tenant):
    customer_create(tenant=tenant, external_id="cus_1", name="Ada")
    with pytest.raises(ConflictError) as info:
        customer_create(tenant=tenant, external_id="cus_1", name="Ada again")
    assert info.value.get_codes() == {"external_id": "external_id_taken"}


def test_customer_update_refuses_another_tenants_customer(tenant, other_tenant):
    theirs = CustomerFactory(tenant=other_tenant, name="Theirs")
    with pytest.raises(NotFound) as info:
        customer_update(tenant=tenant, customer=theirs, data={"name": "Mine"})
    assert info.value.detail == CUSTOMER_NOT_FOUND
    theirs.refresh_from_db()
    assert theirs.name == "Theirs"


def test_customer_update_ignores_fields_it_does_not_own(tenant, other_tenant):
    customer = CustomerFactory(tenant=tenant, name="Old")
    customer_update(tenant=tenant, customer=customer, data={"name": "New", "tenant_id": other_tenant.id, "id": "x"})
    customer.refresh_from_db()
    assert (customer.tenant_id, customer.name) == (tenant.id, "New")


def test_selectors_are_scoped_to_the_tenant(tenant, other_tenant):
    mine = CustomerFactory(tenant=tenant, external_id="cus_1")
    theirs = CustomerFactory(tenant=other_tenant, external_id="cus_1")
    assert list(selectors.customer_list(tenant=tenant)) == [mine]
    assert selectors.customer_get(tenant=tenant, customer_id=theirs.id) is None
    assert selectors.customer_get(tenant=tenant, customer_id=mine.id) == mine
    assert selectors.customer_get(tenant=other_tenant.id, customer_id=theirs.id) == theirs
