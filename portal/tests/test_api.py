"""`POST …/customers/{id}/portal-sessions` (API.md Part 2, "Documents, portal, export"):
members get a link to the customer's portal that works for an hour of real time."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from portal.services import PORTAL_LINK_EXPIRED
from subscriptions.services import CUSTOMER_NOT_FOUND
from subscriptions.tests.factories import CustomerFactory
from tenants.scoping import ROLE_TOO_LOW
from tenants.tests.factories import make_sandbox
from tenants.tests.utils import at, ts

pytestmark = pytest.mark.django_db

NOW = at(2026, 11, 30, 21, 15, 30)


@pytest.fixture
def customer(tenant):
    return CustomerFactory(tenant=tenant, external_id="cus_42", name="Globex Corporation")


def create(client, turl, customer, **extra):
    return client.post(turl(f"customers/{customer.id}/portal-sessions"), {}, format="json", **extra)


def test_a_member_gets_a_link_to_the_customers_page_for_an_hour_of_real_time(
    member_user, client_for, turl, customer, client
):
    with time_machine.travel(NOW, tick=False):
        response = create(client_for(member_user), turl, customer)
        assert response.status_code == 201, response.content
        body = response.json()
        assert set(body) == {"url", "expires_at"}
        assert ts(body["expires_at"]) == NOW + timedelta(hours=1)
        assert body["url"].startswith("http://testserver/portal/")
        page = client.get(body["url"].removeprefix("http://testserver"))
    assert page.status_code == 200
    assert "Billing for Globex Corporation" in page.content.decode()


def test_the_link_opens_until_its_expiry_and_is_403_from_then(member_user, client_for, turl, customer, client):
    with time_machine.travel(NOW, tick=False):
        path = create(client_for(member_user), turl, customer).json()["url"].removeprefix("http://testserver")
    with time_machine.travel(NOW + timedelta(minutes=59, seconds=59), tick=False):
        assert client.get(path).status_code == 200
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        expired = client.get(path)
    assert expired.status_code == 403
    assert PORTAL_LINK_EXPIRED in expired.content.decode()


def test_a_sandbox_link_expires_in_real_time_not_at_its_clock(member_user, client_for, turl, tenant, customer):
    make_sandbox(tenant, at(2026, 1, 1))
    with time_machine.travel(NOW, tick=False):
        body = create(client_for(member_user), turl, customer).json()
    assert ts(body["expires_at"]) == NOW + timedelta(hours=1)


def test_a_viewer_may_not_make_a_link(viewer_api, turl, customer):
    response = create(viewer_api, turl, customer)
    assert response.status_code == 403
    assert response.json()["errors"][0]["detail"] == ROLE_TOO_LOW.format(role="viewer", needed="member")


def test_an_unknown_customer_is_404_and_another_tenants_too(api, turl, other_tenant):
    for customer in (CustomerFactory.build(), CustomerFactory(tenant=other_tenant)):
        response = create(api, turl, customer)
        assert response.status_code == 404
        assert response.json()["errors"][0]["detail"] == CUSTOMER_NOT_FOUND


def test_a_caller_of_another_tenant_is_403(other_api, turl, customer):
    assert create(other_api, turl, customer).status_code == 403


def test_links_start_with_portal_base_url_when_set(api, turl, customer, settings):
    settings.PORTAL_BASE_URL = "https://billing.example.com"
    url = create(api, turl, customer).json()["url"]
    assert url.startswith("https://billing.example.com/portal/")


def test_a_replay_of_the_idempotency_key_answers_the_same_link(admin_user, client_for, turl, customer):
    with time_machine.travel(NOW, tick=False):
        first = create(client_for(admin_user), turl, customer, HTTP_IDEMPOTENCY_KEY="portal-1")
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        again = create(client_for(admin_user), turl, customer, HTTP_IDEMPOTENCY_KEY="portal-1")
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()


def test_a_body_that_is_not_an_object_is_a_400(api, turl, customer):
    response = api.post(turl(f"customers/{customer.id}/portal-sessions"), [], format="json")
    assert response.status_code == 400
