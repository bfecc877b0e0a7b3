"""The pricing engine, without a database: worked examples, boundaries, spec rules, properties."""

from decimal import Decimal as D

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from plans.pricing import (
    AMOUNT_NEGATIVE,
    AMOUNT_TOO_LARGE,
    AMOUNT_TOO_PRECISE,
    FIELD_NOT_ALLOWED,
    FIELD_REQUIRED,
    LAST_TIER_MUST_BE_OPEN,
    ONLY_LAST_TIER_OPEN,
    PACKAGE_SIZE_NOT_POSITIVE,
    TIER_BOUND_INVALID,
    TIERS_NOT_INCREASING,
    ChargeSpec,
    PricingModel,
    TierLine,
    TierSpec,
    calculate,
    calculate_flat,
    calculate_package,
    calculate_per_unit,
    calculate_tiered,
    calculate_volume,
    spec_problems,
)

# Stripe's docs: units 1-5 at 7.00, 6-10 at 6.50, 11 and up at 6.00.
STRIPE = (TierSpec(5, D("7.00")), TierSpec(10, D("6.50")), TierSpec(None, D("6.00")))
# Lago's docs: up to 10k at 0.0010, 50k at 0.0008, 100k at 0.0006, then 0.0004; 10.00 flat per tier.
LAGO = (
    TierSpec(10_000, D("0.0010"), D("10.00")),
    TierSpec(50_000, D("0.0008"), D("10.00")),
    TierSpec(100_000, D("0.0006"), D("10.00")),
    TierSpec(None, D("0.0004"), D("10.00")),
)
HUNDRED = (TierSpec(100, D("1")), TierSpec(None, D("2")))
FIRST_TIER_FEE = (TierSpec(10, D("1"), D("5")), TierSpec(None, D("0.5"), D("3")))


@pytest.mark.parametrize(
    ("tiers", "quantity", "amount"),
    [
        (STRIPE, "0", "0"),
        (STRIPE, "1", "7.00"),
        (STRIPE, "5", "35.00"),
        (STRIPE, "6", "41.50"),
        (STRIPE, "10", "67.50"),
        (STRIPE, "11", "73.50"),
        (STRIPE, "25", "157.50"),
        (LAGO, "0", "10.00"),
        (LAGO, "10000", "20.00"),
        (LAGO, "10000.5", "30.0004"),
        (LAGO, "65000", "81.00"),
        (HUNDRED, "100", "100"),
        (HUNDRED, "100.5", "101"),
        (FIRST_TIER_FEE, "0", "5"),
        (FIRST_TIER_FEE, "10", "15"),
        (FIRST_TIER_FEE, "11", "18.5"),
    ],
)
def test_graduated_price(tiers, quantity, amount):
    assert calculate_tiered(ChargeSpec.tiered(tiers), D(quantity)).amount == D(amount)


@pytest.mark.parametrize(
    ("tiers", "quantity", "amount"),
    [
        (STRIPE, "0", "0"),
        (STRIPE, "5", "35.00"),
        (STRIPE, "6", "39.00"),
        (STRIPE, "10", "65.00"),
        (STRIPE, "11", "66.00"),
        (STRIPE, "25", "150.00"),
        (LAGO, "0", "10.00"),
        (LAGO, "10000", "20.00"),
        (LAGO, "10001", "18.0008"),
        (LAGO, "65000", "49.00"),
        (LAGO, "250000", "110.00"),
        (HUNDRED, "100", "100"),
        (HUNDRED, "100.5", "201"),
        (FIRST_TIER_FEE, "0", "5"),
    ],
)
def test_volume_price(tiers, quantity, amount):
    assert calculate_volume(ChargeSpec.volume(tiers), D(quantity)).amount == D(amount)


def test_graduated_breakdown_lists_each_reached_tier_with_its_bounds():
    result = calculate_tiered(ChargeSpec.tiered(STRIPE), D(25))
    assert result.tiers == (
        TierLine(from_value=0, up_to=5, quantity=D(5), unit_amount=D("7.00"), flat_amount=D(0), amount=D("35.00")),
        TierLine(from_value=5, up_to=10, quantity=D(5), unit_amount=D("6.50"), flat_amount=D(0), amount=D("32.50")),
        TierLine(from_value=10, up_to=None, quantity=D(15), unit_amount=D("6.00"), flat_amount=D(0), amount=D("90.00")),
    )


def test_graduated_splits_a_decimal_quantity_at_the_bound():
    result = calculate_tiered(ChargeSpec.tiered(HUNDRED), D("100.5"))
    assert [(line.up_to, line.quantity) for line in result.tiers] == [(100, D(100)), (None, D("0.5"))]


def test_graduated_quantity_on_the_bound_does_not_reach_the_next_tier():
    result = calculate_tiered(ChargeSpec.tiered(FIRST_TIER_FEE), D(10))
    assert [line.up_to for line in result.tiers] == [10]


def test_graduated_zero_reaches_only_the_first_tier():
    result = calculate_tiered(ChargeSpec.tiered(FIRST_TIER_FEE), D(0))
    assert result.tiers == (TierLine(0, 10, D(0), D(1), D(5), D(5)),)


def test_volume_breakdown_is_the_one_tier_of_the_whole_quantity():
    result = calculate_volume(ChargeSpec.volume(HUNDRED), D("100.5"))
    assert result.tiers == (TierLine(100, None, D("100.5"), D(2), D(0), D(201)),)


def test_volume_total_may_fall_as_the_quantity_rises():
    spec = ChargeSpec.volume(LAGO)
    assert calculate_volume(spec, D(10_001)).amount < calculate_volume(spec, D(10_000)).amount


@pytest.mark.parametrize(
    ("quantity", "amount"),
    [("0", "0"), ("1", "1.50"), ("100", "1.50"), ("100.5", "3.00"), ("101", "3.00"), ("200", "3.00"), ("250", "4.50")],
)
def test_package_price_rounds_packages_up(quantity, amount):
    assert calculate_package(ChargeSpec.package(100, D("1.50")), D(quantity)).amount == D(amount)


@pytest.mark.parametrize(
    ("unit_amount", "quantity", "amount"),
    [("0.10", "0", "0"), ("0.10", "3", "0.30"), ("0.000125", "1.5", "0.0001875"), ("0.10", "13250", "1325.00")],
)
def test_per_unit_price_is_quantity_times_unit_amount(unit_amount, quantity, amount):
    result = calculate_per_unit(ChargeSpec.per_unit(D(unit_amount)), D(quantity))
    assert result.amount == D(amount)
    assert result.tiers == ()


@pytest.mark.parametrize(("periods", "amount"), [("1", "49.00"), ("0.5", "24.500"), ("0", "0")])
def test_flat_fee_times_periods(periods, amount):
    assert calculate_flat(ChargeSpec.flat(D("49.00")), D(periods)).amount == D(amount)


def test_flat_fee_defaults_to_one_period():
    assert calculate_flat(ChargeSpec.flat(D("49.00"))).amount == D("49.00")


@pytest.mark.parametrize(
    ("spec", "amount"),
    [
        (ChargeSpec.flat(D("49")), "49"),
        (ChargeSpec.per_unit(D("0.10")), "0.60"),
        (ChargeSpec.package(5, D("2")), "4"),
        (ChargeSpec.tiered(STRIPE), "41.50"),
        (ChargeSpec.volume(STRIPE), "39.00"),
    ],
)
def test_calculate_dispatches_on_the_specs_model(spec, amount):
    result = calculate(spec, D(6) if spec.model != PricingModel.FLAT else D(1))
    assert result.model == spec.model
    assert result.amount == D(amount)


def test_amounts_are_exact_even_beyond_the_default_decimal_precision():
    result = calculate_per_unit(ChargeSpec.per_unit(D("123456789012.123456789012")), D("123456789012345.123456789"))
    assert result.amount == D("15241578753211333348685087.763772399891672002468")


@pytest.mark.parametrize(
    "spec", [ChargeSpec.per_unit(D(1)), ChargeSpec.tiered(FIRST_TIER_FEE), ChargeSpec.package(10, D(1))]
)
def test_a_negative_quantity_prices_as_zero(spec):
    assert calculate(spec, D(-5)) == calculate(spec, D(0))


def test_quantity_must_be_a_decimal_never_a_float():
    with pytest.raises(TypeError):
        calculate(ChargeSpec.per_unit(D(1)), 1.5)


def test_quantity_must_be_finite():
    with pytest.raises(ValueError, match="finite"):
        calculate(ChargeSpec.per_unit(D(1)), D("NaN"))


def test_integer_quantities_are_accepted():
    assert calculate(ChargeSpec.per_unit(D("0.5")), 3).amount == D("1.5")


def test_the_engine_refuses_tiers_that_break_the_rules():
    with pytest.raises(ValueError, match="open tier"):
        calculate_tiered(ChargeSpec.tiered([TierSpec(10)]), D(1))


# -- spec rules ---------------------------------------------------------------------


def problems(spec):
    return [(p.path, p.message) for p in spec_problems(spec)]


@pytest.mark.parametrize(
    "spec",
    [
        ChargeSpec.flat(D(0)),
        ChargeSpec.per_unit(D("0.1")),
        ChargeSpec.package(1, D(0)),
        ChargeSpec.tiered([TierSpec(None)]),
        ChargeSpec.volume(STRIPE),
        ChargeSpec.tiered(LAGO),
    ],
)
def test_valid_specs_have_no_problems(spec):
    assert problems(spec) == []


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (
            ChargeSpec(PricingModel.PER_UNIT),
            [(("unit_amount",), FIELD_REQUIRED.format(field="unit_amount", model="per_unit"))],
        ),
        (
            ChargeSpec(PricingModel.PACKAGE, package_amount=D(1)),
            [(("package_size",), FIELD_REQUIRED.format(field="package_size", model="package"))],
        ),
        (ChargeSpec.tiered([]), [(("tiers",), FIELD_REQUIRED.format(field="tiers", model="tiered"))]),
        (
            ChargeSpec(PricingModel.PER_UNIT, unit_amount=D(1), tiers=(TierSpec(None),)),
            [(("tiers",), FIELD_NOT_ALLOWED.format(field="tiers", model="per_unit"))],
        ),
        (
            ChargeSpec(PricingModel.VOLUME, package_size=3, tiers=(TierSpec(None),)),
            [(("package_size",), FIELD_NOT_ALLOWED.format(field="package_size", model="volume"))],
        ),
        (ChargeSpec.per_unit(D("-0.01")), [(("unit_amount",), AMOUNT_NEGATIVE)]),
        (ChargeSpec.package(0, D(1)), [(("package_size",), PACKAGE_SIZE_NOT_POSITIVE)]),
        (
            ChargeSpec.tiered([TierSpec(10), TierSpec(None, flat_amount=D(-1))]),
            [(("tiers", 1, "flat_amount"), AMOUNT_NEGATIVE)],
        ),
        (
            ChargeSpec.tiered([TierSpec(10), TierSpec(10), TierSpec(None)]),
            [(("tiers", 1, "up_to"), TIERS_NOT_INCREASING)],
        ),
        (
            ChargeSpec.volume([TierSpec(10), TierSpec(5), TierSpec(None)]),
            [(("tiers", 1, "up_to"), TIERS_NOT_INCREASING)],
        ),
        (ChargeSpec.tiered([TierSpec(None), TierSpec(None)]), [(("tiers", 0, "up_to"), ONLY_LAST_TIER_OPEN)]),
        (ChargeSpec.tiered([TierSpec(10), TierSpec(20)]), [(("tiers", 1, "up_to"), LAST_TIER_MUST_BE_OPEN)]),
        (ChargeSpec.tiered([TierSpec(0), TierSpec(None)]), [(("tiers", 0, "up_to"), TIER_BOUND_INVALID)]),
        # Bounds (issue #11, item 6): prices below 10^9 with at most 12 decimal places,
        # package sizes up to 10^9 and tier bounds of at most 15 digits.
        (ChargeSpec.per_unit(D("1e9")), [(("unit_amount",), AMOUNT_TOO_LARGE)]),
        (ChargeSpec.per_unit(D("1e1000000")), [(("unit_amount",), AMOUNT_TOO_LARGE)]),
        (ChargeSpec.per_unit(D("1e-1000000")), [(("unit_amount",), AMOUNT_TOO_PRECISE)]),
        (ChargeSpec.per_unit(D("NaN")), [(("unit_amount",), AMOUNT_NEGATIVE)]),
        (ChargeSpec.package(10, D("1000000000.5")), [(("package_amount",), AMOUNT_TOO_LARGE)]),
        (ChargeSpec.package(1_000_000_001, D(1)), [(("package_size",), PACKAGE_SIZE_NOT_POSITIVE)]),
        (
            ChargeSpec.volume([TierSpec(10), TierSpec(None, flat_amount=D("0.0000000000001"))]),
            [(("tiers", 1, "flat_amount"), AMOUNT_TOO_PRECISE)],
        ),
        (ChargeSpec.tiered([TierSpec(10**15), TierSpec(None)]), [(("tiers", 0, "up_to"), TIER_BOUND_INVALID)]),
    ],
)
def test_spec_problems_name_the_place_and_the_rule(spec, expected):
    assert problems(spec) == expected


def test_the_largest_prices_and_bounds_are_fine():
    top = D("999999999.999999999999")
    assert spec_problems(ChargeSpec.per_unit(top)) == []
    assert spec_problems(ChargeSpec.package(1_000_000_000, top)) == []
    assert spec_problems(ChargeSpec.tiered([TierSpec(999_999_999_999_999, top, top), TierSpec(None)])) == []
    assert spec_problems(ChargeSpec.per_unit(D("1.500000000000000000000"))) == []  # trailing zeros do not count


def test_spec_problems_reports_every_problem():
    spec = ChargeSpec.tiered([TierSpec(None), TierSpec(10, D(-1)), TierSpec(5)])
    assert problems(spec) == [
        (("tiers", 1, "unit_amount"), AMOUNT_NEGATIVE),
        (("tiers", 0, "up_to"), ONLY_LAST_TIER_OPEN),
        (("tiers", 2, "up_to"), LAST_TIER_MUST_BE_OPEN),
        (("tiers", 2, "up_to"), TIERS_NOT_INCREASING),
    ]


# -- properties ---------------------------------------------------------------------

amounts = st.decimals(min_value=0, max_value=10_000, places=6)
quantities = st.decimals(min_value=0, max_value=10_000_000, places=4)


@st.composite
def tier_lists(draw: st.DrawFn) -> tuple[TierSpec, ...]:
    bounds = sorted(draw(st.sets(st.integers(min_value=1, max_value=1_000_000), max_size=5)))
    return tuple(TierSpec(up_to, draw(amounts), draw(amounts)) for up_to in [*bounds, None])


specs = st.one_of(
    amounts.map(ChargeSpec.per_unit),
    st.builds(ChargeSpec.package, st.integers(min_value=1, max_value=10_000), amounts),
    tier_lists().map(ChargeSpec.tiered),
    tier_lists().map(ChargeSpec.volume),
)


@given(specs, st.decimals(min_value=-1_000, max_value=10_000_000, places=4))
def test_property_a_price_is_never_negative(spec, quantity):
    assert calculate(spec, quantity).amount >= 0


@given(specs)
def test_property_generated_specs_are_valid(spec):
    assert spec_problems(spec) == []


@given(tier_lists(), quantities)
def test_property_tiered_is_the_sum_of_its_breakdown(tiers, quantity):
    result = calculate_tiered(ChargeSpec.tiered(tiers), quantity)
    assert result.amount == sum(line.amount for line in result.tiers)
    assert sum(line.quantity for line in result.tiers) == quantity
    assert all(line.amount == line.quantity * line.unit_amount + line.flat_amount for line in result.tiers)


@given(tier_lists(), quantities)
def test_property_tiered_equals_volume_within_the_first_tier(tiers, quantity):
    first = tiers[0].up_to
    assume(first is None or quantity <= first)
    assert (
        calculate_tiered(ChargeSpec.tiered(tiers), quantity).amount
        == calculate_volume(ChargeSpec.volume(tiers), quantity).amount
    )


@given(amounts, amounts, quantities)
def test_property_tiered_equals_volume_with_a_single_tier(unit, flat, quantity):
    tiers = (TierSpec(None, unit, flat),)
    assert (
        calculate_tiered(ChargeSpec.tiered(tiers), quantity).amount
        == calculate_volume(ChargeSpec.volume(tiers), quantity).amount
    )


@given(st.one_of(specs.filter(lambda s: s.model != PricingModel.VOLUME)), quantities, quantities)
def test_property_graduated_per_unit_and_package_never_fall_as_quantity_rises(spec, a, b):
    low, high = sorted((a, b))
    assert calculate(spec, low).amount <= calculate(spec, high).amount


@given(tier_lists(), quantities)
def test_property_volume_prices_every_unit_at_one_tier(tiers, quantity):
    result = calculate_volume(ChargeSpec.volume(tiers), quantity)
    (line,) = result.tiers
    assert line.quantity == quantity
    assert line.from_value == 0 or quantity > line.from_value
    assert line.up_to is None or quantity <= line.up_to
