"""Credit grants (API.md Part 2, "Prepaid credits"): grant credits to a customer, list
them, one grant with its ledger, void one. Thin: parse, call a service, render.

`POST/GET …/customers/{id}/credit-grants`, `GET …/credit-grants/{id}`,
`POST …/credit-grants/{id}/void` (admin).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from invoices import grant_services as services
from invoices.credit_note_api import money_input
from invoices.grants import credit_grant_body
from invoices.models import CreditGrant, CreditGrantEntry
from subscriptions.selectors import customer_get
from subscriptions.services import CUSTOMER_NOT_FOUND
from tenants.errors import found
from tenants.fields import AwareDateTimeField, StrictIntegerField
from tenants.inputs import CurrencyField, JsonInput
from tenants.models import Role
from tenants.scoping import DetailApi, TenantScopedApi


class CreditGrantEntryOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=CreditGrantEntry.Kind.choices)
    amount = serializers.CharField(help_text="Taken off `remaining`; negative: given back (a voided invoice)")
    invoice_id = serializers.UUIDField(allow_null=True)
    credit_note_id = serializers.UUIDField(allow_null=True)
    description = serializers.CharField()
    created_at = serializers.DateTimeField()


class CreditGrantOutput(serializers.Serializer):
    """Documents the grant body; `credit_grant_body` renders it."""

    id = serializers.UUIDField()
    customer_id = serializers.UUIDField()
    name = serializers.CharField()
    category = serializers.ChoiceField(choices=CreditGrant.Category.choices)
    currency = serializers.CharField()
    amount = serializers.CharField()
    remaining = serializers.CharField(help_text="amount − used − expired − voided, never below 0")
    used = serializers.CharField()
    expired = serializers.CharField()
    voided = serializers.CharField()
    priority = serializers.IntegerField()
    status = serializers.ChoiceField(choices=CreditGrant.Status.choices)
    effective_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(allow_null=True)
    invoice_id = serializers.UUIDField(allow_null=True, help_text="Paid grants: the credit_purchase invoice")
    created_at = serializers.DateTimeField()


class CreditGrantDetailOutput(CreditGrantOutput):
    ledger = CreditGrantEntryOutput(many=True, help_text="Its entries, in the order they were written")


class CreditGrantApi(TenantScopedApi):
    model = CreditGrant
    serializer_class = CreditGrantOutput


class CreditGrantListCreateApi(CreditGrantApi):
    cursor_ordering = ("-created_at", "-id")

    @extend_schema_serializer(component_name="CreditGrantCreateInput")
    class Input(JsonInput):
        amount = money_input("> 0, at most the currency's minor unit")
        currency = CurrencyField()
        category = serializers.ChoiceField(choices=CreditGrant.Category.choices)
        priority = StrictIntegerField(min_value=1, max_value=100, default=50, help_text="Lowest is used first")
        effective_at = AwareDateTimeField(required=False, help_text="Default: now")
        expires_at = AwareDateTimeField(required=False, allow_null=True, help_text="Default: never")
        name = serializers.CharField(max_length=200, required=False, allow_blank=True)
        invoice = serializers.BooleanField(
            required=False,
            allow_null=True,
            help_text="Paid grants only (default true): issue a credit_purchase invoice",
        )

    def get_queryset(self) -> QuerySet[CreditGrant]:
        return services.credit_grant_list(tenant=self.tenant_id, customer_id=self.kwargs["customer_id"])

    @extend_schema(operation_id="customer_credit_grants_list", responses=CreditGrantOutput(many=True))
    def get(self, request: Request, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> Response:
        found(customer_get(tenant=self.tenant_id, customer_id=customer_id), CUSTOMER_NOT_FOUND)
        return self.list_response(lambda page: [credit_grant_body(grant) for grant in page])

    @extend_schema(operation_id="customer_credit_grants_create", request=Input, responses={201: CreditGrantOutput})
    def post(self, request: Request, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> Response:
        customer = found(customer_get(tenant=self.tenant_id, customer_id=customer_id), CUSTOMER_NOT_FOUND)
        grant = services.credit_grant_create(tenant=self.tenant_id, customer=customer, **self.Input.valid(request.data))
        return Response(credit_grant_body(grant), status=status.HTTP_201_CREATED)


class CreditGrantDetailApi(CreditGrantApi, DetailApi):
    serializer_class = CreditGrantDetailOutput
    lookup_url_kwarg = "credit_grant_id"
    not_found = services.CREDIT_GRANT_NOT_FOUND

    def get_object(self) -> Any:
        grant_id = self.kwargs[self.lookup_url_kwarg]
        return found(services.credit_grant_get(tenant=self.tenant_id, grant_id=grant_id), self.not_found)

    def render(self, obj: Any) -> Response:
        return Response(credit_grant_body(obj, obj.entries.all()))


class CreditGrantVoidApi(CreditGrantApi):
    write_role = Role.ADMIN

    @extend_schema(request=None, responses={200: CreditGrantDetailOutput})
    def post(self, request: Request, tenant_id: uuid.UUID, credit_grant_id: uuid.UUID) -> Response:
        services.credit_grant_void(tenant=self.tenant_id, grant_id=credit_grant_id)
        grant = found(services.credit_grant_get(tenant=self.tenant_id, grant_id=credit_grant_id), "")
        return Response(credit_grant_body(grant, grant.entries.all()))
