"""Tax rates and the tenant's default tax rates (API.md Part 2, "Taxes").

`GET/PATCH /v1/tenants/{tid}` (`TenantDetailApi`) is served from here: the tenant's
settings include its default tax rates, which are the catalog's, and tenants, the
first app, may not import the catalog (docs/DESIGN.md, Layout). It renders the tenant
as sign-up does (`tenants.serializers.TenantOutput`) plus `default_tax_rates`.
"""

from __future__ import annotations

from typing import Any, ClassVar

from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from plans import selectors, services
from plans.filtersets import TaxRateFilterSet
from plans.models import TaxRate
from plans.serializers import CatalogEntryInput, CatalogEntryPatchInput, PercentageOutput, percentage_input
from tenants import services as tenant_services
from tenants.inputs import JsonInput, UniqueListField
from tenants.models import DunningFinalAction, Role
from tenants.scoping import DetailUpdateApi, ListCreateApi, TenantScopedApi
from tenants.serializers import TenantOutput as TenantBaseOutput
from tenants.validators import DUNNING_MAX_DAY, DUNNING_MAX_RETRIES

FIXED = "Never changes (400 naming it): create a new tax rate instead."
PERCENTAGE_INVALID = 'percentage is a decimal string from 0 to 100 with at most 4 decimal places, like "8.875".'


def _codes_input(help_text: str) -> UniqueListField:
    return UniqueListField(
        child=serializers.SlugField(max_length=100),
        max_length=services.MAX_TAX_RATES,
        required=False,
        help_text=help_text,
    )


class TaxRateOutput(serializers.ModelSerializer):
    percentage = PercentageOutput()

    class Meta:
        model = TaxRate
        fields = ["id", "code", "name", "percentage", "active", "created_at"]


class TaxRateListCreateApi(ListCreateApi):
    model = TaxRate
    serializer_class = TaxRateOutput
    filterset_class = TaxRateFilterSet

    @extend_schema_serializer(component_name="TaxRateCreateInput")
    class Input(CatalogEntryInput):
        percentage = percentage_input(PERCENTAGE_INVALID, help_text="0 to 100, at most 4 decimal places; never changes")

    def get_queryset(self) -> Any:
        return selectors.tax_rate_list(tenant=self.tenant_id)

    def create(self, data: dict[str, Any]) -> TaxRate:
        return services.tax_rate_create(tenant=self.tenant, **data)


class TaxRateDetailApi(DetailUpdateApi):
    model = TaxRate
    serializer_class = TaxRateOutput
    lookup_url_kwarg = "tax_rate_id"
    not_found = services.TAX_RATE_NOT_FOUND

    @extend_schema_serializer(component_name="TaxRateUpdateInput")
    class PatchInput(CatalogEntryPatchInput):
        # Declared only so that the service sees the attempt and names the field (400).
        code = serializers.JSONField(required=False, write_only=True, help_text=FIXED)
        percentage = serializers.JSONField(required=False, write_only=True, help_text=FIXED)

    def update(self, obj: TaxRate, data: dict[str, Any]) -> TaxRate:
        return services.tax_rate_update(tenant=self.tenant, tax_rate=obj, data=data)


class DunningOutput(serializers.Serializer):
    retry_days = serializers.ListField(
        child=serializers.IntegerField(), help_text="Days after the first failed payment at which it is charged again"
    )
    final_action = serializers.ChoiceField(choices=DunningFinalAction.choices, help_text="After the last retry fails")


@extend_schema_serializer(component_name="TenantDetail")
class TenantOutput(TenantBaseOutput):
    """The tenant as `GET /v1/tenants/{tid}` shows it: sign-up's, with the default tax
    rates and the dunning settings."""

    default_tax_rates = serializers.SerializerMethodField(
        help_text="Codes of the rates that tax customers without rates of their own, in order"
    )
    dunning = serializers.SerializerMethodField()

    class Meta(TenantBaseOutput.Meta):
        fields = [*TenantBaseOutput.Meta.fields, "default_tax_rates", "dunning"]

    def get_default_tax_rates(self, tenant: Any) -> list[str]:
        return [rate.code for rate in selectors.tenant_default_tax_rates(tenant=tenant)]

    @extend_schema_field(DunningOutput)
    def get_dunning(self, tenant: Any) -> dict[str, Any]:
        return {"retry_days": list(tenant.dunning_retry_days), "final_action": tenant.dunning_final_action}


class RetryDayField(serializers.IntegerField):
    # The schema states the bounds (tenants.openapi.AutoSchema); the service checks the
    # whole list, so that every refusal names `dunning.retry_days`.
    openapi_constraints: ClassVar[dict[str, Any]] = {"minimum": 1, "maximum": DUNNING_MAX_DAY}


class RetryDaysField(serializers.ListField):
    openapi_constraints: ClassVar[dict[str, Any]] = {"maxItems": DUNNING_MAX_RETRIES}


@extend_schema_serializer(component_name="TenantDunningInput")
class DunningInput(JsonInput):
    retry_days = RetryDaysField(
        child=RetryDayField(),
        required=False,
        help_text=(
            f"Strictly increasing days from 1 to {DUNNING_MAX_DAY}, "
            f"at most {DUNNING_MAX_RETRIES}; [] for no retries. Default [3, 5, 7]."
        ),
    )
    final_action = serializers.ChoiceField(choices=DunningFinalAction.choices, required=False)


class TenantDetailApi(TenantScopedApi):
    """`GET /v1/tenants/{tid}` (members) with the default tax rates and dunning; `PATCH` (admins) sets them."""

    serializer_class = TenantOutput
    write_role = Role.ADMIN

    @extend_schema_serializer(component_name="TenantUpdateInput")
    class PatchInput(JsonInput):
        default_tax_rates = _codes_input("Codes of active tax rates, in order; [] for none. Replaces the list.")
        dunning = DunningInput(required=False, help_text="Only the given parts change")

    def get(self, request: Request, tenant_id: str) -> Response:
        return Response(TenantOutput(self.tenant).data)

    @extend_schema(request=PatchInput, responses={200: TenantOutput})
    def patch(self, request: Request, tenant_id: str) -> Response:
        data = self.PatchInput.valid(request.data)
        if "default_tax_rates" in data:
            services.tenant_default_tax_rates_set(tenant=self.tenant, codes=data["default_tax_rates"])
        if "dunning" in data:
            tenant_services.tenant_dunning_set(tenant=self.tenant, **data["dunning"])
        return Response(TenantOutput(self.tenant).data)
