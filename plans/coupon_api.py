"""Coupons (API.md Part 2, "Discounts (coupons)"): parse, call a service, render.

`POST/GET …/coupons`, `GET/PATCH …/coupons/{id}` (name and active only). Customers
redeem them through `…/customers/{id}/discounts` (subscriptions.discount_api).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from plans import coupon_services as services
from plans import selectors
from plans.api import PriceInput
from plans.filtersets import CouponFilterSet
from plans.models import PERCENT_OFF_DECIMAL_PLACES, PERCENT_OFF_MAX, Coupon
from plans.serializers import CouponOutput
from tenants.fields import AwareDateTimeField, StrictDecimalField, StrictIntegerField
from tenants.inputs import CurrencyField, JsonInput, UniqueListField
from tenants.scoping import TenantScopedApi

FIXED = "Never changes (400 naming it): create a new coupon instead."
PERCENT_OFF_INVALID = (
    'percent_off is a decimal string above 0 and at most 100 with at most 4 decimal places, like "12.5".'
)
MAX_PERIODS = 1200
MAX_REDEMPTIONS = 1_000_000_000
MAX_PLAN_IDS = 100


def _optional_count(maximum: int, help_text: str) -> StrictIntegerField:
    return StrictIntegerField(required=False, allow_null=True, min_value=1, max_value=maximum, help_text=help_text)


class CouponListCreateApi(TenantScopedApi):
    model = Coupon
    serializer_class = CouponOutput
    filterset_class = CouponFilterSet

    @extend_schema_serializer(component_name="CouponCreateInput")
    class Input(JsonInput):
        code = serializers.SlugField(max_length=100)
        name = serializers.CharField(max_length=200)
        percent_off = StrictDecimalField(
            integer_digits=3,
            decimal_places=PERCENT_OFF_DECIMAL_PLACES,
            strings_only=True,
            min_value=Decimal(0),
            max_value=PERCENT_OFF_MAX,
            required=False,
            allow_null=True,
            error_messages=dict.fromkeys(
                ("invalid", "min_value", "max_value", "max_decimal_places", "max_whole_digits", "max_digits"),
                PERCENT_OFF_INVALID,
            ),
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

    def get_queryset(self) -> Any:
        return selectors.coupon_list(tenant=self.tenant_id)

    @extend_schema(responses=CouponOutput(many=True))
    def get(self, request: Request, tenant_id: str) -> Response:
        return self.list_response(lambda page: CouponOutput(page, many=True).data)

    @extend_schema(request=Input, responses={201: CouponOutput})
    def post(self, request: Request, tenant_id: str) -> Response:
        data = self.Input.valid(request.data)
        coupon = services.coupon_create(tenant=self.tenant_id, **data)
        return Response(CouponOutput(coupon).data, status=status.HTTP_201_CREATED)


class CouponDetailApi(TenantScopedApi):
    model = Coupon
    serializer_class = CouponOutput

    @extend_schema_serializer(component_name="CouponUpdateInput")
    class PatchInput(JsonInput):
        name = serializers.CharField(max_length=200, required=False)
        active = serializers.BooleanField(required=False)

    # Declared only so that the service sees the attempt and names the field (400).
    PatchInput._declared_fields.update(
        {
            field: serializers.JSONField(required=False, allow_null=True, write_only=True, help_text=FIXED)
            for field in services.COUPON_FIXED_FIELDS
        }
    )

    def get(self, request: Request, tenant_id: str, coupon_id: str) -> Response:
        return Response(CouponOutput(self.found(coupon_id, services.COUPON_NOT_FOUND)).data)

    @extend_schema(request=PatchInput, responses={200: CouponOutput})
    def patch(self, request: Request, tenant_id: str, coupon_id: str) -> Response:
        coupon = self.found(coupon_id, services.COUPON_NOT_FOUND)
        data = self.PatchInput.valid(request.data)
        coupon = services.coupon_update(tenant=self.tenant_id, coupon=coupon, data=data)
        return Response(CouponOutput(coupon).data)
