"""Charge dimensions' grouped totals (`usage_totals_by_dimension`): every aggregation,
filters and groups in one query, against the same events bucketed in Python by
`Dimensions.bucket_of` (the rules of plans.dimensions)."""

from __future__ import annotations

import random
from collections import defaultdict
from decimal import Decimal

import pytest

from plans.dimensions import Bucket, Dimensions, FilterSpec
from plans.models import Meter
from plans.pricing import ChargeSpec
from plans.tests.factories import MeterFactory
from subscriptions.tests.factories import CustomerFactory
from tenants.tests.utils import at
from usage.selectors import UsageWindow, usage_totals_by_dimension
from usage.tests.factories import UsageEventFactory

pytestmark = pytest.mark.django_db

JAN, FEB = at(2026, 1, 1), at(2026, 2, 1)
EU = FilterSpec("eu", (("region", ("eu",)),), ChargeSpec.per_unit(Decimal(1)))
DIMENSIONS = [
    Dimensions(group_by=("workspace",)),
    Dimensions(filters=(EU,)),
    Dimensions(filters=(EU,), group_by=("workspace", "model")),
]


def expected(events, dims: Dimensions, aggregation: str) -> dict[Bucket, Decimal]:
    values: dict[Bucket, list[tuple[Decimal, str | None]]] = defaultdict(list)
    for value, properties in events:
        values[dims.bucket_of(properties)].append((value, properties.get("user")))
    pick = {
        "count": lambda found: Decimal(len(found)),
        "sum": lambda found: sum((v for v, _ in found), Decimal(0)),
        "max": lambda found: max(v for v, _ in found),
        "unique_count": lambda found: Decimal(len({u for _, u in found if u is not None})),
    }[aggregation]
    return {bucket: pick(found) for bucket, found in values.items()}


@pytest.mark.parametrize("aggregation", ["count", "sum", "max", "unique_count"])
@pytest.mark.parametrize("dims", DIMENSIONS, ids=["group_by", "filter", "filter+group_by"])
def test_each_bucket_is_its_aggregation_of_its_events(tenant, aggregation, dims):
    rng = random.Random(f"{aggregation}-{dims}")
    meter = MeterFactory(
        tenant=tenant,
        code=f"m_{aggregation}",
        aggregation=aggregation,
        property="user" if aggregation == Meter.Aggregation.UNIQUE_COUNT else "",
    )
    customers = [CustomerFactory(tenant=tenant, external_id=f"c{i}") for i in range(3)]
    stored: dict[int, list[tuple[Decimal, dict[str, str]]]] = {i: [] for i in range(len(customers))}
    for _ in range(60):
        i = rng.randrange(len(customers))
        properties = {"region": rng.choice(["eu", "us"]), "user": rng.choice(["u1", "u2", "u3"])}
        if rng.random() < 0.8:  # some events lack the group's properties: their group value is null
            properties["workspace"] = rng.choice(["w1", "w2", "w10"])
        if rng.random() < 0.5:
            properties["model"] = rng.choice(["small", "large"])
        value = Decimal(rng.randint(-5, 500)) / 10
        UsageEventFactory(
            customer=customers[i],
            meter=meter,
            value=value,
            timestamp=at(2026, 1, rng.randint(1, 31)),
            properties=properties,
        )
        stored[i].append((value, properties))
    # Outside the window: never counted.
    UsageEventFactory(
        customer=customers[0], meter=meter, value=Decimal(999), timestamp=FEB, properties={"region": "eu"}
    )

    windows = [UsageWindow(c.id, JAN, FEB) for c in customers]
    totals = usage_totals_by_dimension(tenant=tenant.id, windows=windows, charges=[(meter, dims)])

    assert set(totals) == {(w, meter.id, dims) for w in windows}
    for i, window in enumerate(windows):
        found = totals[(window, meter.id, dims)]
        assert found == expected(stored[i], dims, aggregation)
        assert all(type(quantity) is Decimal for quantity in found.values())
