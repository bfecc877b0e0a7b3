"""Invoice runs, invoices, voiding, marking uncollectible. The subscription routes
that invoice (cancel, upcoming invoice) are in `invoices.subscription_api`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from invoices import services
from invoices.filtersets import InvoiceFilterSet
from invoices.models import Invoice, InvoiceRun
from invoices.serializers import InvoiceOutput, InvoiceRunOutput, invoice_body
from tenants.fields import AwareDateTimeField
from tenants.inputs import JsonInput
from tenants.models import Role
from tenants.scoping import TenantScopedApi

INVOICE_RUN_NOT_FOUND = "No such invoice run."


class InvoiceRunCreateApi(TenantScopedApi):
    class RunInput(JsonInput):
        as_of = AwareDateTimeField(required=False, help_text="RFC 3339 with its offset; default: now")

    class RunQueuedOutput(serializers.Serializer):
        id = serializers.UUIDField()
        status = serializers.CharField()
        as_of = serializers.DateTimeField()

    @extend_schema(request=RunInput, responses={202: RunQueuedOutput})
    def post(self, request: Request, tenant_id: str) -> Response:
        data = self.RunInput.valid(request.data)
        run = services.invoice_run_create(tenant=self.tenant_id, as_of=data.get("as_of"))
        return Response(self.RunQueuedOutput(run).data, status=status.HTTP_202_ACCEPTED)


class InvoiceRunDetailApi(TenantScopedApi):
    model = InvoiceRun
    serializer_class = InvoiceRunOutput

    def get(self, request: Request, tenant_id: str, run_id: str) -> Response:
        return Response(InvoiceRunOutput(self.found(run_id, INVOICE_RUN_NOT_FOUND)).data)


class InvoiceApi(TenantScopedApi):
    # The invoice routes' base: invoices with their lines.
    model = Invoice
    serializer_class = InvoiceOutput

    def get_queryset(self) -> Any:
        return super().get_queryset().prefetch_related("lines")


class InvoiceListApi(InvoiceApi):
    filterset_class = InvoiceFilterSet
    # A batch gives all its invoices one created_at; the number breaks the tie so that
    # the cursor's pages neither repeat nor skip any of them.
    cursor_ordering = ("-created_at", "-number")

    @extend_schema(operation_id="invoices_list", responses=InvoiceOutput(many=True))
    def get(self, request: Request, tenant_id: str) -> Response:
        return self.list_response(lambda page: [invoice_body(invoice) for invoice in page])


class InvoiceDetailApi(InvoiceApi):
    @extend_schema(operation_id="invoices_retrieve")
    def get(self, request: Request, tenant_id: str, invoice_id: str) -> Response:
        return Response(invoice_body(self.found(invoice_id, services.INVOICE_NOT_FOUND)))


class InvoiceStatusChangeApi(TenantScopedApi):
    # An admin's change of one invoice's status by `change` (a service taking the
    # tenant and the invoice's id); answers the invoice. No docstring: drf-spectacular
    # would show it as the operations' description.
    write_role = Role.ADMIN
    change: ClassVar[Callable[..., Invoice]]

    @extend_schema(request=None, responses={200: InvoiceOutput})
    def post(self, request: Request, tenant_id: str, invoice_id: str) -> Response:
        return Response(invoice_body(type(self).change(tenant=self.tenant_id, invoice_id=invoice_id)))


class InvoiceVoidApi(InvoiceStatusChangeApi):
    change = services.invoice_void


class InvoiceMarkUncollectibleApi(InvoiceStatusChangeApi):
    change = services.invoice_mark_uncollectible
