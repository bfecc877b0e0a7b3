"""The catalog in the Django admin: readable, searchable, prices read-only."""

from decimal import Decimal

import pytest

from plans.models import Charge, Plan
from plans.pricing import ChargeSpec, TierSpec
from plans.tests.factories import CouponFactory, MeterFactory, PlanFactory, add_charge

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(tenant):
    plan = PlanFactory(tenant=tenant, code="pro", name="Pro")
    add_charge(
        plan,
        ChargeSpec.tiered([TierSpec(1000), TierSpec(10000, Decimal("0.002")), TierSpec(None, Decimal("0.001"))]),
        meter="api_calls",
    )
    return plan


def test_plan_change_page_shows_the_tiers_of_its_charges(staff_client, plan):
    response = staff_client.get(f"/admin/plans/plan/{plan.pk}/change/")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<table class="tiers"><thead><tr><th>from</th><th>up to</th><th>per unit</th><th>flat fee</th>' in page
    assert "<tr><td>0</td><td>1000</td><td>0.00 USD</td><td>0.00 USD</td></tr>" in page
    assert "<tr><td>1000</td><td>10000</td><td>0.002 USD</td><td>0.00 USD</td></tr>" in page
    assert "<tr><td>10000</td><td>∞</td><td>0.001 USD</td><td>0.00 USD</td></tr>" in page
    assert '"up_to"' not in page  # no raw JSON


@pytest.mark.parametrize(
    ("query", "codes"),
    [("?q=pro", ["pro"]), ("?active__exact=0", ["old"]), ("", ["old", "pro"])],
)
def test_plan_list_is_searchable_and_filterable(staff_client, plan, tenant, query, codes):
    PlanFactory(tenant=tenant, code="old", active=False)
    response = staff_client.get(f"/admin/plans/plan/{query}")
    assert response.status_code == 200
    assert sorted(p.code for p in response.context["cl"].result_list) == codes


def test_meter_list_is_searchable(staff_client, tenant):
    MeterFactory(tenant=tenant, code="api_calls", name="API calls")
    MeterFactory(tenant=tenant, code="seats", name="Seats")
    response = staff_client.get("/admin/plans/meter/?q=seat")
    assert [m.code for m in response.context["cl"].result_list] == ["seats"]


def test_admin_edits_only_name_description_and_active(staff_client, plan):
    response = staff_client.post(
        f"/admin/plans/plan/{plan.pk}/change/",
        {
            "name": "Pro 2026",
            "description": "Renamed",
            "amount": "1.00",
            "currency": "EUR",
            "charges-TOTAL_FORMS": "1",
            "charges-INITIAL_FORMS": "1",
            "charges-MIN_NUM_FORMS": "0",
            "charges-MAX_NUM_FORMS": "1000",
            "charges-0-id": str(plan.charges.get().pk),
            "charges-0-plan": str(plan.pk),
        },
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.name, plan.description, plan.active, plan.amount, plan.currency) == (
        "Pro 2026",
        "Renamed",
        False,
        Decimal("49.00"),
        "USD",
    )


def test_deactivate_action_uses_the_service(staff_client, plan):
    response = staff_client.post("/admin/plans/plan/", {"action": "deactivate", "_selected_action": [str(plan.pk)]})
    assert response.status_code == 302
    assert Plan.objects.get(pk=plan.pk).active is False


def test_staff_cannot_add_plans_or_meters_in_the_admin(staff_client):
    assert staff_client.get("/admin/plans/plan/add/").status_code == 403
    assert staff_client.get("/admin/plans/meter/add/").status_code == 403


# Coupons: their terms read-only, name and active through the service


def test_the_coupon_list_shows_what_each_takes_off_and_is_filterable(staff_client, tenant):
    CouponFactory(tenant=tenant, code="launch", percent_off=Decimal("12.5"), max_redemptions=100, times_redeemed=3)
    CouponFactory(tenant=tenant, code="ten", percent_off=None, amount_off=Decimal("10"), currency="USD", active=False)
    response = staff_client.get("/admin/plans/coupon/")
    page = response.content.decode()
    assert "12.5 %" in page and "10.00 USD" in page and "3 of 100" in page
    inactive = staff_client.get("/admin/plans/coupon/", {"active__exact": "0"})
    assert [c.code for c in inactive.context["cl"].result_list] == ["ten"]


def test_admin_edits_only_a_coupons_name_and_active(staff_client, tenant, plan):
    coupon = CouponFactory(tenant=tenant, code="launch", name="Launch", plan_ids=[plan.id])
    page = staff_client.get(f"/admin/plans/coupon/{coupon.pk}/change/")
    assert set(page.context["adminform"].form.fields) == {"name", "active"}
    assert "pro" in page.content.decode()  # its plans, by code
    response = staff_client.post(
        f"/admin/plans/coupon/{coupon.pk}/change/", {"name": "Spring", "percent_off": "90", "code": "x"}
    )
    assert response.status_code == 302
    coupon.refresh_from_db()
    assert (coupon.name, coupon.active, coupon.percent_off, coupon.code) == ("Spring", False, Decimal("20"), "launch")


def test_coupons_are_neither_added_nor_deleted_in_the_admin(staff_client, tenant):
    coupon = CouponFactory(tenant=tenant)
    assert staff_client.get("/admin/plans/coupon/add/").status_code == 403
    assert staff_client.get(f"/admin/plans/coupon/{coupon.pk}/delete/").status_code == 403


def test_plan_change_page_shows_the_filters_and_group_by_of_its_charges(staff_client, tenant):
    plan = PlanFactory(tenant=tenant, code="ai")
    add_charge(plan, ChargeSpec.per_unit(Decimal("0.10")), meter="tokens")
    eu = Charge.filter_row("eu", {"region": ["eu", "ch"]}, ChargeSpec.per_unit(Decimal("0.30")))
    Charge.objects.filter(plan=plan).update(filters=[eu], group_by=["workspace"])
    response = staff_client.get(f"/admin/plans/plan/{plan.pk}/change/")
    assert response.status_code == 200
    assert "eu: region in eu, ch → per_unit | group by workspace" in response.content.decode()
