"""Reads of the catalog that other apps use, and pricing a stored charge end to end."""

from decimal import Decimal

import pytest

from plans.money import quantize_money
from plans.pricing import ChargeSpec, TierSpec, calculate
from plans.selectors import (
    charges_by_plan,
    meters_by_code,
    plan_charges,
    plan_get,
    plan_list,
)
from plans.tests.factories import MeterFactory, PlanFactory, add_charge

pytestmark = pytest.mark.django_db


def test_meters_by_code_sees_only_the_tenants_meters(tenant, other_tenant):
    mine = MeterFactory(tenant=tenant, code="calls")
    MeterFactory(tenant=other_tenant, code="seats")
    assert meters_by_code(tenant=tenant, codes=["calls", "seats", "nope"]) == {"calls": mine}


def test_plan_get_returns_none_for_another_tenants_plan(tenant, other_tenant):
    assert plan_get(tenant=tenant, plan_id=PlanFactory(tenant=other_tenant).id) is None


def test_charges_by_plan_groups_in_order_and_keeps_empty_plans(tenant, other_tenant, django_assert_num_queries):
    pro, empty = PlanFactory(tenant=tenant), PlanFactory(tenant=tenant)
    first, second = add_charge(pro, meter="b"), add_charge(pro, meter="a")
    theirs = PlanFactory(tenant=other_tenant)
    add_charge(theirs)
    with django_assert_num_queries(1):
        result = charges_by_plan(tenant=tenant, plan_ids=[pro.id, empty.id, theirs.id])
        codes = {plan_id: [c.meter.code for c in charges] for plan_id, charges in result.items()}
    assert result[pro.id] == [first, second]
    assert codes == {pro.id: ["b", "a"], empty.id: [], theirs.id: []}


def test_plan_list_prefetches_charges_and_meters(tenant, django_assert_num_queries):
    for _ in range(3):
        add_charge(PlanFactory(tenant=tenant))
    with django_assert_num_queries(2):
        assert [len([c.meter.code for c in p.charges.all()]) for p in plan_list(tenant=tenant)] == [1, 1, 1]


def test_a_stored_charge_prices_and_rounds_like_an_invoice_line(tenant):
    plan = PlanFactory(tenant=tenant, currency="USD")
    add_charge(plan, ChargeSpec.tiered([TierSpec(1000), TierSpec(None, Decimal("0.000125"))]), meter="calls")
    (charge,) = plan_charges(tenant=tenant, plan=plan)
    result = calculate(charge.to_spec(), Decimal(2000))
    assert result.amount == Decimal("0.125")
    assert quantize_money(result.amount, plan.currency) == Decimal("0.13")
    assert quantize_money(calculate(plan.flat_spec(), Decimal(1)).amount, plan.currency) == Decimal("49.00")
