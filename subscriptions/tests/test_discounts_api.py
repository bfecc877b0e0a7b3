"""A customer's discounts through the HTTP API (API.md Part 2, "Discounts (coupons)"):
redeem a coupon for the customer or one subscription, list, end; every 400 and 409
with its field and code; `max_redemptions` under concurrency on real threads."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
import time_machine
from django.db import connection

from plans.models import Coupon
from plans.tests.factories import CouponFactory, PlanFactory
from subscriptions import discount_services as services
from subscriptions.models import Discount, Subscription
from subscriptions.services import CUSTOMER_NOT_FOUND
from subscriptions.tests.factories import CustomerFactory, DiscountFactory, SubscriptionFactory
from tenants.errors import Conflict
from tenants.formats import format_time as ts_of
from tenants.isolation import tenant_scope
from tenants.tests.utils import at
from webhooks.models import Event
from webhooks.tests.factories import WebhookEndpointFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(tenant):
    return CustomerFactory(tenant=tenant, external_id="cus_42")


@pytest.fixture
def sub(tenant, customer):
    plan = PlanFactory(tenant=tenant, code="pro", currency="USD")
    return SubscriptionFactory(tenant=tenant, customer=customer, plan=plan, start_at=at(2026, 1, 1))


def discounts_url(turl, customer, *rest):
    return turl("/".join([f"customers/{customer.id}/discounts", *map(str, rest)]))


def only_error(response):
    [error] = response.json()["errors"]
    return error["attr"], error["code"], error["detail"]


def test_a_coupon_is_redeemed_for_every_subscription_of_the_customer(api, turl, tenant, customer):
    coupon = CouponFactory(tenant=tenant, code="launch20", percent_off=Decimal("20"))
    response = api.post(discounts_url(turl, customer), {"coupon_code": "launch20"})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["coupon"]["code"] == "launch20"
    assert body["coupon"]["times_redeemed"] == 1
    assert {k: body[k] for k in ("customer_id", "subscription_id", "periods_used", "amount_remaining")} == {
        "customer_id": str(customer.id),
        "subscription_id": None,
        "periods_used": 0,
        "amount_remaining": None,
    }
    assert (body["ended_at"], body["end_reason"]) == (None, None)
    coupon.refresh_from_db()
    assert coupon.times_redeemed == 1
    assert api.get(discounts_url(turl, customer, body["id"])).json() == {**body, "coupon": body["coupon"]}


def test_a_once_amount_coupon_starts_with_its_amount_remaining(api, turl, tenant, customer, sub):
    CouponFactory(
        tenant=tenant, code="welcome", percent_off=None, amount_off=Decimal("60"), currency="USD", duration="once"
    )
    response = api.post(discounts_url(turl, customer), {"coupon_code": "welcome", "subscription_id": str(sub.id)})
    assert response.status_code == 201, response.json()
    assert (response.json()["subscription_id"], response.json()["amount_remaining"]) == (str(sub.id), "60.00")


def test_the_list_is_in_the_order_they_apply(api, turl, tenant, customer, sub):
    for code in ("first", "second", "third"):
        CouponFactory(tenant=tenant, code=code)
        assert api.post(discounts_url(turl, customer), {"coupon_code": code}).status_code == 201
    listed = api.get(discounts_url(turl, customer)).json()["results"]
    assert [d["coupon"]["code"] for d in listed] == ["first", "second", "third"]
    page = api.get(discounts_url(turl, customer), {"limit": 2}).json()
    assert [d["coupon"]["code"] for d in page["results"]] == ["first", "second"]
    assert [d["coupon"]["code"] for d in api.get(page["next"]).json()["results"]] == ["third"]
    assert list(Discount.objects.order_by("position").values_list("position", flat=True)) == [0, 1, 2]


def test_an_unknown_customer_is_a_404(api, turl, tenant, other_tenant):
    CouponFactory(tenant=tenant, code="launch")
    theirs = CustomerFactory(tenant=other_tenant)
    for response in (
        api.post(discounts_url(turl, theirs), {"coupon_code": "launch"}),
        api.get(discounts_url(turl, theirs)),
    ):
        assert response.status_code == 404
        assert only_error(response) == (None, "not_found", CUSTOMER_NOT_FOUND)


def test_an_unknown_coupon_or_subscription_is_a_400_naming_it(api, turl, tenant, other_tenant, customer):
    CouponFactory(tenant=other_tenant, code="theirs")
    someone_elses = SubscriptionFactory(tenant=tenant)
    response = api.post(
        discounts_url(turl, customer), {"coupon_code": "theirs", "subscription_id": str(someone_elses.id)}
    )
    assert response.status_code == 400
    assert [(e["attr"], e["code"], e["detail"]) for e in response.json()["errors"]] == [
        ("coupon_code", "does_not_exist", services.COUPON_UNKNOWN.format(code="theirs")),
        ("subscription_id", "does_not_exist", services.DISCOUNT_SUBSCRIPTION_UNKNOWN),
    ]
    assert not Discount.objects.exists()


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({}, ("coupon_code", "required")),
        ({"coupon_code": 7}, ("coupon_code", "invalid")),
        ({"coupon_code": "launch", "subscription_id": "nope"}, ("subscription_id", "invalid")),
    ],
)
def test_a_malformed_body_is_a_400(api, turl, tenant, customer, body, expected):
    CouponFactory(tenant=tenant, code="launch")
    response = api.post(discounts_url(turl, customer), body)
    assert response.status_code == 400
    assert only_error(response)[:2] == expected


def redeem_409(api, turl, customer, body):
    response = api.post(discounts_url(turl, customer), body)
    assert response.status_code == 409, response.json()
    return only_error(response)


def test_an_inactive_coupon_is_a_409(api, turl, tenant, customer):
    CouponFactory(tenant=tenant, code="old", active=False)
    assert redeem_409(api, turl, customer, {"coupon_code": "old"}) == (
        "coupon_code",
        "coupon_inactive",
        services.COUPON_INACTIVE.format(code="old"),
    )


def test_a_coupon_past_redeem_by_is_a_409(admin_user, client_for, turl, tenant, customer):
    CouponFactory(tenant=tenant, code="spring", redeem_by=at(2026, 3, 1))
    with time_machine.travel(at(2026, 3, 1), tick=False):
        api = client_for(admin_user)
        assert api.post(discounts_url(turl, customer), {"coupon_code": "spring"}).status_code == 201
    other = CustomerFactory(tenant=tenant)
    with time_machine.travel(at(2026, 3, 1, 0, 0, 1), tick=False):
        api = client_for(admin_user)
        assert redeem_409(api, turl, other, {"coupon_code": "spring"}) == (
            "coupon_code",
            "coupon_expired",
            services.COUPON_EXPIRED.format(code="spring", redeem_by="2026-03-01T00:00:00.000000Z"),
        )


def test_a_coupon_at_max_redemptions_is_a_409(api, turl, tenant, customer):
    CouponFactory(tenant=tenant, code="first100", max_redemptions=1)
    assert api.post(discounts_url(turl, customer), {"coupon_code": "first100"}).status_code == 201
    other = CustomerFactory(tenant=tenant)
    assert redeem_409(api, turl, other, {"coupon_code": "first100"}) == (
        "coupon_code",
        "max_redemptions_reached",
        services.COUPON_MAX_REDEMPTIONS.format(code="first100", count=1),
    )
    assert Coupon.objects.get(code="first100").times_redeemed == 1


def test_an_amount_coupon_of_another_currency_than_the_subscription_is_a_409(api, turl, tenant, customer):
    eur = SubscriptionFactory(tenant=tenant, customer=customer, plan=PlanFactory(tenant=tenant, currency="EUR"))
    CouponFactory(tenant=tenant, code="ten", percent_off=None, amount_off=Decimal("10"), currency="USD")
    assert redeem_409(api, turl, customer, {"coupon_code": "ten", "subscription_id": str(eur.id)}) == (
        "subscription_id",
        "currency_mismatch",
        services.COUPON_OTHER_CURRENCY.format(code="ten", amount="10.00", currency="USD", billed="EUR"),
    )
    # A percentage has no currency; and for the customer as a whole, it applies where it can.
    CouponFactory(tenant=tenant, code="pct")
    assert (
        api.post(discounts_url(turl, customer), {"coupon_code": "pct", "subscription_id": str(eur.id)}).status_code
        == 201
    )
    assert api.post(discounts_url(turl, customer), {"coupon_code": "ten"}).status_code == 201


def test_a_coupon_for_other_plans_than_the_subscriptions_is_a_409(api, turl, tenant, customer, sub):
    CouponFactory(tenant=tenant, code="enterprise", plan_ids=[PlanFactory(tenant=tenant).id])
    assert redeem_409(api, turl, customer, {"coupon_code": "enterprise", "subscription_id": str(sub.id)}) == (
        "subscription_id",
        "plan_not_eligible",
        services.COUPON_OTHER_PLANS.format(code="enterprise", plan="pro"),
    )


def test_a_canceled_subscription_is_a_409(api, turl, tenant, customer, sub):
    Subscription.objects.filter(pk=sub.pk).update(status=Subscription.Status.CANCELED, canceled_at=at(2026, 1, 2))
    CouponFactory(tenant=tenant, code="launch")
    assert redeem_409(api, turl, customer, {"coupon_code": "launch", "subscription_id": str(sub.id)}) == (
        "subscription_id",
        "subscription_canceled",
        services.SUBSCRIPTION_CANCELED,
    )


def test_the_same_coupon_active_there_is_a_409(api, turl, tenant, customer, sub):
    CouponFactory(tenant=tenant, code="launch")
    other_sub = SubscriptionFactory(tenant=tenant, customer=customer)
    on_sub = api.post(discounts_url(turl, customer), {"coupon_code": "launch", "subscription_id": str(sub.id)}).json()
    conflict = (
        "coupon_code",
        "discount_already_active",
        services.DISCOUNT_ALREADY_ACTIVE.format(code="launch", discount_id=on_sub["id"]),
    )
    # Twice on the subscription, or for every subscription while one has it: a 409.
    assert redeem_409(api, turl, customer, {"coupon_code": "launch", "subscription_id": str(sub.id)}) == conflict
    assert redeem_409(api, turl, customer, {"coupon_code": "launch"}) == conflict
    # On another subscription it is another place.
    other = api.post(discounts_url(turl, customer), {"coupon_code": "launch", "subscription_id": str(other_sub.id)})
    assert other.status_code == 201
    # Once ended, it may be redeemed there again.
    assert api.delete(discounts_url(turl, customer, on_sub["id"])).status_code == 200
    again = api.post(discounts_url(turl, customer), {"coupon_code": "launch", "subscription_id": str(sub.id)})
    assert again.status_code == 201
    assert Coupon.objects.get(code="launch").times_redeemed == 3


def test_a_coupon_held_for_every_subscription_refuses_one_for_a_subscription(api, turl, tenant, customer, sub):
    CouponFactory(tenant=tenant, code="launch")
    everywhere = api.post(discounts_url(turl, customer), {"coupon_code": "launch"}).json()
    assert redeem_409(api, turl, customer, {"coupon_code": "launch", "subscription_id": str(sub.id)})[1:] == (
        "discount_already_active",
        services.DISCOUNT_ALREADY_ACTIVE.format(code="launch", discount_id=everywhere["id"]),
    )
    # Another customer may hold it too.
    assert api.post(discounts_url(turl, CustomerFactory(tenant=tenant)), {"coupon_code": "launch"}).status_code == 201


def test_delete_ends_the_discount_and_tells_the_tenant(api, turl, tenant, customer, django_capture_on_commit_callbacks):
    WebhookEndpointFactory(tenant=tenant)
    discount = DiscountFactory(tenant=tenant, customer=customer)
    with django_capture_on_commit_callbacks():
        response = api.delete(discounts_url(turl, customer, discount.id))
    assert response.status_code == 200
    body = response.json()
    discount.refresh_from_db()
    assert (body["end_reason"], body["ended_at"]) == ("removed", ts_of(discount.ended_at))
    assert discount.end_reason == "removed"
    [event] = Event.objects.filter(type="discount.ended")
    assert event.data == body
    again = api.delete(discounts_url(turl, customer, discount.id))
    assert again.status_code == 409
    assert only_error(again)[1] == "discount_ended"


def test_another_customers_discount_is_a_404(api, turl, tenant, customer):
    theirs = DiscountFactory(tenant=tenant)
    for response in (
        api.delete(discounts_url(turl, customer, theirs.id)),
        api.get(discounts_url(turl, customer, theirs.id)),
    ):
        assert response.status_code == 404
        assert only_error(response) == (None, "not_found", services.DISCOUNT_NOT_FOUND)
    theirs.refresh_from_db()
    assert theirs.ended_at is None


def test_a_replayed_redemption_redeems_once(api, turl, tenant, customer):
    CouponFactory(tenant=tenant, code="launch", max_redemptions=5)
    first = api.post(discounts_url(turl, customer), {"coupon_code": "launch"}, HTTP_IDEMPOTENCY_KEY="redeem-1")
    again = api.post(discounts_url(turl, customer), {"coupon_code": "launch"}, HTTP_IDEMPOTENCY_KEY="redeem-1")
    assert (first.status_code, again.status_code, again["Idempotent-Replayed"]) == (201, 201, "true")
    assert again.json() == first.json()
    assert (Discount.objects.count(), Coupon.objects.get().times_redeemed) == (1, 1)


@pytest.mark.django_db(transaction=True)
def test_two_customers_taking_the_last_redemption_at_once_one_wins(tenant):
    """Real threads, real commits: the coupon's row lock makes them take turns."""
    coupon = CouponFactory(tenant=tenant, code="last", max_redemptions=3, times_redeemed=2)
    customers = [CustomerFactory(tenant=tenant) for _ in range(2)]
    barrier = threading.Barrier(len(customers))
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def redeem(customer_id):
        try:
            barrier.wait()
            with tenant_scope(tenant.id):
                services.discount_create(tenant=tenant.id, customer_id=customer_id, coupon_code="last")
            outcomes.append("redeemed")
        except Conflict as exc:
            outcomes.append(exc.code)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=redeem, args=(c.id,)) for c in customers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(outcomes) == ["max_redemptions_reached", "redeemed"]
    coupon.refresh_from_db()
    assert coupon.times_redeemed == 3
    assert Discount.objects.filter(coupon=coupon).count() == 1
