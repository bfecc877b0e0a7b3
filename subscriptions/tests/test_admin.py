"""The Django admin pages support staff use to find customers, and to see and end
their discounts."""

from __future__ import annotations

import pytest

from plans.tests.factories import CouponFactory, PlanFactory
from subscriptions.admin import ENDED, NOT_ENDED
from subscriptions.discount_services import DISCOUNT_ENDED
from subscriptions.models import Discount, SubscriptionSegment
from subscriptions.tests.factories import CustomerFactory, DiscountFactory, SubscriptionFactory
from tenants.tests.utils import at
from webhooks.models import Event
from webhooks.tests.factories import WebhookEndpointFactory

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


# Discounts: listed read-only, on the customer's page too; ended through the service


@pytest.fixture
def discounts(tenant, other_tenant):
    """An active discount of cus_a, one that ended, and another tenant's active one."""
    customer = CustomerFactory(tenant=tenant, external_id="cus_a", name="Alice")
    active = DiscountFactory(tenant=tenant, customer=customer, coupon=CouponFactory(tenant=tenant, code="launch"))
    ended = DiscountFactory(
        tenant=tenant,
        customer=customer,
        coupon=CouponFactory(tenant=tenant, code="old"),
        ended_at=at(2026, 1, 5),
        end_reason="removed",
    )
    theirs = DiscountFactory(tenant=other_tenant, coupon=CouponFactory(tenant=other_tenant, code="theirs"))
    return active, ended, theirs


def test_the_customer_page_lists_its_discounts_in_order(staff_client, discounts):
    active, ended, _ = discounts
    response = staff_client.get(f"/admin/subscriptions/customer/{active.customer_id}/change/")
    inline = next(f for f in response.context["inline_admin_formsets"] if f.opts.model is Discount)
    assert [form.original for form in inline] == [active, ended]
    assert inline.has_add_permission is False


def test_discounts_are_found_by_coupon_and_filtered_by_state(staff_client, discounts):
    active, ended, theirs = discounts
    listed = staff_client.get("/admin/subscriptions/discount/", {"q": "launch"}).context["cl"].result_list
    assert list(listed) == [active]
    active_ones = staff_client.get("/admin/subscriptions/discount/", {"state": "active"}).context["cl"].result_list
    assert sorted(d.pk for d in active_ones) == sorted([active.pk, theirs.pk])
    ended_ones = staff_client.get("/admin/subscriptions/discount/", {"state": "ended"}).context["cl"].result_list
    assert list(ended_ones) == [ended]


def test_ending_discounts_first_asks_for_confirmation(staff_client, discounts):
    active, ended, _ = discounts
    response = staff_client.post(
        "/admin/subscriptions/discount/", {"action": "end_selected", "_selected_action": [active.pk, ended.pk]}
    )
    assert response.status_code == 200
    assert response.templates[0].name == "admin/subscriptions/discount/end_confirmation.html"
    assert (response.context["chosen"], response.context["skipped"]) == ([active], [ended])
    page = response.content.decode()
    assert 'name="post" value="yes"' in page and f'value="{active.pk}"' in page and f'value="{ended.pk}"' not in page
    active.refresh_from_db()
    assert active.ended_at is None


def test_confirming_ends_them_through_the_service_and_names_those_it_could_not(staff_client, tenant, discounts):
    active, ended, theirs = discounts
    WebhookEndpointFactory(tenant=tenant)
    response = staff_client.post(
        "/admin/subscriptions/discount/",
        {"action": "end_selected", "_selected_action": [active.pk, ended.pk, theirs.pk], "post": "yes"},
        follow=True,
    )
    assert [str(m) for m in response.context["messages"]] == [
        NOT_ENDED.format(
            coupon="old", customer=ended.customer, reason=DISCOUNT_ENDED.format(ended_at="2026-01-05T00:00:00.000000Z")
        ),
        ENDED.format(count=2),
    ]
    for discount in (active, theirs):
        discount.refresh_from_db()
        assert discount.end_reason == "removed"
    assert [e.data["id"] for e in Event.unscoped().filter(type="discount.ended")] == [str(active.pk)]


def test_discounts_cannot_be_added_changed_or_deleted(staff_client, discounts):
    active = discounts[0]
    assert staff_client.get("/admin/subscriptions/discount/add/").status_code == 403
    assert (
        staff_client.post(f"/admin/subscriptions/discount/{active.pk}/change/", {"periods_used": 9}).status_code == 403
    )
