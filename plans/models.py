"""The catalog: meters (how usage adds up), plans (what it costs), tax rates (what
is added on top) and coupons (what is taken off).

Prices are immutable once a plan exists: a price change is a new plan, so invoices of
past periods can always be explained by the plan they were computed from. Services in
`plans.services` are the only writers; `Charge.to_spec()` and `Plan.flat_spec()` turn
rows into the pure definitions that `plans.pricing` prices.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any, ClassVar

from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from plans.dimensions import Dimensions, FilterSpec
from plans.money import format_price, format_quantity
from plans.pricing import ChargeSpec, PricingModel, TierSpec
from plans.taxes import PERCENTAGE_DECIMAL_PLACES, PERCENTAGE_MAX, TaxRateSpec
from tenants.models import TenantOwnedModel
from tenants.validators import validate_currency_code

MONEY_MAX_DIGITS = 24
MONEY_DECIMAL_PLACES = 12


def money_field(**kwargs: Any) -> models.DecimalField:
    """A price: up to 12 digits before and 12 after the point, never negative."""
    return models.DecimalField(
        max_digits=MONEY_MAX_DIGITS,
        decimal_places=MONEY_DECIMAL_PLACES,
        validators=[MinValueValidator(Decimal(0))],
        **kwargs,
    )


class CatalogEntry(TenantOwnedModel):
    """What the catalog holds (meters, plans, tax rates, coupons): each has a `code`,
    unique in the tenant, that the API and other rows name it by; listed newest first."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        abstract = True
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["tenant", "code"], name="%(app_label)s_%(class)s_unique_code")]


class Meter(CatalogEntry):
    """How usage events of one kind add up over a billing period.

    `count` counts events, `sum` adds their `value`, `max` keeps the largest `value`,
    `unique_count` counts distinct values of `properties[property]`. The `code` is what
    usage events and plan charges name the meter by.
    """

    class Aggregation(models.TextChoices):
        COUNT = "count", "Count"
        SUM = "sum", "Sum"
        MAX = "max", "Max"
        UNIQUE_COUNT = "unique_count", "Unique count"

    code = models.SlugField(max_length=100, help_text="Unique in the tenant; usage events name the meter by it")
    name = models.CharField(max_length=200)
    aggregation = models.CharField(max_length=20, choices=Aggregation.choices)
    property = models.CharField(
        max_length=200,
        blank=True,
        default="",
        help_text="The event property whose distinct values unique_count counts; empty for the others",
    )

    class Meta(CatalogEntry.Meta):
        constraints = [
            *CatalogEntry.Meta.constraints,
            models.CheckConstraint(
                condition=Q(aggregation__in=["count", "sum", "max", "unique_count"]),
                name="plans_meter_aggregation_valid",
            ),
            models.CheckConstraint(
                condition=~Q(aggregation="unique_count") | ~Q(property=""),
                name="plans_meter_unique_count_has_property",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class Plan(CatalogEntry):
    """A recurring price: a flat `amount` per `interval` plus the usage charges.

    Only `name`, `description` and `active` change after creation (an inactive plan
    takes no new subscriptions); the price fields and charges never do, nor the
    `usage_thresholds` (progressive billing) and the `minimum_amount` (a commitment per
    period): a new version of a plan is a new plan.
    """

    class Interval(models.TextChoices):
        MONTH = "month", "Month"
        YEAR = "year", "Year"

    code = models.SlugField(max_length=100, help_text="Unique in the tenant")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    currency = models.CharField(max_length=3, validators=[validate_currency_code], help_text="ISO 4217, upper case")
    interval = models.CharField(max_length=10, choices=Interval.choices)
    amount = money_field(help_text="The flat fee per interval")
    trial_days = models.PositiveIntegerField(default=0)
    active = models.BooleanField(default=True, help_text="Inactive plans take no new subscriptions")
    usage_thresholds = ArrayField(
        money_field(),
        default=list,
        blank=True,
        help_text="Progressive billing: usage amounts (> 0, ascending) at which a threshold invoice is issued",
    )
    minimum_amount = money_field(
        default=Decimal(0), help_text="Minimum commitment per period: the closing invoice trues the period up to it"
    )

    class Meta(CatalogEntry.Meta):
        constraints = [
            *CatalogEntry.Meta.constraints,
            models.CheckConstraint(condition=Q(interval__in=["month", "year"]), name="plans_plan_interval_valid"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="plans_plan_amount_not_negative"),
            models.CheckConstraint(condition=Q(minimum_amount__gte=0), name="plans_plan_minimum_not_negative"),
        ]

    def __str__(self) -> str:
        return self.code

    def flat_spec(self) -> ChargeSpec:
        """The flat fee as a pricing spec: price it with quantity 1 per period (or the
        elapsed fraction of a period when prorating)."""
        return ChargeSpec.flat(self.amount)


class Charge(TenantOwnedModel):
    """A usage charge of a plan: the meter's aggregate over the period, priced by `model`.

    Which price fields are set depends on the model (the check constraint says so):
    `per_unit` has `unit_amount`; `package` has `package_size` and `package_amount`;
    `tiered` and `volume` have `tiers`.

    Tiers are a JSON list on the charge rather than a Tier model: they are a value of
    the charge (immutable, always read and written whole, never queried or referenced
    one by one), their order is their meaning, and their rules (increasing bounds, only
    the last open) span several tiers, so a row per tier would not let the database
    enforce them anyway. Each tier is `{"up_to": int | null, "unit_amount": "decimal",
    "flat_amount": "decimal"}` with the decimals as strings, never floats; services
    validate them (`plans.pricing.spec_problems`) before anything is stored.
    """

    class Model(models.TextChoices):
        PER_UNIT = PricingModel.PER_UNIT.value, "Per unit"
        TIERED = PricingModel.TIERED.value, "Tiered (graduated)"
        VOLUME = PricingModel.VOLUME.value, "Volume"
        PACKAGE = PricingModel.PACKAGE.value, "Package"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="charges")
    meter = models.ForeignKey(Meter, on_delete=models.PROTECT, related_name="charges")
    position = models.PositiveSmallIntegerField(default=0, help_text="Order of the charge in its plan")
    model = models.CharField(max_length=20, choices=Model.choices)
    unit_amount = money_field(null=True, blank=True, help_text="per_unit: price of one unit")
    package_size = models.PositiveIntegerField(null=True, blank=True, help_text="package: units per package")
    package_amount = money_field(null=True, blank=True, help_text="package: price of one package")
    tiers = models.JSONField(default=list, blank=True, help_text="tiered and volume: the tiers, in order")
    filters = models.JSONField(
        default=list,
        blank=True,
        help_text="Dimensions: [{name, properties: {key: [values]}, model and price fields}], the first match prices",
    )
    group_by = ArrayField(
        models.CharField(max_length=100), default=list, blank=True, help_text="Dimensions: one line per value tuple"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["position", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "meter"], name="plans_charge_unique_meter"),
            models.UniqueConstraint(fields=["plan", "position"], name="plans_charge_unique_position"),
            models.CheckConstraint(
                condition=(
                    Q(
                        model="per_unit",
                        unit_amount__isnull=False,
                        package_size__isnull=True,
                        package_amount__isnull=True,
                        tiers=[],
                    )
                    | Q(
                        model="package",
                        unit_amount__isnull=True,
                        package_size__gte=1,
                        package_amount__isnull=False,
                        tiers=[],
                    )
                    | (
                        Q(
                            model__in=["tiered", "volume"],
                            unit_amount__isnull=True,
                            package_size__isnull=True,
                            package_amount__isnull=True,
                        )
                        & ~Q(tiers=[])
                    )
                ),
                name="plans_charge_fields_match_model",
            ),
            models.CheckConstraint(
                condition=Q(unit_amount__isnull=True) | Q(unit_amount__gte=0),
                name="plans_charge_unit_amount_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(package_amount__isnull=True) | Q(package_amount__gte=0),
                name="plans_charge_package_amount_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.model} on {self.meter_id}"

    @property
    def currency(self) -> str:
        return self.plan.currency

    def to_spec(self) -> ChargeSpec:
        """The pure pricing definition of this charge (see `plans.pricing.calculate`).

        Built once per instance: a charge's prices never change (a price change is a
        new plan), and an invoice run prices one charge for hundreds of subscriptions.
        """
        cached: ChargeSpec | None = self.__dict__.get("_spec")
        if cached is None:
            cached = self.__dict__["_spec"] = self._build_spec()
        return cached

    def _build_spec(self) -> ChargeSpec:
        return spec_from_fields(self.model, self.unit_amount, self.package_size, self.package_amount, self.tiers)

    def dimensions(self) -> Dimensions | None:
        """The charge's filters and group_by (`plans.dimensions`); None when it has neither."""
        if not self.filters and not self.group_by:
            return None
        cached: Dimensions | None = self.__dict__.get("_dimensions")
        if cached is None:
            cached = self.__dict__["_dimensions"] = Dimensions(
                filters=tuple(
                    FilterSpec(
                        name=f["name"],
                        properties=tuple((k, tuple(v)) for k, v in sorted(f["properties"].items())),
                        spec=spec_from_fields(
                            f["model"],
                            None if f.get("unit_amount") is None else Decimal(f["unit_amount"]),
                            f.get("package_size"),
                            None if f.get("package_amount") is None else Decimal(f["package_amount"]),
                            f.get("tiers") or [],
                        ),
                    )
                    for f in self.filters
                ),
                group_by=tuple(self.group_by),
            )
        return cached

    @staticmethod
    def filter_row(name: str, properties: dict[str, list[str]], spec: ChargeSpec) -> dict[str, Any]:
        """How a filter is stored in `filters`: its price fields as decimal strings, never floats."""
        fields = Charge.fields_from_spec(spec)
        for key in ("unit_amount", "package_amount"):
            fields[key] = None if fields[key] is None else str(fields[key])
        return {"name": name, "properties": properties, **fields}

    @staticmethod
    def fields_from_spec(spec: ChargeSpec) -> dict[str, Any]:
        """The column values that store `spec` (the inverse of `to_spec`)."""
        return {
            "model": spec.model.value,
            "unit_amount": spec.unit_amount,
            "package_size": spec.package_size,
            "package_amount": spec.package_amount,
            "tiers": [
                {"up_to": t.up_to, "unit_amount": str(t.unit_amount), "flat_amount": str(t.flat_amount)}
                for t in spec.tiers
            ],
        }


def spec_from_fields(
    model: str,
    unit_amount: Decimal | None,
    package_size: int | None,
    package_amount: Decimal | None,
    tiers: list[dict[str, Any]],
) -> ChargeSpec:
    """A pricing spec from the stored price fields (a charge's columns, a filter's keys)."""
    return ChargeSpec(
        model=PricingModel(model),
        unit_amount=unit_amount,
        package_size=package_size,
        package_amount=package_amount,
        tiers=tuple(
            TierSpec(up_to=t["up_to"], unit_amount=Decimal(t["unit_amount"]), flat_amount=Decimal(t["flat_amount"]))
            for t in tiers
        ),
    )


class TaxRate(CatalogEntry):
    """A tax added on top of invoices: per rate, round((subtotal − discount) ×
    percentage / 100), each rate rounded on its own (`plans.taxes`).

    `code` and `percentage` never change (a new rate is a new row; invoices freeze the
    rates they were issued with anyway); `name` and `active` do. An inactive rate
    cannot be put on a list (the tenant's defaults, a customer's rates), but stays on
    the lists it is already on, and applies there until it is taken off (as Stripe's).
    """

    code = models.SlugField(max_length=100, help_text="Unique in the tenant; lists name the rate by it")
    name = models.CharField(max_length=200, help_text='Shown on invoices: "State sales tax"')
    percentage = models.DecimalField(
        max_digits=3 + PERCENTAGE_DECIMAL_PLACES,
        decimal_places=PERCENTAGE_DECIMAL_PLACES,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(PERCENTAGE_MAX)],
        help_text="0 to 100, at most 4 decimal places; never changes",
    )
    active = models.BooleanField(default=True, help_text="Inactive rates cannot be added to a list")

    class Meta(CatalogEntry.Meta):
        constraints = [
            *CatalogEntry.Meta.constraints,
            models.CheckConstraint(
                condition=Q(percentage__gte=0, percentage__lte=100), name="plans_taxrate_percentage_range"
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def to_spec(self) -> TaxRateSpec:
        return TaxRateSpec(code=self.code, name=self.name, percentage=self.percentage)


class TaxRateListEntry(TenantOwnedModel):
    """A place on an ordered list of tax rates: the tenant's defaults (`DefaultTaxRate`)
    or a customer's own (`subscriptions.CustomerTaxRate`). `owner` names the field of
    whose list it is; a rate stands on a list once, a position holds one rate
    (`list_entry_constraints`)."""

    owner: ClassVar[str]

    id = models.BigAutoField(primary_key=True)
    tax_rate = models.ForeignKey(TaxRate, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{getattr(self, f'{self.owner}_id')}: {self.position}. {self.tax_rate_id}"


def list_entry_constraints(owner: str, prefix: str) -> list[models.BaseConstraint]:
    """A `TaxRateListEntry`'s constraints, named `<prefix>_unique_rate` and `_unique_position`."""
    return [
        models.UniqueConstraint(fields=[owner, "tax_rate"], name=f"{prefix}_unique_rate"),
        models.UniqueConstraint(fields=[owner, "position"], name=f"{prefix}_unique_position"),
    ]


class DefaultTaxRate(TaxRateListEntry):
    """One of the tenant's default tax rates, in order (`PATCH /v1/tenants/{tid}`
    `default_tax_rates`): customers without rates of their own, and not exempt, pay
    these."""

    owner = "tenant"

    class Meta:
        ordering = ["tenant", "position"]
        constraints = list_entry_constraints("tenant", "plans_defaulttaxrate")


class Coupon(CatalogEntry):
    """A discount the tenant offers, redeemed by attaching it to a customer (or to one
    of its subscriptions) as a `subscriptions.Discount`.

    Exactly one of `percent_off` (0 < p ≤ 100) and `amount_off` (> 0, in `currency`);
    `duration` says for how long an attached discount applies: `once` (one invoice, or
    for an amount until it is used up), `repeating` (`duration_in_periods` billing
    periods) or `forever`. `plan_ids` (empty: every plan) limits the invoices it
    applies to; `max_redemptions` and `redeem_by` limit how often and until when it
    can be attached (`times_redeemed` counts the attachments). Only `name` and
    `active` change once it exists (an inactive coupon takes no new redemptions;
    discounts already attached keep applying).
    """

    class Duration(models.TextChoices):
        ONCE = "once", "Once"
        REPEATING = "repeating", "Repeating"
        FOREVER = "forever", "Forever"

    # What the coupon gives and to whom: fixed once it exists.
    TERMS = (
        "code", "percent_off", "amount_off", "currency", "duration", "duration_in_periods", "max_redemptions",
        "redeem_by", "plan_ids",
    )  # fmt: skip

    code = models.SlugField(max_length=100, help_text="Unique in the tenant; discounts are attached by it")
    name = models.CharField(max_length=200, help_text="Shown on the invoices' discount lines")
    percent_off = models.DecimalField(
        max_digits=3 + PERCENTAGE_DECIMAL_PLACES,  # like a tax rate's
        decimal_places=PERCENTAGE_DECIMAL_PLACES,
        null=True,
        blank=True,
        help_text="Above 0, at most 100; or amount_off",
    )
    amount_off = money_field(null=True, blank=True, help_text="Above 0, in currency; or percent_off")
    currency = models.CharField(
        max_length=3, blank=True, default="", validators=[validate_currency_code], help_text="amount_off's"
    )
    duration = models.CharField(max_length=10, choices=Duration.choices)
    duration_in_periods = models.PositiveIntegerField(null=True, blank=True, help_text="repeating: how many periods")
    max_redemptions = models.PositiveIntegerField(null=True, blank=True, help_text="Null: no limit")
    times_redeemed = models.PositiveIntegerField(default=0, help_text="How many discounts were attached from it")
    redeem_by = models.DateTimeField(null=True, blank=True, help_text="Business time after which it cannot be attached")
    plan_ids = ArrayField(
        models.UUIDField(), default=list, blank=True, help_text="Plans whose invoices it discounts; empty: every plan"
    )
    active = models.BooleanField(default=True, help_text="Inactive coupons take no new redemptions")

    class Meta(CatalogEntry.Meta):
        constraints = [
            *CatalogEntry.Meta.constraints,
            models.CheckConstraint(
                condition=Q(percent_off__gt=0, percent_off__lte=100, amount_off__isnull=True, currency="")
                | Q(percent_off__isnull=True, amount_off__gt=0) & ~Q(currency=""),
                name="plans_coupon_percent_or_amount",
            ),
            models.CheckConstraint(
                condition=Q(duration="repeating", duration_in_periods__gte=1)
                | Q(duration__in=["once", "forever"], duration_in_periods__isnull=True),
                name="plans_coupon_duration_valid",
            ),
            models.CheckConstraint(
                condition=Q(max_redemptions__isnull=True)
                | Q(max_redemptions__gte=1, times_redeemed__lte=models.F("max_redemptions")),
                name="plans_coupon_redemptions_within_max",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def applies_to_plan(self, plan_id: uuid.UUID) -> bool:
        return not self.plan_ids or plan_id in self.plan_ids

    @property
    def currency_or_none(self) -> str | None:
        return self.currency or None

    @property
    def off(self) -> str:
        """What it takes off: "20 %", "10.00 USD"."""
        if self.amount_off is None:
            return f"{format_quantity(self.percent_off or Decimal(0))} %"
        return f"{format_price(self.amount_off, self.currency)} {self.currency}"
