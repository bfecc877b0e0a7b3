"""The subscription routes that invoice: `POST subscriptions/{id}/cancel` (bills what
ended, and a final invoice when canceled now) and `GET subscriptions/{id}/upcoming-invoice`
(a preview, stored nowhere).

They live in invoices, not subscriptions, because they call the invoicing engine and
subscriptions comes before invoices in the dependency order (docs/DESIGN.md, Layout).
Their URLs are in `invoices.subscription_urls`, mounted beside the subscriptions'.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from invoices import services
from invoices.serializers import InvoiceOutput, invoice_body
from subscriptions.models import Subscription
from subscriptions.serializers import SubscriptionOutput
from tenants.inputs import JsonInput
from tenants.scoping import TenantScopedApi


class SubscriptionCancelApi(TenantScopedApi):
    class CancelInput(JsonInput):
        at_period_end = serializers.BooleanField()

    class CanceledOutput(SubscriptionOutput):
        final_invoice_id = serializers.UUIDField(allow_null=True, read_only=True)

        class Meta(SubscriptionOutput.Meta):
            fields = [*SubscriptionOutput.Meta.fields, "final_invoice_id"]
            read_only_fields = fields

    @extend_schema(request=CancelInput, responses={200: CanceledOutput})
    def post(self, request: Request, tenant_id: str, subscription_id: str) -> Response:
        data = self.CancelInput.valid(request.data)
        sub, invoices = services.subscription_cancel(
            tenant=self.tenant_id,
            subscription_id=subscription_id,  # type: ignore[arg-type]
            at_period_end=data["at_period_end"],
        )
        final = services.final_invoice(invoices)
        sub.final_invoice_id = final.pk if final else None  # type: ignore[attr-defined]
        return Response(self.CanceledOutput(sub).data)


class UpcomingInvoiceOutput(InvoiceOutput):
    id = serializers.UUIDField(allow_null=True, help_text="null: a preview is not stored")
    number = serializers.CharField(allow_null=True, help_text="null: numbers are given at finalization")


class UpcomingInvoiceApi(TenantScopedApi):
    model = Subscription
    serializer_class = UpcomingInvoiceOutput

    def get(self, request: Request, tenant_id: str, subscription_id: str) -> Response:
        sub = self.found(subscription_id, services.SUBSCRIPTION_NOT_FOUND)
        preview = services.invoice_preview(tenant=self.tenant_id, subscription=sub)
        body = invoice_body(preview.invoice, preview.lines)
        body.update(id=None, number=None)  # nothing is stored: no id, no number yet
        return Response(body)
