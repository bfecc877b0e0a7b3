"""`plans.dimensions`, database-free: which filter an event matches, its bucket, the
lines a period bills and the overlap rules."""

from __future__ import annotations

from decimal import Decimal

import pytest

from plans.dimensions import Bucket, Dimensions, FilterSpec, overlap_problems
from plans.pricing import ChargeSpec

ONE = ChargeSpec.per_unit(Decimal(1))
LARGE = FilterSpec("large", (("model", ("large", "xl")),), ONE)
EU_LARGE = FilterSpec("eu-large", (("model", ("large",)), ("region", ("eu",))), ONE)
EU = FilterSpec("eu", (("region", ("eu",)),), ONE)
NUMBERED = FilterSpec("tier-1", (("tier", ("1",)),), ONE)


@pytest.mark.parametrize(
    ("properties", "expected"),
    [
        ({"model": "large", "region": "eu"}, "large"),  # matches both: the first wins
        ({"model": "small", "region": "eu"}, "eu"),
        ({"model": "small"}, None),
        ({}, None),
        ({"region": None}, None),
        ({"tier": 1}, "tier-1"),  # compared as text, as properties ->> 'tier'
        ({"tier": "1"}, "tier-1"),
    ],
)
def test_the_first_matching_filter_prices_an_event(properties, expected):
    assert Dimensions(filters=(LARGE, EU, NUMBERED)).match(properties) == expected


def test_a_missing_group_property_is_its_own_group():
    dims = Dimensions(filters=(EU,), group_by=("workspace", "model"))
    assert dims.bucket_of({"workspace": "a", "region": "eu"}) == Bucket("eu", ("a", None))
    assert dims.bucket_of({}) == Bucket(None, (None, None))


def test_without_group_by_every_filter_and_the_default_get_a_line_in_order():
    dims = Dimensions(filters=(LARGE, EU))
    assert dims.lines({Bucket(None): Decimal(3)}) == [
        (Bucket("large"), Decimal(0)), (Bucket("eu"), Decimal(0)), (Bucket(None), Decimal(3)),
    ]  # fmt: skip


def test_with_group_by_only_groups_with_events_get_lines_null_last():
    dims = Dimensions(filters=(EU,), group_by=("workspace",))
    found = {Bucket(None, (None,)): Decimal(1), Bucket(None, ("b",)): Decimal(2), Bucket("eu", ("z",)): Decimal(3)}
    assert [b for b, _ in dims.lines(found)] == [Bucket("eu", ("z",)), Bucket(None, ("b",)), Bucket(None, (None,))]


@pytest.mark.parametrize(
    ("filters", "codes"),
    [
        ([LARGE, EU], []),
        ([EU_LARGE, LARGE], []),  # narrower first: reachable
        ([LARGE, EU_LARGE], ["unreachable_filter"]),
        ([EU, FilterSpec("eu2", (("region", ("eu",)),), ONE)], ["ambiguous_filter"]),
        ([FilterSpec("a", (("region", ("eu", "us")),), ONE), FilterSpec("b", (("region", ("us", "eu")),), ONE)],
         ["ambiguous_filter"]),
        ([EU, FilterSpec("eu", (("region", ("us",)),), ONE)], ["duplicate_name"]),
    ],
)  # fmt: skip
def test_overlapping_filters(filters, codes):
    assert [p.code for p in overlap_problems((f.name, f.properties) for f in filters)] == codes
