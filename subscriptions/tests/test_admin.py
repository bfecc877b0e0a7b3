"""The Django admin pages support staff use to find customers."""

from __future__ import annotations

import pytest
from django.test import Client

from subscriptions.tests.factories import CustomerFactory
from tenants.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client() -> Client:
    staff = User.objects.create_superuser(email="support@example.test", password="x-long-password-1")
    client = Client()
    client.force_login(staff)
    return client


@pytest.mark.parametrize("query", ["cus_findme", "Findable Person", "findme@example.test"])
def test_customers_are_found_by_external_id_name_or_email(staff_client, tenant, query):
    CustomerFactory(tenant=tenant, external_id="cus_findme", name="Findable Person", email="findme@example.test")
    CustomerFactory(tenant=tenant, external_id="cus_other", name="Someone Else", email="else@example.test")
    response = staff_client.get("/admin/subscriptions/customer/", {"q": query})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1
    assert [c.external_id for c in response.context["cl"].result_list] == ["cus_findme"]


def test_the_customer_change_page_keeps_the_external_id_read_only(staff_client, tenant):
    customer = CustomerFactory(tenant=tenant, external_id="cus_fixed")
    response = staff_client.get(f"/admin/subscriptions/customer/{customer.id}/change/")
    assert response.status_code == 200
    assert "external_id" not in response.context["adminform"].form.fields
    assert "name" in response.context["adminform"].form.fields
