"""The Django admin pages support staff use to find customers."""

from __future__ import annotations

import pytest

from plans.tests.factories import PlanFactory
from subscriptions.models import SubscriptionSegment
from subscriptions.tests.factories import CustomerFactory, SubscriptionFactory
from tenants.tests.utils import at

pytestmark = pytest.mark.django_db


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


@pytest.mark.parametrize("query", ["cus_sub", "Subscribed Person", "gold"])
def test_subscriptions_are_found_by_customer_or_plan(staff_client, tenant, query):
    customer = CustomerFactory(tenant=tenant, external_id="cus_sub", name="Subscribed Person")
    wanted = SubscriptionFactory(customer=customer, plan=PlanFactory(tenant=tenant, code="gold"))
    SubscriptionFactory(tenant=tenant)
    response = staff_client.get("/admin/subscriptions/subscription/", {"q": query})
    assert response.status_code == 200
    assert [s.id for s in response.context["cl"].result_list] == [wanted.id]


def test_subscriptions_are_found_by_id(staff_client, tenant):
    wanted = SubscriptionFactory(tenant=tenant)
    SubscriptionFactory(tenant=tenant)
    response = staff_client.get("/admin/subscriptions/subscription/", {"q": str(wanted.id)})
    assert [s.id for s in response.context["cl"].result_list] == [wanted.id]


def test_subscriptions_are_read_only_in_the_admin(staff_client, tenant):
    subscription = SubscriptionFactory(tenant=tenant)
    url = f"/admin/subscriptions/subscription/{subscription.id}/change/"
    response = staff_client.get(url)
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    assert staff_client.post(url, {"status": "canceled"}).status_code == 403
    subscription.refresh_from_db()
    assert subscription.status == "active"


def test_a_subscription_page_shows_its_plan_history_and_pending_change(staff_client, tenant):
    basic, pro, premium = (PlanFactory(tenant=tenant, code=code) for code in ("basic", "pro", "premium"))
    subscription = SubscriptionFactory(tenant=tenant, plan=pro, start_at=at(2026, 1, 1), pending_plan=premium)
    SubscriptionSegment.objects.filter(subscription=subscription).update(start_at=at(2026, 1, 10))
    SubscriptionSegment.objects.create(
        tenant=tenant, subscription=subscription, plan=basic, start_at=at(2026, 1, 1), end_at=at(2026, 1, 10),
        billing_anchor=at(2026, 1, 1),
    )  # fmt: skip
    response = staff_client.get(f"/admin/subscriptions/subscription/{subscription.id}/change/")
    assert response.status_code == 200
    [history] = [f for f in response.context["inline_admin_formsets"] if f.opts.model is SubscriptionSegment]
    assert [(form.original.plan.code, form.original.start_at) for form in history] == [
        ("basic", at(2026, 1, 1)),
        ("pro", at(2026, 1, 10)),
    ]
    assert "plan history (segments)" in response.content.decode().lower()
    listing = staff_client.get("/admin/subscriptions/subscription/", {"q": str(subscription.id)})
    assert "premium from 2026-02-01T00:00:00.000000Z" in listing.content.decode()
