"""A line's tiers as stored (`calculation.tiers_json`, formatted directly by the
invoice run) are the JSON the encoder makes of them (`bulk.as_jsonb`), for every
model that shows tiers, prorated or not, at the bounds and between them, with flat
fees and fractions; another shape goes through the encoder."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from billing_project.bulk import as_jsonb
from invoices.calculation import Proration, _tiers, tiers_json
from plans.pricing import ChargeSpec, TierSpec, calculate

TIERS = [
    TierSpec(100, Decimal("0"), Decimal("5.00")),
    TierSpec(1_000, Decimal("0.0125")),
    TierSpec(None, Decimal("0.001"), Decimal("1")),
]
QUANTITIES = ["0", "1", "99.5", "100", "100.000001", "1000", "1001", "123456789.123456789012"]


@pytest.mark.parametrize("spec", [ChargeSpec.tiered(TIERS), ChargeSpec.volume(TIERS)], ids=["tiered", "volume"])
@pytest.mark.parametrize("proration", [None, Proration(1, 3)], ids=["whole", "third"])
@pytest.mark.parametrize("quantity", QUANTITIES)
def test_the_formatted_tiers_are_the_encoders(spec, proration, quantity):
    tiers = _tiers(calculate(spec, Decimal(quantity)), "USD", proration)
    assert tiers  # the case shows tiers
    text = tiers_json(tiers)
    assert text == as_jsonb(tiers)
    assert json.loads(text) == tiers


def test_no_tiers_and_other_shapes_go_through_the_encoder():
    assert tiers_json([]) == "[]"
    other = [{"from": 0, "up_to": None, "quantity": "1"}]
    assert tiers_json(other) == as_jsonb(other)
