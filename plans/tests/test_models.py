"""Catalog rows: constraints, and the pricing specs that rows turn into."""

from decimal import Decimal

import pytest
from django.db import IntegrityError

from plans.models import Charge
from plans.pricing import ChargeSpec, PricingModel, TierSpec
from plans.tests.factories import ChargeFactory, MeterFactory, PlanFactory, add_charge

pytestmark = pytest.mark.django_db

TIERS = (TierSpec(1000, Decimal("0"), Decimal("0")), TierSpec(None, Decimal("0.002"), Decimal("5.00")))


def test_charge_factory_shares_the_plans_tenant_with_its_meter():
    charge = ChargeFactory()
    assert charge.tenant_id == charge.plan.tenant_id == charge.meter.tenant_id


def test_plan_factory_has_no_charges_by_default():
    assert PlanFactory().charges.count() == 0


def test_add_charge_reuses_a_meter_by_code_and_keeps_the_order(tenant):
    meter = MeterFactory(tenant=tenant, code="api_calls")
    plan = PlanFactory(tenant=tenant)
    first = add_charge(plan, meter="api_calls")
    second = add_charge(plan, ChargeSpec.volume(TIERS), meter="seats", aggregation="max")
    assert first.meter == meter
    assert second.meter.code == "seats"
    assert second.meter.aggregation == "max"
    assert [c.position for c in plan.charges.all()] == [0, 1]


@pytest.mark.parametrize(
    "spec",
    [
        ChargeSpec.per_unit(Decimal("0.000125")),
        ChargeSpec.package(100, Decimal("1.50")),
        ChargeSpec.tiered(TIERS),
        ChargeSpec.volume(TIERS),
    ],
    ids=["per_unit", "package", "tiered", "volume"],
)
def test_a_stored_charge_gives_back_the_spec_it_was_made_from(spec):
    charge = add_charge(PlanFactory(), spec)
    charge.refresh_from_db()
    assert charge.to_spec() == spec


def test_plan_flat_spec_is_its_amount():
    assert PlanFactory(amount=Decimal("49.00")).flat_spec() == ChargeSpec(PricingModel.FLAT, unit_amount=Decimal("49"))


def test_database_refuses_a_charge_whose_fields_do_not_match_its_model():
    with pytest.raises(IntegrityError):
        ChargeFactory(model=Charge.Model.TIERED, unit_amount=Decimal("1"), tiers=[])


def test_database_refuses_two_charges_on_one_meter_of_a_plan():
    charge = ChargeFactory()
    with pytest.raises(IntegrityError):
        ChargeFactory(plan=charge.plan, meter=charge.meter, position=1)


def test_database_refuses_a_unique_count_meter_without_property():
    with pytest.raises(IntegrityError):
        MeterFactory(aggregation="unique_count", property="")
