"""Meters and plans over HTTP (API.md, "Catalog: meters and plans")."""

import copy
from decimal import Decimal

import pytest

from plans.api import AMOUNT_INVALID, AMOUNT_TOO_LARGE, AMOUNT_TOO_PRECISE, TRIAL_DAYS_RANGE
from plans.models import Charge, Meter, Plan
from plans.pricing import (
    AMOUNT_NEGATIVE,
    FIELD_NOT_ALLOWED,
    FIELD_REQUIRED,
    LAST_TIER_MUST_BE_OPEN,
    ONLY_LAST_TIER_OPEN,
    PACKAGE_SIZE_NOT_POSITIVE,
    TIER_BOUND_INVALID,
    TIERS_NOT_INCREASING,
    ChargeSpec,
    TierSpec,
)
from plans.services import (
    DUPLICATE_CHARGE_METER,
    METER_CODE_TAKEN,
    METER_PROPERTY_NOT_ALLOWED,
    METER_PROPERTY_REQUIRED,
    PLAN_CODE_TAKEN,
    PLAN_PRICES_IMMUTABLE,
    UNKNOWN_METER,
)
from plans.tests.factories import MeterFactory, PlanFactory, add_charge
from tenants.validators import UNKNOWN_CURRENCY

pytestmark = pytest.mark.django_db

# The example of API.md, verbatim.
PRO = {
    "code": "pro",
    "name": "Pro",
    "currency": "USD",
    "interval": "month",
    "amount": "49.00",
    "trial_days": 14,
    "charges": [
        {
            "meter": "api_calls",
            "model": "tiered",
            "tiers": [
                {"up_to": 1000, "unit_amount": "0", "flat_amount": "0"},
                {"up_to": 10000, "unit_amount": "0.002"},
                {"up_to": None, "unit_amount": "0.001"},
            ],
        },
        {
            "meter": "seats",
            "model": "volume",
            "tiers": [
                {"up_to": 10, "unit_amount": "8.00"},
                {"up_to": None, "unit_amount": "6.00", "flat_amount": "20.00"},
            ],
        },
        {"meter": "storage_gb", "model": "per_unit", "unit_amount": "0.10"},
        {"meter": "sms", "model": "package", "package_size": 100, "package_amount": "1.50"},
    ],
}


@pytest.fixture
def meters(tenant):
    return {
        code: MeterFactory(tenant=tenant, code=code, aggregation=aggregation)
        for code, aggregation in [("api_calls", "count"), ("seats", "max"), ("storage_gb", "sum"), ("sms", "count")]
    }


def pro(**changes):
    body = copy.deepcopy(PRO)
    body.update(changes)
    return body


def errors_of(response):
    return [(e["attr"], e["detail"]) for e in response.json()["errors"]]


# -- meters -------------------------------------------------------------------------


def test_member_creates_a_meter(member_api, turl, tenant):
    response = member_api.post(
        turl("meters"), {"code": "api_calls", "name": "API calls", "aggregation": "count"}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert {k: body[k] for k in ("code", "name", "aggregation", "property")} == {
        "code": "api_calls",
        "name": "API calls",
        "aggregation": "count",
        "property": None,
    }
    assert Meter.objects.for_tenant(tenant).get(pk=body["id"]).code == "api_calls"


def test_unique_count_meter_keeps_its_property(api, turl):
    body = {"code": "users", "name": "Users", "aggregation": "unique_count", "property": "user_id"}
    response = api.post(turl("meters"), body, format="json")
    assert response.status_code == 201
    assert response.json()["property"] == "user_id"


@pytest.mark.parametrize("value", [None, ""])
def test_unique_count_meter_needs_a_property(api, turl, value):
    body = {"code": "users", "name": "Users", "aggregation": "unique_count", "property": value}
    response = api.post(turl("meters"), body, format="json")
    assert response.status_code == 400
    assert errors_of(response) == [("property", METER_PROPERTY_REQUIRED)]


def test_property_is_refused_for_other_aggregations(api, turl):
    body = {"code": "tokens", "name": "Tokens", "aggregation": "sum", "property": "model"}
    response = api.post(turl("meters"), body, format="json")
    assert response.status_code == 400
    assert errors_of(response) == [("property", METER_PROPERTY_NOT_ALLOWED)]


def test_duplicate_meter_code_is_409(api, turl, tenant):
    MeterFactory(tenant=tenant, code="api_calls")
    response = api.post(turl("meters"), {"code": "api_calls", "name": "Again", "aggregation": "sum"}, format="json")
    assert response.status_code == 409
    assert errors_of(response) == [(None, METER_CODE_TAKEN)]
    assert Meter.objects.for_tenant(tenant).count() == 1


def test_the_same_meter_code_in_another_tenant_is_fine(api, turl, other_tenant):
    MeterFactory(tenant=other_tenant, code="api_calls")
    response = api.post(turl("meters"), {"code": "api_calls", "name": "Mine", "aggregation": "sum"}, format="json")
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("change", "attr"),
    [({"code": "api calls"}, "code"), ({"aggregation": "avg"}, "aggregation"), ({"name": ""}, "name")],
)
def test_meter_fields_are_validated(api, turl, change, attr):
    body = {"code": "api_calls", "name": "API calls", "aggregation": "count", **change}
    response = api.post(turl("meters"), body, format="json")
    assert response.status_code == 400
    assert [a for a, _ in errors_of(response)] == [attr]


def test_meter_list_detail_and_filter(viewer_api, turl, tenant):
    calls = MeterFactory(tenant=tenant, code="api_calls")
    MeterFactory(tenant=tenant, code="seats", aggregation="max")
    listed = viewer_api.get(turl("meters")).json()
    assert [m["code"] for m in listed["results"]] == ["seats", "api_calls"]
    assert [m["code"] for m in viewer_api.get(turl("meters"), {"aggregation": "max"}).json()["results"]] == ["seats"]
    detail = viewer_api.get(turl(f"meters/{calls.id}"))
    assert detail.status_code == 200
    assert detail.json()["id"] == str(calls.id)


def test_an_api_key_creates_a_meter_as_a_member(key_api, turl):
    response = key_api.post(turl("meters"), {"code": "x", "name": "X", "aggregation": "count"}, format="json")
    assert response.status_code == 201


# -- plan create --------------------------------------------------------------------


def test_member_creates_the_plan_of_the_api_example(member_api, turl, tenant, meters):
    response = member_api.post(turl("plans"), PRO, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    plan = Plan.objects.for_tenant(tenant).get(pk=body["id"])
    assert {k: body[k] for k in ("code", "name", "currency", "interval", "amount", "trial_days", "active")} == {
        "code": "pro",
        "name": "Pro",
        "currency": "USD",
        "interval": "month",
        "amount": "49.00",
        "trial_days": 14,
        "active": True,
    }
    assert [(c["filters"], c["group_by"]) for c in body["charges"]] == [([], [])] * 4  # no dimensions
    charges = [
        {k: v for k, v in c.items() if k not in ("id", "meter_id", "filters", "group_by")} for c in body["charges"]
    ]
    assert charges == [
        {
            "meter": "api_calls",
            "model": "tiered",
            "unit_amount": None,
            "package_size": None,
            "package_amount": None,
            "tiers": [
                {"up_to": 1000, "unit_amount": "0.00", "flat_amount": "0.00"},
                {"up_to": 10000, "unit_amount": "0.002", "flat_amount": "0.00"},
                {"up_to": None, "unit_amount": "0.001", "flat_amount": "0.00"},
            ],
        },
        {
            "meter": "seats",
            "model": "volume",
            "unit_amount": None,
            "package_size": None,
            "package_amount": None,
            "tiers": [
                {"up_to": 10, "unit_amount": "8.00", "flat_amount": "0.00"},
                {"up_to": None, "unit_amount": "6.00", "flat_amount": "20.00"},
            ],
        },
        {
            "meter": "storage_gb",
            "model": "per_unit",
            "unit_amount": "0.10",
            "package_size": None,
            "package_amount": None,
            "tiers": None,
        },
        {
            "meter": "sms",
            "model": "package",
            "unit_amount": None,
            "package_size": 100,
            "package_amount": "1.50",
            "tiers": None,
        },
    ]
    assert [c["meter_id"] for c in body["charges"]] == [str(meters[c["meter"]].id) for c in PRO["charges"]]
    stored = list(plan.charges.order_by("position"))
    assert [c.tenant_id for c in stored] == [tenant.id] * 4
    assert stored[1].to_spec() == ChargeSpec.volume(
        [TierSpec(10, Decimal("8")), TierSpec(None, Decimal("6"), Decimal("20"))]
    )


def test_plan_without_charges_and_defaults(api, turl, tenant):
    tenant.default_currency = "EUR"
    tenant.save()
    response = api.post(turl("plans"), {"code": "basic", "name": "Basic", "interval": "year"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert (body["currency"], body["amount"], body["trial_days"], body["active"], body["charges"]) == (
        "EUR",
        "0.00",
        0,
        True,
        [],
    )
    assert body["description"] == ""


def test_prices_keep_their_precision_in_the_currencys_format(api, turl, meters):
    charges = [{"meter": "api_calls", "model": "per_unit", "unit_amount": "0.000125"}]
    body = pro(code="yen", currency="JPY", amount="1000", charges=charges)
    response = api.post(turl("plans"), body, format="json")
    assert response.status_code == 201
    assert response.json()["amount"] == "1000"
    assert response.json()["charges"][0]["unit_amount"] == "0.000125"


def test_trailing_zeros_do_not_count_as_decimal_places(api, turl):
    response = api.post(turl("plans"), pro(amount="49.10000000000000000", charges=[]), format="json")
    assert response.status_code == 201
    assert response.json()["amount"] == "49.10"


def test_duplicate_plan_code_is_409_and_creates_nothing(api, turl, tenant, meters):
    PlanFactory(tenant=tenant, code="pro")
    response = api.post(turl("plans"), PRO, format="json")
    assert response.status_code == 409
    assert errors_of(response) == [(None, PLAN_CODE_TAKEN)]
    assert Plan.objects.for_tenant(tenant).count() == 1
    assert not Charge.objects.for_tenant(tenant).exists()


def test_the_same_plan_code_in_another_tenant_is_fine(api, turl, other_tenant, meters):
    PlanFactory(tenant=other_tenant, code="pro")
    assert api.post(turl("plans"), PRO, format="json").status_code == 201


def test_an_invalid_charge_creates_no_plan(api, turl, tenant, meters):
    body = pro()
    body["charges"][3]["package_size"] = 0
    assert api.post(turl("plans"), body, format="json").status_code == 400
    assert not Plan.objects.for_tenant(tenant).exists()


def set_path(body, path, value):
    *parents, last = path
    node = body
    for key in parents:
        node = node[key]
    if value is DELETE:
        del node[last]
    else:
        node[last] = value


DELETE = object()

# (what to change in PRO, the expected (attr, detail) list)
INVALID = {
    "tiers_not_increasing": (
        [(("charges", 0, "tiers", 2, "up_to"), 1000)],
        [("charges.0.tiers.2.up_to", LAST_TIER_MUST_BE_OPEN), ("charges.0.tiers.2.up_to", TIERS_NOT_INCREASING)],
    ),
    "tiers_equal_bounds": (
        [(("charges", 0, "tiers", 1, "up_to"), 1000)],
        [("charges.0.tiers.1.up_to", TIERS_NOT_INCREASING)],
    ),
    "open_tier_not_last": (
        [(("charges", 1, "tiers", 0, "up_to"), None)],
        [("charges.1.tiers.0.up_to", ONLY_LAST_TIER_OPEN)],
    ),
    "last_tier_not_open": (
        [(("charges", 1, "tiers", 1, "up_to"), 100)],
        [("charges.1.tiers.1.up_to", LAST_TIER_MUST_BE_OPEN)],
    ),
    "tier_bound_zero": ([(("charges", 1, "tiers", 0, "up_to"), 0)], [("charges.1.tiers.0.up_to", TIER_BOUND_INVALID)]),
    "tier_bound_decimal": (
        [(("charges", 0, "tiers", 1, "up_to"), 10000.5)],
        [("charges.0.tiers.1.up_to", TIER_BOUND_INVALID)],
    ),
    "tier_bound_text": (
        [(("charges", 0, "tiers", 1, "up_to"), "lots")],
        [("charges.0.tiers.1.up_to", TIER_BOUND_INVALID)],
    ),
    "tier_amount_negative": (
        [(("charges", 1, "tiers", 1, "flat_amount"), "-20.00")],
        [("charges.1.tiers.1.flat_amount", AMOUNT_NEGATIVE)],
    ),
    "tier_amount_too_precise": (
        [(("charges", 0, "tiers", 2, "unit_amount"), "0.0000000000001")],
        [("charges.0.tiers.2.unit_amount", AMOUNT_TOO_PRECISE)],
    ),
    "unit_amount_negative": (
        [(("charges", 2, "unit_amount"), "-0.10")],
        [("charges.2.unit_amount", AMOUNT_NEGATIVE)],
    ),
    "unit_amount_too_large": (
        [(("charges", 2, "unit_amount"), "1000000000000")],
        [("charges.2.unit_amount", AMOUNT_TOO_LARGE)],
    ),
    "unit_amount_not_a_number": (
        [(("charges", 2, "unit_amount"), "ten")],
        [("charges.2.unit_amount", AMOUNT_INVALID)],
    ),
    "package_size_zero": (
        [(("charges", 3, "package_size"), 0)],
        [("charges.3.package_size", PACKAGE_SIZE_NOT_POSITIVE)],
    ),
    "package_size_negative": (
        [(("charges", 3, "package_size"), -100)],
        [("charges.3.package_size", PACKAGE_SIZE_NOT_POSITIVE)],
    ),
    "package_size_fraction": (
        [(("charges", 3, "package_size"), 1.5)],
        [("charges.3.package_size", PACKAGE_SIZE_NOT_POSITIVE)],
    ),
    "package_amount_negative": (
        [(("charges", 3, "package_amount"), "-1.50")],
        [("charges.3.package_amount", AMOUNT_NEGATIVE)],
    ),
    "per_unit_without_unit_amount": (
        [(("charges", 2, "unit_amount"), DELETE)],
        [("charges.2.unit_amount", FIELD_REQUIRED.format(field="unit_amount", model="per_unit"))],
    ),
    "package_without_package_amount": (
        [(("charges", 3, "package_amount"), None)],
        [("charges.3.package_amount", FIELD_REQUIRED.format(field="package_amount", model="package"))],
    ),
    "volume_without_tiers": (
        [(("charges", 1, "tiers"), DELETE)],
        [("charges.1.tiers", FIELD_REQUIRED.format(field="tiers", model="volume"))],
    ),
    "tiered_with_no_tiers": (
        [(("charges", 0, "tiers"), [])],
        [("charges.0.tiers", FIELD_REQUIRED.format(field="tiers", model="tiered"))],
    ),
    "per_unit_with_tiers": (
        [(("charges", 2, "tiers"), [{"up_to": None, "unit_amount": "1"}])],
        [("charges.2.tiers", FIELD_NOT_ALLOWED.format(field="tiers", model="per_unit"))],
    ),
    "package_with_unit_amount": (
        [(("charges", 3, "unit_amount"), "0.01")],
        [("charges.3.unit_amount", FIELD_NOT_ALLOWED.format(field="unit_amount", model="package"))],
    ),
    "tiered_with_package_size": (
        [(("charges", 0, "package_size"), 10)],
        [("charges.0.package_size", FIELD_NOT_ALLOWED.format(field="package_size", model="tiered"))],
    ),
    "unknown_meter": (
        [(("charges", 2, "meter"), "bandwidth")],
        [("charges.2.meter", UNKNOWN_METER.format(code="bandwidth"))],
    ),
    "two_charges_on_one_meter": (
        [(("charges", 3, "meter"), "storage_gb"), (("charges", 3, "model"), "per_unit")],
        [
            ("charges.3.package_size", FIELD_NOT_ALLOWED.format(field="package_size", model="per_unit")),
            ("charges.3.package_amount", FIELD_NOT_ALLOWED.format(field="package_amount", model="per_unit")),
            ("charges.3.unit_amount", FIELD_REQUIRED.format(field="unit_amount", model="per_unit")),
            ("charges.3.meter", DUPLICATE_CHARGE_METER.format(code="storage_gb")),
        ],
    ),
    "plan_amount_negative": ([(("amount",), "-49.00")], [("amount", AMOUNT_NEGATIVE)]),
    "plan_amount_too_precise": ([(("amount",), "49.0000000000001")], [("amount", AMOUNT_TOO_PRECISE)]),
    "unknown_currency": ([(("currency",), "XYZ")], [("currency", UNKNOWN_CURRENCY.format(code="XYZ"))]),
    "lower_case_currency": ([(("currency",), "usd")], [("currency", UNKNOWN_CURRENCY.format(code="usd"))]),
    "trial_days_negative": ([(("trial_days",), -1)], [("trial_days", TRIAL_DAYS_RANGE)]),
    # Whole numbers in the spelling of JSON, not of Python's int() (issue #11, item 16).
    "trial_days_underscore": ([(("trial_days",), "1_4")], [("trial_days", TRIAL_DAYS_RANGE)]),
    "tier_bound_spaced": (
        [(("charges", 0, "tiers", 1, "up_to"), " 10000")],
        [("charges.0.tiers.1.up_to", TIER_BOUND_INVALID)],
    ),
    "package_size_plus": (
        [(("charges", 3, "package_size"), "+100")],
        [("charges.3.package_size", PACKAGE_SIZE_NOT_POSITIVE)],
    ),
}


@pytest.mark.parametrize(("changes", "expected"), INVALID.values(), ids=INVALID.keys())
def test_plan_validation_names_the_place(api, turl, tenant, meters, changes, expected):
    body = pro()
    for path, value in changes:
        set_path(body, path, value)
    response = api.post(turl("plans"), body, format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["type"] == "validation_error"
    assert sorted(errors_of(response)) == sorted(expected)
    assert not Plan.objects.for_tenant(tenant).exists()


# Every price of a plan, in every charge model (issue #11, items 6, 14 and 16): one
# decimal parser (tenants.decimals), prices below 10^9 with at most 12 decimal places.
PRICE_PLACES = {
    "amount": ("amount",),
    "charges.2.unit_amount": ("charges", 2, "unit_amount"),
    "charges.3.package_amount": ("charges", 3, "package_amount"),
    "charges.0.tiers.1.unit_amount": ("charges", 0, "tiers", 1, "unit_amount"),
    "charges.1.tiers.1.flat_amount": ("charges", 1, "tiers", 1, "flat_amount"),
}
BAD_PRICES = [
    ("1e1000000", AMOUNT_TOO_LARGE),
    ("1e250331866695369004172", AMOUNT_TOO_LARGE),  # an exponent beyond Decimal's (found by test_fuzz)
    ("1000000000", AMOUNT_TOO_LARGE),
    ("1e9", AMOUNT_TOO_LARGE),
    ("1e-1000000", AMOUNT_TOO_PRECISE),
    ("NaN", AMOUNT_INVALID),
    ("Infinity", AMOUNT_INVALID),
    ("-Infinity", AMOUNT_INVALID),
    ("1_000", AMOUNT_INVALID),
    (" 1", AMOUNT_INVALID),
    ("+1", AMOUNT_INVALID),
    (".5", AMOUNT_INVALID),
]


@pytest.mark.parametrize("attr", PRICE_PLACES)
@pytest.mark.parametrize(("price", "message"), BAD_PRICES, ids=[p for p, _ in BAD_PRICES])
def test_a_price_out_of_bounds_or_in_a_python_only_spelling_is_400(api, turl, tenant, meters, attr, price, message):
    body = pro()
    set_path(body, PRICE_PLACES[attr], price)
    response = api.post(turl("plans"), body, format="json")
    assert response.status_code == 400
    assert errors_of(response) == [(attr, message)]
    assert not Plan.objects.for_tenant(tenant).exists()


@pytest.mark.parametrize("attr", PRICE_PLACES)
@pytest.mark.parametrize(("price", "shown"), [("-0", "0.00"), ("999999999.999999999999", "999999999.999999999999")])
def test_a_price_at_the_bounds_is_kept(api, turl, meters, attr, price, shown):
    body = pro()
    set_path(body, PRICE_PLACES[attr], price)
    response = api.post(turl("plans"), body, format="json")
    assert response.status_code == 201, response.json()
    node = response.json()
    for key in PRICE_PLACES[attr]:
        node = node[key]
    assert node == shown


@pytest.mark.parametrize(
    ("path", "value", "attr", "message"),
    [
        (("charges", 3, "package_size"), 1_000_000_001, "charges.3.package_size", PACKAGE_SIZE_NOT_POSITIVE),
        (("charges", 0, "tiers", 1, "up_to"), 10**15, "charges.0.tiers.1.up_to", TIER_BOUND_INVALID),
        (("charges", 0, "tiers", 1, "up_to"), 10**400, "charges.0.tiers.1.up_to", TIER_BOUND_INVALID),
    ],
    ids=["package_size", "up_to", "up_to_400_digits"],
)
def test_package_size_and_tier_bounds_have_a_ceiling(api, turl, tenant, meters, path, value, attr, message):
    body = pro()
    set_path(body, path, value)
    response = api.post(turl("plans"), body, format="json")
    assert response.status_code == 400
    assert errors_of(response) == [(attr, message)]


def test_the_largest_package_size_and_tier_bound_are_accepted(api, turl, meters):
    body = pro()
    set_path(body, ("charges", 3, "package_size"), 1_000_000_000)
    set_path(body, ("charges", 0, "tiers", 1, "up_to"), 999_999_999_999_999)
    response = api.post(turl("plans"), body, format="json")
    assert response.status_code == 201
    charges = response.json()["charges"]
    assert (charges[3]["package_size"], charges[0]["tiers"][1]["up_to"]) == (1_000_000_000, 999_999_999_999_999)


@pytest.mark.parametrize(
    ("change", "attr", "code"),
    [
        ({"interval": "week"}, "interval", "invalid_choice"),
        ({"code": "pro plan"}, "code", "invalid"),
        ({"name": None}, "name", "null"),
        ({"charges": [{"meter": "sms", "model": "flat", "unit_amount": "1"}]}, "charges.0.model", "invalid_choice"),
        ({"charges": [{"model": "per_unit", "unit_amount": "1"}]}, "charges.0.meter", "required"),
    ],
)
def test_plan_field_errors_use_drfs_codes(api, turl, meters, change, attr, code):
    response = api.post(turl("plans"), pro(**change), format="json")
    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [(attr, code)]


def test_a_meter_of_another_tenant_is_unknown(api, turl, other_tenant):
    MeterFactory(tenant=other_tenant, code="theirs")
    body = pro(charges=[{"meter": "theirs", "model": "per_unit", "unit_amount": "1"}])
    response = api.post(turl("plans"), body, format="json")
    assert response.status_code == 400
    assert errors_of(response) == [("charges.0.meter", UNKNOWN_METER.format(code="theirs"))]


def test_every_broken_rule_is_reported_at_once(api, turl, meters):
    body = pro()
    body["charges"][0]["meter"] = "nope"
    body["charges"][1]["tiers"][1]["up_to"] = 5
    response = api.post(turl("plans"), body, format="json")
    assert errors_of(response) == [
        ("charges.0.meter", UNKNOWN_METER.format(code="nope")),
        ("charges.1.tiers.1.up_to", LAST_TIER_MUST_BE_OPEN),
        ("charges.1.tiers.1.up_to", TIERS_NOT_INCREASING),
    ]


# -- plan read and update -----------------------------------------------------------


def test_plan_list_and_detail_show_charges_in_order(viewer_api, turl, tenant):
    plan = PlanFactory(tenant=tenant, code="pro")
    add_charge(plan, meter="b_meter")
    add_charge(plan, ChargeSpec.package(10, Decimal("1")), meter="a_meter")
    PlanFactory(tenant=tenant, code="basic", active=False)
    listed = viewer_api.get(turl("plans")).json()["results"]
    assert [p["code"] for p in listed] == ["basic", "pro"]
    assert [c["meter"] for c in listed[1]["charges"]] == ["b_meter", "a_meter"]
    detail = viewer_api.get(turl(f"plans/{plan.id}")).json()
    assert detail == listed[1]


def test_plan_list_filters_and_pages(api, turl, tenant):
    for code in ("a", "b", "c"):
        PlanFactory(tenant=tenant, code=code, active=code != "b")
    active = api.get(turl("plans"), {"active": "true"}).json()["results"]
    assert {p["code"] for p in active} == {"a", "c"}
    first = api.get(turl("plans"), {"limit": 2}).json()
    assert len(first["results"]) == 2
    rest = api.get(first["next"]).json()
    assert [p["code"] for p in first["results"] + rest["results"]] == ["c", "b", "a"]


def test_patch_changes_name_description_and_active(member_api, turl, tenant):
    plan = PlanFactory(tenant=tenant, name="Pro")
    response = member_api.patch(
        turl(f"plans/{plan.id}"), {"name": "Pro 2026", "description": "For teams", "active": False}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["description"], response.json()["active"]) == (
        "Pro 2026",
        "For teams",
        False,
    )
    plan.refresh_from_db()
    assert (plan.name, plan.description, plan.active) == ("Pro 2026", "For teams", False)


@pytest.mark.parametrize(
    "change",
    [
        {"amount": "59.00"},
        {"amount": "49.00"},
        {"currency": "EUR"},
        {"interval": "year"},
        {"trial_days": 30},
        {"code": "pro-2"},
        {"charges": []},
        {"name": "Renamed", "amount": None},
    ],
)
def test_patching_a_price_is_409_and_says_to_create_a_new_plan(api, turl, tenant, change):
    plan = PlanFactory(tenant=tenant, name="Pro", amount=Decimal("49.00"))
    add_charge(plan)
    response = api.patch(turl(f"plans/{plan.id}"), change, format="json")
    assert response.status_code == 409
    assert errors_of(response) == [(None, PLAN_PRICES_IMMUTABLE)]
    assert "create a new plan" in PLAN_PRICES_IMMUTABLE
    plan.refresh_from_db()
    assert (plan.name, plan.amount, plan.currency, plan.interval, plan.trial_days) == (
        "Pro",
        Decimal("49.00"),
        "USD",
        "month",
        0,
    )
    assert plan.charges.count() == 1


def test_patch_validates_the_editable_fields(api, turl, tenant):
    plan = PlanFactory(tenant=tenant)
    response = api.patch(turl(f"plans/{plan.id}"), {"name": ""}, format="json")
    assert response.status_code == 400
    assert [e["attr"] for e in response.json()["errors"]] == ["name"]


# -- amounts are decimal strings, never JSON numbers (issue #11, item 20) -------------


@pytest.mark.parametrize("amount", ["+5", " 5", "5 ", ".5", "5.", "1_000", "\u0665", 49.5, 49])
def test_an_amount_that_is_not_a_decimal_string_is_400(api, turl, tenant, amount):
    response = api.post(turl("plans"), pro(amount=amount, charges=[]), format="json")
    assert response.status_code == 400
    assert errors_of(response) == [("amount", AMOUNT_INVALID)]
    assert not Plan.objects.for_tenant(tenant).exists()


def test_minus_zero_is_zero_and_exponents_are_read(api, turl, tenant):
    response = api.post(turl("plans"), pro(amount="-0", charges=[]), format="json")
    assert (response.status_code, response.json()["amount"]) == (201, "0.00")
    response = api.post(turl("plans"), pro(code="big", amount="1e3", charges=[]), format="json")
    assert (response.status_code, response.json()["amount"]) == (201, "1000.00")


def test_tiers_on_a_package_charge_are_refused_whatever_they_hold(api, turl, tenant, meters):
    """Refused tiers with broken bounds of their own used to crash the error report (500)."""
    charge = {"meter": "sms", "model": "package", "package_size": 100, "package_amount": "1.50"}
    charge["tiers"] = [{"up_to": 10}, {"up_to": 5}]
    response = api.post(turl("plans"), pro(charges=[charge]), format="json")
    assert response.status_code == 400
    assert errors_of(response) == [("charges.0.tiers", FIELD_NOT_ALLOWED.format(field="tiers", model="package"))]
    assert not Plan.objects.for_tenant(tenant).exists()


def test_a_currency_is_taken_as_sent(api, turl, tenant):
    response = api.post(turl("plans"), pro(currency=" USD", charges=[]), format="json")
    assert errors_of(response) == [("currency", UNKNOWN_CURRENCY.format(code=" USD"))]
