"""Writes of the catalog, called directly (as other apps, seeds and tests do)."""

from decimal import Decimal

import pytest

from plans.models import Plan
from plans.pricing import (
    AMOUNT_TOO_LARGE,
    AMOUNT_TOO_PRECISE,
    FIELD_REQUIRED,
    TIER_BOUND_INVALID,
    ChargeSpec,
    PricingModel,
    TierSpec,
)
from plans.services import (
    CHARGE_MODEL_INVALID,
    DUPLICATE_CHARGE_METER,
    METER_CODE_TAKEN,
    PLAN_PRICES_IMMUTABLE,
    UNKNOWN_METER,
    ChargeDraft,
    _nested,
    meter_create,
    plan_create,
    plan_update,
)
from plans.tests.factories import MeterFactory, PlanFactory
from tenants.errors import ConflictError, Invalid, Message, NotFound

pytestmark = pytest.mark.django_db


def test_meter_create_stamps_the_tenant(tenant):
    meter = meter_create(tenant=tenant, code="users", name="Users", aggregation="unique_count", property="user_id")
    assert (meter.tenant_id, meter.property) == (tenant.id, "user_id")


def test_meter_create_duplicate_code_is_a_conflict(tenant):
    meter_create(tenant=tenant, code="calls", name="Calls", aggregation="count")
    with pytest.raises(ConflictError) as exc:
        meter_create(tenant=tenant, code="calls", name="Calls", aggregation="count")
    assert exc.value.detail == METER_CODE_TAKEN


def test_plan_create_with_drafts_stores_charges_in_order(tenant):
    MeterFactory(tenant=tenant, code="calls")
    MeterFactory(tenant=tenant, code="seats")
    tiered = ChargeSpec.tiered([TierSpec(10), TierSpec(None, Decimal("0.5"))])
    plan = plan_create(
        tenant=tenant,
        code="pro",
        name="Pro",
        interval="month",
        amount=Decimal("49.00"),
        charges=[ChargeDraft("seats", ChargeSpec.per_unit(Decimal("8"))), ChargeDraft("calls", tiered)],
    )
    assert plan.currency == "USD"
    assert [(c.meter.code, c.to_spec()) for c in plan.charges.all()] == [
        ("seats", ChargeSpec.per_unit(Decimal("8"))),
        ("calls", tiered),
    ]


def test_plan_create_errors_have_the_shape_of_nested_serializer_errors(tenant):
    MeterFactory(tenant=tenant, code="calls")
    drafts = [
        ChargeDraft("calls", ChargeSpec.per_unit(Decimal(1))),
        ChargeDraft("calls", ChargeSpec(PricingModel.PER_UNIT)),
        ChargeDraft("nope", ChargeSpec.flat(Decimal(1))),
    ]
    with pytest.raises(Invalid) as exc:
        plan_create(tenant=tenant, code="pro", name="Pro", interval="month", charges=drafts)
    assert exc.value.detail == {
        "charges": [
            {},
            {
                "unit_amount": [FIELD_REQUIRED.format(field="unit_amount", model="per_unit")],
                "meter": [DUPLICATE_CHARGE_METER.format(code="calls")],
            },
            {"model": [CHARGE_MODEL_INVALID], "meter": [UNKNOWN_METER.format(code="nope")]},
        ]
    }
    assert not Plan.objects.for_tenant(tenant).exists()


def test_plan_create_bounds_prices_for_every_caller_not_only_the_api(tenant):
    MeterFactory(tenant=tenant, code="calls")
    drafts = [ChargeDraft("calls", ChargeSpec.tiered([TierSpec(10**15), TierSpec(None, Decimal("1e-13"))]))]
    with pytest.raises(Invalid) as exc:
        plan_create(tenant=tenant, code="pro", name="Pro", interval="month", amount=Decimal("1e9"), charges=drafts)
    assert exc.value.detail == {
        "amount": [AMOUNT_TOO_LARGE],
        "charges": [{"tiers": [{"up_to": [TIER_BOUND_INVALID]}, {"unit_amount": [AMOUNT_TOO_PRECISE]}]}],
    }
    assert not Plan.objects.for_tenant(tenant).exists()


def test_nested_pads_lists_with_empty_dicts():
    detail = Message("bad", code="x")
    assert _nested([(("charges", 2, "tiers", 1, "up_to"), detail), (("amount",), detail)]) == {
        "charges": [{}, {}, {"tiers": [{}, {"up_to": [detail]}]}],
        "amount": [detail],
    }


def test_plan_update_refuses_a_plan_of_another_tenant(tenant, other_tenant):
    with pytest.raises(NotFound):
        plan_update(tenant=tenant, plan=PlanFactory(tenant=other_tenant), data={"name": "Mine"})


def test_plan_update_refuses_price_fields_even_unchanged(tenant):
    plan = PlanFactory(tenant=tenant, amount=Decimal("49.00"))
    with pytest.raises(ConflictError) as exc:
        plan_update(tenant=tenant, plan=plan, data={"amount": plan.amount})
    assert exc.value.detail == PLAN_PRICES_IMMUTABLE


def test_plan_update_refuses_unknown_fields(tenant):
    with pytest.raises(TypeError, match="colour"):
        plan_update(tenant=tenant, plan=PlanFactory(tenant=tenant), data={"colour": "red"})


def test_plan_update_changes_only_what_it_is_given(tenant):
    plan = PlanFactory(tenant=tenant, name="Pro", description="Old")
    plan_update(tenant=tenant, plan=plan, data={"active": False})
    plan.refresh_from_db()
    assert (plan.name, plan.description, plan.active) == ("Pro", "Old", False)
