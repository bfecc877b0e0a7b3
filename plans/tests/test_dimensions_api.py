"""Charge dimensions through the plan API: what is kept, what is refused (400 at the
field's place), and other tenants' plans (404)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from plans.dimensions import (
    FILTER_AMBIGUOUS,
    FILTER_NAME_TAKEN,
    FILTER_PROPERTIES_INVALID,
    FILTER_PROPERTY_NAME_INVALID,
    FILTER_UNREACHABLE,
    FILTER_VALUES_INVALID,
    FILTERS_TOO_MANY,
    GROUP_BY_INVALID,
    MAX_FILTER_VALUES,
    MAX_FILTERS,
)
from plans.models import Charge
from plans.pricing import FIELD_REQUIRED
from plans.tests.factories import MeterFactory, PlanFactory
from plans.tests.test_api import errors_of

pytestmark = pytest.mark.django_db

EU = {"name": "eu", "properties": {"region": ["eu"]}, "model": "per_unit", "unit_amount": "0.30"}
US = {
    "name": "us",
    "properties": {"region": ["us", "ca"]},
    "model": "package",
    "package_size": 10,
    "package_amount": "1",
}


def plan(*filters, group_by=None, **charge):
    body = {"meter": "calls", "model": "per_unit", "unit_amount": "0.10", "filters": list(filters), **charge}
    if group_by is not None:
        body["group_by"] = group_by
    return {"code": "p", "name": "P", "currency": "USD", "interval": "month", "charges": [body]}


@pytest.fixture
def calls(tenant):
    return MeterFactory(tenant=tenant, code="calls", aggregation="count")


def test_filters_and_group_by_are_kept_and_shown(api, turl, calls):
    response = api.post(turl("plans"), plan(EU, US, group_by=["workspace", "model"]), format="json")
    assert response.status_code == 201, response.json()
    [charge] = response.json()["charges"]
    assert charge["group_by"] == ["workspace", "model"]
    assert charge["filters"] == [
        {"name": "eu", "properties": {"region": ["eu"]}, "model": "per_unit", "unit_amount": "0.30",
         "package_size": None, "package_amount": None, "tiers": None},
        {"name": "us", "properties": {"region": ["us", "ca"]}, "model": "package", "unit_amount": None,
         "package_size": 10, "package_amount": "1.00", "tiers": None},
    ]  # fmt: skip
    stored = Charge.objects.get()
    assert (stored.group_by, Decimal(stored.filters[1]["package_amount"])) == (["workspace", "model"], Decimal(1))
    assert stored.dimensions().match({"region": "ca"}) == "us"


def test_empty_filters_and_group_by_mean_none(api, turl, calls):
    response = api.post(turl("plans"), plan(group_by=[]), format="json")
    assert response.status_code == 201, response.json()
    assert (response.json()["charges"][0]["filters"], Charge.objects.get().dimensions()) == ([], None)


ANOTHER_EU = {**EU, "name": "eu-again"}
NARROWER = {**EU, "name": "narrow", "properties": {"region": ["eu"], "tier": ["gold"]}}
WIDER_FIRST = {**US, "name": "wide", "properties": {"region": ["us", "ca", "eu"]}}
P = "charges.0.filters"


@pytest.mark.parametrize(
    ("filters", "group_by", "expected"),
    [
        ([EU, ANOTHER_EU], None, [(f"{P}.1.properties", FILTER_AMBIGUOUS.format(other="eu"))]),
        ([EU, {**ANOTHER_EU, "properties": {"region": ["eu"]}}], None, [(f"{P}.1.properties", FILTER_AMBIGUOUS.format(other="eu"))]),
        ([EU, NARROWER], None, [(f"{P}.1.properties", FILTER_UNREACHABLE.format(other="eu"))]),
        ([WIDER_FIRST, EU], None, [(f"{P}.1.properties", FILTER_UNREACHABLE.format(other="wide"))]),
        ([EU, {**US, "name": "eu"}], None, [(f"{P}.1.name", FILTER_NAME_TAKEN)]),
        ([{**EU, "properties": {}}], None, [(f"{P}.0.properties", FILTER_PROPERTIES_INVALID)]),
        ([{**EU, "properties": ["region"]}], None, [(f"{P}.0.properties", FILTER_PROPERTIES_INVALID)]),
        ([{**EU, "properties": {"region": []}}], None, [(f"{P}.0.properties.region", FILTER_VALUES_INVALID)]),
        ([{**EU, "properties": {"region": [1]}}], None, [(f"{P}.0.properties.region", FILTER_VALUES_INVALID)]),
        ([{**EU, "properties": {"region": ["eu", "eu"]}}], None, [(f"{P}.0.properties.region", FILTER_VALUES_INVALID)]),
        ([{**EU, "properties": {"region": [str(i) for i in range(MAX_FILTER_VALUES + 1)]}}], None,
         [(f"{P}.0.properties.region", FILTER_VALUES_INVALID)]),
        ([{**EU, "properties": {"": ["eu"]}}], None, [(f"{P}.0.properties", FILTER_PROPERTY_NAME_INVALID)]),
        ([{**EU, "unit_amount": None}], None, [(f"{P}.0.unit_amount", FIELD_REQUIRED.format(field="unit_amount", model="per_unit"))]),
        ([], [1], [("charges.0.group_by", GROUP_BY_INVALID)]),
        ([], ["workspace", "workspace"], [("charges.0.group_by", GROUP_BY_INVALID)]),
        ([], "workspace", [("charges.0.group_by", GROUP_BY_INVALID)]),
        ([], ["a", "b", "c", "d"], [("charges.0.group_by", GROUP_BY_INVALID)]),
        ([], [""], [("charges.0.group_by", GROUP_BY_INVALID)]),
    ],
)  # fmt: skip
def test_bad_dimensions_are_400_at_their_place(api, turl, calls, filters, group_by, expected):
    response = api.post(turl("plans"), plan(*filters, group_by=group_by), format="json")
    assert response.status_code == 400
    assert errors_of(response) == expected
    assert not Charge.objects.exists()


def test_too_many_filters_is_400(api, turl, calls):
    many = [{**EU, "name": f"f{i}", "properties": {"region": [f"r{i}"]}} for i in range(MAX_FILTERS + 1)]
    response = api.post(turl("plans"), plan(*many), format="json")
    assert (response.status_code, errors_of(response)) == (400, [("charges.0.filters", FILTERS_TOO_MANY)])


def test_a_filter_without_a_name_or_model_is_400(api, turl, calls):
    response = api.post(turl("plans"), plan({"properties": {"region": ["eu"]}, "unit_amount": "1"}), format="json")
    assert response.status_code == 400
    assert sorted(attr for attr, _ in errors_of(response)) == [f"{P}.0.model", f"{P}.0.name"]


def test_other_tenants_plan_with_dimensions_is_404(api, turl, other_tenant):
    other_meter = MeterFactory(tenant=other_tenant, code="calls", aggregation="count")
    other = PlanFactory(tenant=other_tenant)
    Charge.objects.create(
        tenant=other_tenant, plan=other, meter=other_meter, model="per_unit", unit_amount=1, group_by=["workspace"]
    )
    assert api.get(turl(f"plans/{other.pk}")).status_code == 404
    assert api.get(turl("plans")).json()["results"] == []
