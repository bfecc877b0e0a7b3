"""Coupons through the HTTP API (API.md Part 2, "Discounts (coupons)"): create, list,
detail, PATCH of name and active; every 400 names its field and code, a duplicate
code is a 409."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
import time_machine

from plans import coupon_services as services
from plans.models import Coupon
from plans.tests.factories import CouponFactory, PlanFactory
from tenants.tests.utils import at

pytestmark = pytest.mark.django_db

PERCENT = {"code": "launch20", "name": "Launch", "percent_off": "20", "duration": "forever"}
AMOUNT = {"code": "welcome10", "name": "Welcome", "amount_off": "10.00", "currency": "USD", "duration": "once"}


def errors(response):
    return [(e["attr"], e["code"]) for e in response.json()["errors"]]


def test_a_percent_coupon_is_created_and_shown(api, turl):
    response = api.post(turl("coupons"), {**PERCENT, "percent_off": "12.5", "max_redemptions": 100})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert {k: v for k, v in body.items() if k not in ("id", "created_at")} == {
        "code": "launch20",
        "name": "Launch",
        "percent_off": "12.5",
        "amount_off": None,
        "currency": None,
        "duration": "forever",
        "duration_in_periods": None,
        "max_redemptions": 100,
        "times_redeemed": 0,
        "redeem_by": None,
        "plan_ids": [],
        "active": True,
    }
    assert api.get(turl(f"coupons/{body['id']}")).json() == body


@pytest.fixture
def api_at(admin_user, client_for):
    """`with api_at(moment) as api:` an admin's client whose clock (and token) is at `moment`."""

    @contextmanager
    def travel(moment):
        with time_machine.travel(moment, tick=False):
            yield client_for(admin_user)

    return travel


def test_an_amount_coupon_is_repeating_for_some_plans_until_a_date(api_at, turl, tenant):
    plan = PlanFactory(tenant=tenant)
    with api_at(at(2026, 1, 1)) as api:
        response = api.post(
            turl("coupons"),
            {
                **AMOUNT,
                "amount_off": "10.5",
                "duration": "repeating",
                "duration_in_periods": 3,
                "redeem_by": "2026-03-01T00:00:00Z",
                "plan_ids": [str(plan.id)],
            },
        )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["amount_off"], body["currency"], body["percent_off"]) == ("10.50", "USD", None)
    assert (body["duration"], body["duration_in_periods"]) == ("repeating", 3)
    assert (body["redeem_by"], body["plan_ids"]) == ("2026-03-01T00:00:00.000000Z", [str(plan.id)])
    coupon = Coupon.objects.get(pk=body["id"])
    assert (coupon.tenant_id, coupon.amount_off) == (tenant.id, 10.5)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({**PERCENT, "amount_off": "5.00", "currency": "USD"}, [("amount_off", "percent_or_amount")]),
        ({"code": "c", "name": "C", "duration": "once"}, [("percent_off", "percent_or_amount")]),
        ({**PERCENT, "percent_off": "0"}, [("percent_off", "not_positive")]),
        ({**PERCENT, "percent_off": "100.5"}, [("percent_off", "max_value")]),
        ({**PERCENT, "percent_off": "12.34567"}, [("percent_off", "max_decimal_places")]),
        ({**PERCENT, "percent_off": 20}, [("percent_off", "invalid")]),
        ({**AMOUNT, "amount_off": "0"}, [("amount_off", "not_positive")]),
        ({**AMOUNT, "amount_off": "-1"}, [("amount_off", "min_value")]),
        ({**AMOUNT, "amount_off": "10.005"}, [("amount_off", "too_precise")]),
        ({**AMOUNT, "amount_off": "10.5", "currency": "JPY"}, [("amount_off", "too_precise")]),
        ({**AMOUNT, "currency": None}, [("currency", "required")]),
        ({**AMOUNT, "currency": "usd"}, [("currency", "invalid_currency")]),
        ({**PERCENT, "currency": "USD"}, [("currency", "not_allowed")]),
        ({**PERCENT, "duration": "repeating"}, [("duration_in_periods", "required")]),
        ({**PERCENT, "duration_in_periods": 2}, [("duration_in_periods", "not_allowed")]),
        ({**PERCENT, "duration": "repeating", "duration_in_periods": 0}, [("duration_in_periods", "min_value")]),
        ({**PERCENT, "duration": "weekly"}, [("duration", "invalid_choice")]),
        ({**PERCENT, "max_redemptions": 0}, [("max_redemptions", "min_value")]),
        ({**PERCENT, "code": "not a slug"}, [("code", "invalid")]),
        ({**PERCENT, "name": ""}, [("name", "blank")]),
        ({**PERCENT, "redeem_by": "2026-01-01T00:00:00"}, [("redeem_by", "naive")]),
    ],
)
def test_a_bad_coupon_is_a_400_naming_the_field(api, turl, body, expected):
    response = api.post(turl("coupons"), body)
    assert response.status_code == 400, response.json()
    assert errors(response) == expected
    assert not Coupon.objects.exists()


def test_redeem_by_must_be_in_the_future_of_the_tenants_clock(api_at, turl):
    with api_at(at(2026, 3, 1)) as api:
        response = api.post(turl("coupons"), {**PERCENT, "redeem_by": "2026-03-01T00:00:00Z"})
    assert response.status_code == 400
    assert errors(response) == [("redeem_by", "in_the_past")]
    assert response.json()["errors"][0]["detail"] == services.REDEEM_BY_PAST


def test_plan_ids_name_plans_of_the_tenant(api, turl, tenant, other_tenant):
    mine, theirs = PlanFactory(tenant=tenant), PlanFactory(tenant=other_tenant)
    response = api.post(turl("coupons"), {**PERCENT, "plan_ids": [str(mine.id), str(theirs.id)]})
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"code": "does_not_exist", "detail": services.UNKNOWN_PLAN.format(plan_id=theirs.id), "attr": "plan_ids.1"}
    ]
    repeated = api.post(turl("coupons"), {**PERCENT, "plan_ids": [str(mine.id), str(mine.id)]})
    assert errors(repeated) == [("plan_ids.1", "duplicate")]


def test_several_broken_rules_are_named_together(api, turl):
    response = api.post(turl("coupons"), {"code": "c", "name": "C", "duration": "repeating", "currency": "USD"})
    assert sorted(errors(response)) == [
        ("currency", "not_allowed"),
        ("duration_in_periods", "required"),
        ("percent_off", "percent_or_amount"),
    ]


def test_a_code_the_tenant_has_is_a_409_and_another_tenants_is_free(api, turl, other_tenant):
    CouponFactory(tenant=other_tenant, code="launch20")
    assert api.post(turl("coupons"), PERCENT).status_code == 201
    response = api.post(turl("coupons"), {**AMOUNT, "code": "launch20"})
    assert response.status_code == 409
    assert response.json()["errors"] == [
        {"code": "coupon_code_taken", "detail": services.COUPON_CODE_TAKEN, "attr": "code"}
    ]


def test_the_list_is_newest_first_and_filters(api, turl, tenant):
    with time_machine.travel(at(2026, 1, 1), tick=False):
        old = CouponFactory(tenant=tenant, duration="once")
    with time_machine.travel(at(2026, 2, 1), tick=False):
        new = CouponFactory(tenant=tenant, active=False)
    assert [c["id"] for c in api.get(turl("coupons")).json()["results"]] == [str(new.id), str(old.id)]
    assert [c["id"] for c in api.get(turl("coupons"), {"active": "true"}).json()["results"]] == [str(old.id)]
    assert [c["id"] for c in api.get(turl("coupons"), {"duration": "forever"}).json()["results"]] == [str(new.id)]
    assert [c["id"] for c in api.get(turl("coupons"), {"code": old.code}).json()["results"]] == [str(old.id)]


def test_patch_changes_name_and_active(api, turl, tenant):
    coupon = CouponFactory(tenant=tenant, name="Launch")
    response = api.patch(turl(f"coupons/{coupon.id}"), {"name": "Spring launch", "active": False})
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["active"]) == ("Spring launch", False)
    coupon.refresh_from_db()
    assert (coupon.name, coupon.active) == ("Spring launch", False)


@pytest.mark.parametrize("field", services.COUPON_FIXED_FIELDS)
def test_patch_of_a_term_is_a_400_even_with_its_current_value(api, turl, tenant, field):
    coupon = CouponFactory(tenant=tenant)
    value = {"percent_off": "20", "plan_ids": [], "code": coupon.code}.get(field)
    response = api.patch(turl(f"coupons/{coupon.id}"), {"name": "Renamed", field: value})
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"code": "immutable", "detail": services.COUPON_IMMUTABLE.format(field=field), "attr": field}
    ]
    coupon.refresh_from_db()
    assert coupon.name != "Renamed"


def test_an_unknown_coupon_is_a_404(api, turl):
    response = api.get(turl("coupons/6b1f8a4e-1111-4c3b-9a55-000000000000"))
    assert response.status_code == 404
    assert response.json()["errors"][0]["detail"] == services.COUPON_NOT_FOUND


def test_a_viewer_reads_and_does_not_write(viewer_api, turl, tenant):
    coupon = CouponFactory(tenant=tenant)
    assert viewer_api.get(turl(f"coupons/{coupon.id}")).status_code == 200
    assert viewer_api.post(turl("coupons"), PERCENT).status_code == 403


def test_a_replayed_create_answers_the_first_coupon(api, turl):
    first = api.post(turl("coupons"), PERCENT, HTTP_IDEMPOTENCY_KEY="coupon-1")
    again = api.post(turl("coupons"), PERCENT, HTTP_IDEMPOTENCY_KEY="coupon-1")
    assert (first.status_code, again.status_code, again["Idempotent-Replayed"]) == (201, 201, "true")
    assert again.json() == first.json()
    assert Coupon.objects.count() == 1


def test_redeem_by_is_shown_in_utc(api_at, turl):
    with api_at(at(2026, 1, 1)) as api:
        body = api.post(turl("coupons"), {**PERCENT, "redeem_by": "2026-01-31T12:00:00+02:00"}).json()
    assert body["redeem_by"] == "2026-01-31T10:00:00.000000Z"
    assert Coupon.objects.get().redeem_by == at(2026, 1, 31, 10)
