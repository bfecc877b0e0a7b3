"""A customer's discounts (API.md Part 2, "Discounts (coupons)"): redeem a coupon, list
them, end one. Thin: parse, call a service or selector, render.

`POST/GET …/customers/{id}/discounts`, `GET/DELETE …/customers/{id}/discounts/{id}`.
"""

from __future__ import annotations

import uuid

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from subscriptions import discount_services as services
from subscriptions import selectors
from subscriptions.models import Discount
from subscriptions.serializers import DiscountOutput
from subscriptions.services import CUSTOMER_NOT_FOUND
from tenants.errors import found
from tenants.inputs import JsonInput
from tenants.scoping import DetailApi, TenantScopedApi


class DiscountApi(TenantScopedApi):
    # The routes of the path customer's discounts, in the order they apply.
    model = Discount
    serializer_class = DiscountOutput

    def get_queryset(self) -> QuerySet[Discount]:
        return selectors.discount_list(tenant=self.tenant_id, customer_id=self.kwargs["customer_id"])


class DiscountListCreateApi(DiscountApi):
    cursor_ordering = ("position",)

    @extend_schema_serializer(component_name="DiscountCreateInput")
    class Input(JsonInput):
        coupon_code = serializers.SlugField(max_length=100, help_text="The coupon to redeem, by code")
        subscription_id = serializers.UUIDField(
            required=False, allow_null=True, help_text="One subscription of the customer; default: all of them"
        )

    @extend_schema(operation_id="customer_discounts_list", responses=DiscountOutput(many=True))
    def get(self, request: Request, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> Response:
        found(selectors.customer_get(tenant=self.tenant_id, customer_id=customer_id), CUSTOMER_NOT_FOUND)
        return self.list_response(lambda page: DiscountOutput(page, many=True).data)

    @extend_schema(operation_id="customer_discounts_create", request=Input, responses={201: DiscountOutput})
    def post(self, request: Request, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> Response:
        data = self.Input.valid(request.data)
        discount = services.discount_create(tenant=self.tenant_id, customer_id=customer_id, **data)
        return Response(DiscountOutput(discount).data, status=status.HTTP_201_CREATED)


class DiscountDetailApi(DiscountApi, DetailApi):
    lookup_url_kwarg = "discount_id"
    not_found = services.DISCOUNT_NOT_FOUND
    retrieve_operation_id = "customer_discounts_retrieve"

    @extend_schema(operation_id="customer_discounts_end", request=None, responses={200: DiscountOutput})
    def delete(
        self, request: Request, tenant_id: uuid.UUID, customer_id: uuid.UUID, discount_id: uuid.UUID
    ) -> Response:
        return self.render(
            services.discount_end(tenant=self.tenant_id, customer_id=customer_id, discount_id=discount_id)
        )
