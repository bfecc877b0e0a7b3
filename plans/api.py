"""Meters and plans (API.md, "Catalog: meters and plans"): parse, call a service, render."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from plans import selectors, services
from plans.dimensions import MAX_FILTER_PROPERTIES, MAX_FILTER_VALUES, MAX_GROUP_BY, MAX_NAME_LENGTH, MAX_VALUE_LENGTH
from plans.filtersets import MeterFilterSet, PlanFilterSet
from plans.models import Charge, Meter, Plan
from plans.money import format_price
from plans.pricing import (
    AMOUNT_NEGATIVE,
    AMOUNT_TOO_LARGE,
    AMOUNT_TOO_PRECISE,
    MAX_PACKAGE_SIZE,
    MAX_TIER_UP_TO,
    PACKAGE_SIZE_NOT_POSITIVE,
    PRICE_DECIMAL_PLACES,
    PRICE_MAX_INTEGER_DIGITS,
    TIER_BOUND_INVALID,
    ChargeSpec,
    PricingModel,
    TierSpec,
)
from plans.serializers import CatalogEntryInput, PriceOutput
from plans.services import PLAN_PRICES_IMMUTABLE, ChargeDraft, FilterDraft
from tenants.fields import StrictDecimalField, StrictIntegerField
from tenants.inputs import CurrencyField, JsonInput
from tenants.scoping import DetailApi, DetailUpdateApi, ListCreateApi, TenantScopedApi

AMOUNT_INVALID = 'Amounts are decimal strings, like "12.50".'
TRIAL_DAYS_RANGE = "trial_days must be a whole number from 0 to 3650."
MAX_TRIAL_DAYS = 3650


class PriceInput(StrictDecimalField):
    """An amount ≥ 0 below 10^9 with at most 12 decimal places (trailing zeros do not
    count: "0.10000000000000" is 0.1), parsed by the one decimal parser
    (`tenants.decimals`), with the module's messages. A decimal string only, never a
    JSON number (a float has lost digits on its way here)."""

    def __init__(self, **kwargs: Any) -> None:
        messages: dict[str, Any] = {
            "invalid": AMOUNT_INVALID,
            "min_value": AMOUNT_NEGATIVE,
            "max_decimal_places": AMOUNT_TOO_PRECISE,
            "max_whole_digits": AMOUNT_TOO_LARGE,
        }
        super().__init__(
            integer_digits=PRICE_MAX_INTEGER_DIGITS,
            decimal_places=PRICE_DECIMAL_PLACES,
            strings_only=True,
            min_value=Decimal(0),
            error_messages=messages,
            **kwargs,
        )


# -- meters -------------------------------------------------------------------------


class MeterOutput(serializers.ModelSerializer):
    property = serializers.SerializerMethodField()

    class Meta:
        model = Meter
        fields = ["id", "code", "name", "aggregation", "property", "created_at"]

    def get_property(self, meter: Meter) -> str | None:
        return meter.property or None


class MeterListCreateApi(ListCreateApi):
    model = Meter
    serializer_class = MeterOutput
    filterset_class = MeterFilterSet

    @extend_schema_serializer(component_name="MeterCreateInput")
    class Input(CatalogEntryInput):
        aggregation = serializers.ChoiceField(choices=Meter.Aggregation.choices)
        property = serializers.CharField(max_length=200, required=False, allow_null=True, allow_blank=True)

    def create(self, data: dict[str, Any]) -> Meter:
        return services.meter_create(tenant=self.tenant, **data)


class MeterDetailApi(DetailApi):
    model = Meter
    serializer_class = MeterOutput
    lookup_url_kwarg = "meter_id"
    not_found = services.METER_NOT_FOUND


# -- plans --------------------------------------------------------------------------


class TierOutput(serializers.Serializer):
    up_to = serializers.IntegerField(allow_null=True)
    unit_amount = serializers.CharField()
    flat_amount = serializers.CharField()


def _price_fields(spec: ChargeSpec, currency: str) -> dict[str, Any]:
    """A spec's pricing fields as the API shows them (a charge's, a filter's)."""

    def price(amount: Decimal | None) -> str | None:
        return None if amount is None else format_price(amount, currency)

    tiers = [
        {"up_to": t.up_to, "unit_amount": price(t.unit_amount), "flat_amount": price(t.flat_amount)} for t in spec.tiers
    ]
    return {
        "model": spec.model.value,
        "unit_amount": price(spec.unit_amount),
        "package_size": spec.package_size,
        "package_amount": price(spec.package_amount),
        "tiers": tiers if spec.model in (PricingModel.TIERED, PricingModel.VOLUME) else None,
    }


class FilterOutput(serializers.Serializer):
    name = serializers.CharField()
    properties = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    model = serializers.ChoiceField(choices=Charge.Model.choices)
    unit_amount = serializers.CharField(allow_null=True)
    package_size = serializers.IntegerField(allow_null=True)
    package_amount = serializers.CharField(allow_null=True)
    tiers = TierOutput(many=True, allow_null=True)


class ChargeOutput(serializers.Serializer):
    id = serializers.UUIDField()
    meter = serializers.CharField(source="meter.code", help_text="The meter's code")
    meter_id = serializers.UUIDField()
    model = serializers.ChoiceField(choices=Charge.Model.choices)
    unit_amount = PriceOutput("unit_amount", allow_null=True)
    package_size = serializers.IntegerField(allow_null=True)
    package_amount = PriceOutput("package_amount", allow_null=True)
    tiers = serializers.SerializerMethodField()
    filters = serializers.SerializerMethodField()
    group_by = serializers.ListField(child=serializers.CharField())

    @extend_schema_field(TierOutput(many=True, allow_null=True))
    def get_tiers(self, charge: Charge) -> list[dict[str, Any]] | None:
        tiers: list[dict[str, Any]] | None = _price_fields(charge.to_spec(), charge.currency)["tiers"]
        return tiers

    @extend_schema_field(FilterOutput(many=True))
    def get_filters(self, charge: Charge) -> list[dict[str, Any]]:
        dims = charge.dimensions()
        if dims is None:
            return []
        return [
            {
                "name": f.name,
                "properties": dict(charge.filters[i]["properties"]),
                **_price_fields(f.spec, charge.currency),
            }
            for i, f in enumerate(dims.filters)
        ]


# A plan's own fields, as the API and the admin show them (beside its id and charges).
PLAN_FIELDS = ("code", "name", "description", "currency", "interval", "amount", "trial_days", "active", "created_at")


class ThresholdOutput(serializers.Serializer):
    amount = serializers.CharField(help_text="Usage charges so far at which a threshold invoice is issued")


class PlanOutput(serializers.ModelSerializer):
    amount = PriceOutput("amount")
    charges = ChargeOutput(many=True)
    usage_thresholds = serializers.SerializerMethodField(help_text="Progressive billing, ascending")
    minimum_amount = PriceOutput("minimum_amount", help_text="Minimum commitment per period (0: none)")

    class Meta:
        model = Plan
        fields = ["id", *PLAN_FIELDS, "charges", "usage_thresholds", "minimum_amount"]

    @extend_schema_field(ThresholdOutput(many=True))
    def get_usage_thresholds(self, plan: Plan) -> list[dict[str, str]]:
        return [{"amount": format_price(amount, plan.currency)} for amount in plan.usage_thresholds]


class ThresholdInput(JsonInput):
    # The plan refuses 0 with `not_positive`; `positive` says so in the schema.
    amount = PriceInput(help_text="> 0; each amount once", positive=True)

    def validate(self, attrs: dict[str, Any]) -> Decimal:
        return Decimal(attrs["amount"])


class TierInput(JsonInput):
    up_to = StrictIntegerField(
        min_value=1,
        max_value=MAX_TIER_UP_TO,
        allow_null=True,
        default=None,
        error_messages={
            "invalid": TIER_BOUND_INVALID,
            "min_value": TIER_BOUND_INVALID,
            "max_value": TIER_BOUND_INVALID,
        },
        help_text="Inclusive upper bound; null for the last tier only",
    )
    unit_amount = PriceInput(default=Decimal(0))
    flat_amount = PriceInput(default=Decimal(0))

    def validate(self, attrs: dict[str, Any]) -> TierSpec:
        return TierSpec(**attrs)


class PriceFieldsInput(JsonInput):
    # A charge's pricing fields: the charge's own, and each of its filters'.
    model = serializers.ChoiceField(choices=Charge.Model.choices)
    unit_amount = PriceInput(required=False, allow_null=True, help_text="per_unit")
    package_size = StrictIntegerField(
        min_value=1,
        max_value=MAX_PACKAGE_SIZE,
        required=False,
        allow_null=True,
        error_messages={
            "invalid": PACKAGE_SIZE_NOT_POSITIVE,
            "min_value": PACKAGE_SIZE_NOT_POSITIVE,
            "max_value": PACKAGE_SIZE_NOT_POSITIVE,
        },
        help_text="package",
    )
    package_amount = PriceInput(required=False, allow_null=True, help_text="package")
    tiers = TierInput(many=True, required=False, allow_null=True, help_text="tiered and volume")


def _spec(attrs: dict[str, Any]) -> ChargeSpec:
    return ChargeSpec(
        model=PricingModel(attrs["model"]),
        unit_amount=attrs.get("unit_amount"),
        package_size=attrs.get("package_size"),
        package_amount=attrs.get("package_amount"),
        tiers=tuple(attrs.get("tiers") or ()),
    )


# The shapes `plans.dimensions` checks, stated in the schema (the service checks them
# again with its own messages and codes). OpenAPI 3.0 cannot bound an object's keys: a
# property name's rules (1 to MAX_NAME_LENGTH characters, no surrounding blanks) are
# the service's alone.
_DIMENSION_NAME = {"type": "string", "minLength": 1, "maxLength": MAX_NAME_LENGTH, "pattern": r"^\S(?:.*\S)?$"}


@extend_schema_field(
    {
        "type": "object",
        "minProperties": 1,
        "maxProperties": MAX_FILTER_PROPERTIES,
        "additionalProperties": {
            "type": "array",
            "items": {"type": "string", "minLength": 1, "maxLength": MAX_VALUE_LENGTH},
            "minItems": 1,
            "maxItems": MAX_FILTER_VALUES,
            "uniqueItems": True,
        },
    }
)
class FilterPropertiesField(serializers.JSONField):
    pass


@extend_schema_field({"type": "array", "items": _DIMENSION_NAME, "maxItems": MAX_GROUP_BY, "uniqueItems": True})
class GroupByField(serializers.JSONField):
    pass


class FilterInput(PriceFieldsInput):
    """A filter of a charge: the events whose properties match are priced by its own fields."""

    name = serializers.CharField(max_length=MAX_NAME_LENGTH, help_text="Unique in the charge; shown on its lines")
    properties = FilterPropertiesField(
        help_text='{"region": ["eu", "us"]}: matches when each listed property is one of its values'
    )

    def validate(self, attrs: dict[str, Any]) -> FilterDraft:
        return FilterDraft(name=attrs["name"], properties=attrs["properties"], spec=_spec(attrs))


class ChargeInput(PriceFieldsInput):
    """Fields beyond the model's are refused by the service (`plans.pricing.spec_problems`)."""

    meter = serializers.CharField(max_length=100, help_text="The code of a meter of the tenant")
    filters = FilterInput(many=True, required=False, help_text="Dimensions: the first matching filter prices an event")
    group_by = GroupByField(
        required=False, help_text='Dimensions: property names, one line per distinct value tuple: ["workspace"]'
    )

    def validate(self, attrs: dict[str, Any]) -> ChargeDraft:
        return ChargeDraft(
            meter=attrs["meter"],
            spec=_spec(attrs),
            filters=tuple(attrs.get("filters") or ()),
            group_by=attrs.get("group_by") or (),
        )


class PlanApi(TenantScopedApi):
    # The plan routes' base: plans with their charges.
    model = Plan
    serializer_class = PlanOutput

    def get_queryset(self) -> Any:
        return self.scoped().prefetch_related(selectors.charges_prefetch())


class PlanListCreateApi(PlanApi, ListCreateApi):
    filterset_class = PlanFilterSet

    @extend_schema_serializer(component_name="PlanCreateInput")
    class Input(CatalogEntryInput):
        description = serializers.CharField(max_length=5000, allow_blank=True, required=False)
        currency = CurrencyField(required=False, help_text="ISO 4217; the tenant's default if omitted")
        interval = serializers.ChoiceField(choices=Plan.Interval.choices)
        amount = PriceInput(required=False, help_text="The flat fee per interval (default 0)")
        trial_days = StrictIntegerField(
            min_value=0,
            max_value=MAX_TRIAL_DAYS,
            required=False,
            error_messages={"invalid": TRIAL_DAYS_RANGE, "min_value": TRIAL_DAYS_RANGE, "max_value": TRIAL_DAYS_RANGE},
        )
        active = serializers.BooleanField(required=False)
        charges = ChargeInput(many=True, required=False)
        usage_thresholds = ThresholdInput(
            many=True, required=False, help_text="Progressive billing: a threshold invoice as usage reaches each"
        )
        minimum_amount = PriceInput(required=False, help_text="Minimum commitment per period (default 0)")

    def create(self, data: dict[str, Any]) -> Plan:
        return services.plan_create(tenant=self.tenant, **data)


def _immutable() -> serializers.JSONField:
    # Declared only so that the service sees the attempt and answers 409.
    return serializers.JSONField(required=False, allow_null=True, write_only=True, help_text=PLAN_PRICES_IMMUTABLE)


class PlanDetailApi(PlanApi, DetailUpdateApi):
    lookup_url_kwarg = "plan_id"
    not_found = services.PLAN_NOT_FOUND

    @extend_schema_serializer(component_name="PlanUpdateInput")
    class PatchInput(JsonInput):
        name = serializers.CharField(max_length=200, required=False)
        description = serializers.CharField(max_length=5000, allow_blank=True, required=False)
        active = serializers.BooleanField(required=False)
        code = _immutable()
        currency = _immutable()
        interval = _immutable()
        amount = _immutable()
        trial_days = _immutable()
        charges = _immutable()
        usage_thresholds = _immutable()
        minimum_amount = _immutable()

    def update(self, obj: Plan, data: dict[str, Any]) -> Plan:
        return services.plan_update(tenant=self.tenant, plan=obj, data=data)
