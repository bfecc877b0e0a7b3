"""Coupons (API.md Part 2, "Discounts (coupons)"): parse, call a service, render.

`POST/GET …/coupons`, `GET/PATCH …/coupons/{id}` (name and active only). Customers
redeem them through `…/customers/{id}/discounts` (subscriptions.discount_api).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from plans import coupon_services as services
from plans import selectors
from plans.api import PriceInput
from plans.filtersets import CouponFilterSet
from plans.models import Coupon
from plans.serializers import CatalogEntryInput, CatalogEntryPatchInput, CouponOutput, percentage_input
from tenants.fields import AwareDateTimeField, StrictIntegerField
from tenants.inputs import CurrencyField, UniqueListField
from tenants.scoping import DetailUpdateApi, ListCreateApi, TenantScopedApi

FIXED = "Never changes (400 naming it): create a new coupon instead."
PERCENT_OFF_INVALID = (
    'percent_off is a decimal string above 0 and at most 100 with at most 4 decimal places, like "12.5".'
)
MAX_PERIODS = 1200
MAX_REDEMPTIONS = 1_000_000_000
MAX_PLAN_IDS = 100


def _optional_count(maximum: int, help_text: str) -> StrictIntegerField:
    return StrictIntegerField(required=False, allow_null=True, min_value=1, max_value=maximum, help_text=help_text)


class CouponApi(TenantScopedApi):
    # The coupon routes' resource, newest first.
    model = Coupon
    serializer_class = CouponOutput

    def get_queryset(self) -> Any:
        return selectors.coupon_list(tenant=self.tenant_id)


class CouponListCreateApi(CouponApi, ListCreateApi):
    filterset_class = CouponFilterSet

    @extend_schema_serializer(component_name="CouponCreateInput")
    class Input(CatalogEntryInput):
        percent_off = percentage_input(
            PERCENT_OFF_INVALID,
            required=False,
            allow_null=True,
            help_text="Above 0, at most 100; exactly one of percent_off and amount_off",
        )
        amount_off = PriceInput(
            required=False, allow_null=True, help_text="Above 0, with currency, in its minor unit; or percent_off"
        )
        currency = CurrencyField(required=False, allow_null=True, help_text="With amount_off only")
        duration = serializers.ChoiceField(choices=Coupon.Duration.choices)
        duration_in_periods = _optional_count(MAX_PERIODS, "repeating only (required then): how many billing periods")
        max_redemptions = _optional_count(MAX_REDEMPTIONS, "How many times it can be redeemed; null: no limit")
        redeem_by = AwareDateTimeField(
            required=False, allow_null=True, help_text="RFC 3339; after it (business time) it cannot be redeemed"
        )
        plan_ids = UniqueListField(
            child=serializers.UUIDField(),
            max_length=MAX_PLAN_IDS,
            required=False,
            help_text="Plans whose invoices it discounts; empty: every plan",
        )

    def create(self, data: dict[str, Any]) -> Coupon:
        return services.coupon_create(tenant=self.tenant_id, **data)


class CouponDetailApi(CouponApi, DetailUpdateApi):
    lookup_url_kwarg = "coupon_id"
    not_found = services.COUPON_NOT_FOUND

    @extend_schema_serializer(component_name="CouponUpdateInput")
    class PatchInput(CatalogEntryPatchInput):
        pass

    # Declared only so that the service sees the attempt and names the field (400).
    PatchInput._declared_fields.update(
        {
            field: serializers.JSONField(required=False, allow_null=True, write_only=True, help_text=FIXED)
            for field in services.COUPON_FIXED_FIELDS
        }
    )

    def update(self, obj: Coupon, data: dict[str, Any]) -> Coupon:
        return services.coupon_update(tenant=self.tenant_id, coupon=obj, data=data)
