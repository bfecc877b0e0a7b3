"""Customers and subscriptions (API.md, Customers and subscriptions).

Thin: parse, call a service or selector, render. Every class inherits TenantScopedApi.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from plans.services import MAX_TAX_RATES
from subscriptions import selectors, services
from subscriptions.filtersets import CustomerFilterSet, SubscriptionFilterSet
from subscriptions.models import Customer, Subscription
from subscriptions.serializers import SubscriptionOutput
from subscriptions.validators import METADATA_MAX_BYTES, METADATA_MAX_KEYS
from tenants.fields import AwareDateTimeField, StrictIntegerField
from tenants.inputs import EMAIL_MAX_LENGTH, JsonInput, UniqueListField
from tenants.scoping import DetailUpdateApi, ListCreateApi, TenantScopedApi


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": True,
        "maxProperties": METADATA_MAX_KEYS,
        "description": f"A JSON object: at most {METADATA_MAX_KEYS} keys and {METADATA_MAX_BYTES} bytes "
        "as compact UTF-8 JSON, without NUL characters",
    }
)
class MetadataInput(serializers.JSONField):
    """Any JSON on the way in; the service refuses what is not such an object
    (`subscriptions.validators.validate_metadata`)."""


class CustomerOutput(serializers.ModelSerializer):
    email = serializers.SerializerMethodField()
    tax_rates = serializers.SerializerMethodField(
        help_text="Codes of the customer's own tax rates, in order; [] pays the tenant's default rates"
    )

    class Meta:
        model = Customer
        fields = ["id", "external_id", "name", "email", "metadata", "tax_rates", "tax_exempt", "created_at"]

    def get_email(self, customer: Customer) -> str | None:
        return customer.email or None

    def get_tax_rates(self, customer: Customer) -> list[str]:
        return [link.tax_rate.code for link in customer.tax_rate_links.all()]


def _tax_rates_input(**kwargs: Any) -> UniqueListField:
    return UniqueListField(
        child=serializers.SlugField(max_length=100),
        max_length=MAX_TAX_RATES,
        help_text="Codes of active tax rates, in order; when not empty, instead of the tenant's default rates",
        **kwargs,
    )


class CustomerApi(TenantScopedApi):
    # The customer routes' base: customers with their tax rates.
    model = Customer
    serializer_class = CustomerOutput

    def get_queryset(self) -> QuerySet[Customer]:
        return selectors.customer_list(tenant=self.tenant_id)


class CustomerListCreateApi(CustomerApi, ListCreateApi):
    filterset_class = CustomerFilterSet
    list_operation_id = "customers_list"

    @extend_schema_serializer(component_name="CustomerCreateInput")
    class Input(JsonInput):
        external_id = serializers.CharField(max_length=255)
        name = serializers.CharField(max_length=200)
        email = serializers.EmailField(max_length=EMAIL_MAX_LENGTH, required=False, allow_blank=True, allow_null=True)
        metadata = MetadataInput(required=False)
        tax_rates = _tax_rates_input(required=False)
        tax_exempt = serializers.BooleanField(required=False, help_text="Pays no tax (default false)")

    def create(self, data: dict[str, Any]) -> Customer:
        return services.customer_create(tenant=self.tenant, **data)


class CustomerDetailApi(CustomerApi, DetailUpdateApi):
    lookup_url_kwarg = "customer_id"
    not_found = services.CUSTOMER_NOT_FOUND
    retrieve_operation_id = "customers_retrieve"

    @extend_schema_serializer(component_name="CustomerUpdateInput")
    class PatchInput(JsonInput):
        external_id = serializers.CharField(max_length=255, required=False, help_text="Fixed: only its current value")
        name = serializers.CharField(max_length=200, required=False)
        email = serializers.EmailField(max_length=EMAIL_MAX_LENGTH, required=False, allow_blank=True, allow_null=True)
        metadata = MetadataInput(required=False, help_text="Replaces the whole object")
        tax_rates = _tax_rates_input(required=False)
        tax_exempt = serializers.BooleanField(required=False)

    def update(self, obj: Customer, data: dict[str, Any]) -> Customer:
        return services.customer_update(tenant=self.tenant, customer=obj, data=data)


class SubscriptionListCreateApi(ListCreateApi):
    model = Subscription
    serializer_class = SubscriptionOutput
    filterset_class = SubscriptionFilterSet
    list_operation_id = "subscriptions_list"

    @extend_schema_serializer(component_name="SubscriptionCreateInput")
    class Input(JsonInput):
        customer_id = serializers.UUIDField()
        plan_id = serializers.UUIDField()
        start_at = AwareDateTimeField(
            required=False, allow_null=True, help_text="RFC 3339 with its offset; default: now; may be past"
        )
        trial_days = StrictIntegerField(
            required=False,
            allow_null=True,
            min_value=0,
            max_value=services.TRIAL_DAYS_MAX,
            help_text="Default: the plan's trial_days; 0 for no trial",
        )

    def get_queryset(self) -> QuerySet[Subscription]:
        return selectors.subscription_list(tenant=self.tenant_id)

    def create(self, data: dict[str, Any]) -> Subscription:
        return services.subscription_create(tenant=self.tenant, **data)


class SubscriptionDetailApi(TenantScopedApi):
    model = Subscription
    serializer_class = SubscriptionOutput

    @extend_schema(operation_id="subscriptions_retrieve")
    def get(self, request: Request, tenant_id: uuid.UUID, subscription_id: uuid.UUID) -> Response:
        subscription = selectors.subscription_get(tenant=self.tenant_id, subscription_id=subscription_id)
        if subscription is None:
            raise NotFound(services.SUBSCRIPTION_NOT_FOUND)
        return Response(SubscriptionOutput(subscription).data)


class SubscriptionPendingChangeApi(TenantScopedApi):
    """`DELETE …/subscriptions/{id}/pending-change`: the plan stays as it is."""

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, tenant_id: uuid.UUID, subscription_id: uuid.UUID) -> Response:
        services.subscription_pending_change_delete(tenant=self.tenant_id, subscription_id=subscription_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
