"""Factories of the catalog, for every app's tests.

The tenant is shared: `ChargeFactory(plan=plan)` puts the charge and a new meter in
`plan.tenant`. `PlanFactory()` has no charges; add them with `add_charge`:

    plan = PlanFactory(tenant=tenant, amount=Decimal("49.00"))
    add_charge(plan, ChargeSpec.per_unit(Decimal("0.10")), meter="api_calls")
    add_charge(plan, ChargeSpec.tiered([TierSpec(1000), TierSpec(None, Decimal("0.002"))]), meter=seats_meter)
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypeVar

import factory
from django.db.models import Model
from django.utils import timezone

from plans.models import Charge, Coupon, Meter, Plan, TaxRate
from plans.pricing import ChargeSpec
from tenants.tests.factories import TenantOwnedFactory, in_tenant

T = TypeVar("T", bound=Model)


class CatalogEntryFactory(TenantOwnedFactory[T]):
    """An entry of the catalog: `code` from `prefix` (`meter_3`), `name` from the code
    ("Meter 3"), created now."""

    class Meta:
        abstract = True

    class Params:
        prefix = "entry"

    code = factory.LazyAttributeSequence(lambda o, n: f"{o.prefix}_{n}")
    name = factory.LazyAttribute(lambda o: o.code.replace("_", " ").title())
    created_at = factory.LazyFunction(timezone.now)


class MeterFactory(CatalogEntryFactory[Meter]):
    class Meta:
        model = Meter

    class Params:
        prefix = "meter"

    aggregation = Meter.Aggregation.COUNT
    property = ""


class PlanFactory(CatalogEntryFactory[Plan]):
    """A monthly USD plan with a 49.00 flat fee, no trial and no charges."""

    class Meta:
        model = Plan

    class Params:
        prefix = "plan"

    description = ""
    currency = "USD"
    interval = Plan.Interval.MONTH
    amount = Decimal("49.00")
    trial_days = 0
    active = True


class TaxRateFactory(CatalogEntryFactory[TaxRate]):
    """An active rate of 10 %."""

    class Meta:
        model = TaxRate

    class Params:
        prefix = "tax"

    percentage = Decimal("10")
    active = True


class CouponFactory(CatalogEntryFactory[Coupon]):
    """An active coupon of 20 % off, forever, on every plan, without limits.
    `CouponFactory(percent_off=None, amount_off=Decimal("10.00"), currency="USD")` for an amount."""

    class Meta:
        model = Coupon

    class Params:
        prefix = "coupon"

    percent_off = Decimal("20")
    amount_off = None
    currency = ""
    duration = Coupon.Duration.FOREVER
    duration_in_periods = None
    max_redemptions = None
    times_redeemed = 0
    redeem_by = None
    plan_ids = factory.LazyFunction(list)
    active = True


class ChargeFactory(TenantOwnedFactory[Charge]):
    """A per_unit charge of 0.10 on a new meter of the plan's tenant."""

    class Meta:
        model = Charge

    plan = in_tenant(PlanFactory)
    meter = in_tenant(MeterFactory)
    position = factory.LazyAttribute(lambda o: o.plan.charges.count())
    model = Charge.Model.PER_UNIT
    unit_amount = Decimal("0.10")
    package_size = None
    package_amount = None
    tiers = factory.LazyFunction(list)
    created_at = factory.LazyFunction(timezone.now)


def add_charge(
    plan: Plan,
    spec: ChargeSpec | None = None,
    *,
    meter: Meter | str | None = None,
    **meter_fields: Any,
) -> Charge:
    """Add a charge priced by `spec` (default per_unit 0.10) to `plan`.

    `meter` is a Meter, or the code of a meter of the plan's tenant (created with
    `meter_fields` if missing), or None for a new meter.
    """
    if isinstance(meter, str):
        found = Meter.objects.for_tenant(plan.tenant_id).filter(code=meter).first()
        meter = found or MeterFactory.create(tenant=plan.tenant, code=meter, **meter_fields)
    elif meter is None:
        meter = MeterFactory.create(tenant=plan.tenant, **meter_fields)
    fields = Charge.fields_from_spec(spec or ChargeSpec.per_unit(Decimal("0.10")))
    return ChargeFactory.create(plan=plan, meter=meter, **fields)
