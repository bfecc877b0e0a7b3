"""The subscription routes that invoice: `POST subscriptions/{id}/cancel` (bills what
ended, and a final invoice when canceled now), `GET subscriptions/{id}/upcoming-invoice`
(a preview, stored nowhere), `POST subscriptions/{id}/change` (a plan change, which
bills the old plan's segment when it is now) and `POST subscriptions/{id}/change/preview`.

They live in invoices, not subscriptions, because they call the invoicing engine and
subscriptions comes before invoices in the dependency order (docs/DESIGN.md, Layout).
Their URLs are in `invoices.subscription_urls`, mounted beside the subscriptions'.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from invoices import plan_changes, services
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


def preview_body(preview: services.InvoicePreview) -> dict[str, Any]:
    body = invoice_body(preview.invoice, preview.lines)
    body.update(id=None, number=None)  # nothing is stored: no id, no number yet
    return body


class UpcomingInvoiceApi(TenantScopedApi):
    model = Subscription
    serializer_class = UpcomingInvoiceOutput

    def get(self, request: Request, tenant_id: str, subscription_id: str) -> Response:
        sub = self.found(subscription_id, services.SUBSCRIPTION_NOT_FOUND)
        return Response(preview_body(services.invoice_preview(tenant=self.tenant_id, subscription=sub)))


class ChangeInput(JsonInput):
    plan_id = serializers.UUIDField(help_text="A plan of the tenant, active, in the subscription's currency")
    effective = serializers.ChoiceField(
        choices=[plan_changes.NOW, plan_changes.PERIOD_END],
        help_text="now: bill the old plan up to now and switch; period_end: switch when the current period is billed",
    )


class SubscriptionChangeApi(TenantScopedApi):
    class ChangedOutput(SubscriptionOutput):
        invoice_id = serializers.UUIDField(
            allow_null=True, read_only=True, help_text="now: the plan_change invoice of the old plan's segment, if any"
        )

        class Meta(SubscriptionOutput.Meta):
            fields = [*SubscriptionOutput.Meta.fields, "invoice_id"]
            read_only_fields = fields

    @extend_schema(request=ChangeInput, responses={200: ChangedOutput})
    def post(self, request: Request, tenant_id: str, subscription_id: str) -> Response:
        data = ChangeInput.valid(request.data)
        sub, invoice = plan_changes.subscription_change(
            tenant=self.tenant_id,
            subscription_id=subscription_id,  # type: ignore[arg-type]
            plan_id=data["plan_id"],
            effective=data["effective"],
        )
        sub.invoice_id = invoice.pk if invoice else None  # type: ignore[attr-defined]
        return Response(self.ChangedOutput(sub).data)


class ChangePreviewOutput(serializers.Serializer):
    invoice_now = UpcomingInvoiceOutput(allow_null=True, help_text="What the change bills now (now only)")
    upcoming_invoice = UpcomingInvoiceOutput(help_text="The subscription's next invoice after the change")


class SubscriptionChangePreviewApi(TenantScopedApi):
    @extend_schema(request=ChangeInput, responses={200: ChangePreviewOutput})
    def post(self, request: Request, tenant_id: str, subscription_id: str) -> Response:
        data = ChangeInput.valid(request.data)
        preview = plan_changes.subscription_change_preview(
            tenant=self.tenant_id,
            subscription_id=subscription_id,  # type: ignore[arg-type]
            plan_id=data["plan_id"],
            effective=data["effective"],
        )
        now = preview.invoice_now
        return Response(
            {
                "invoice_now": None if now is None else preview_body(now),
                "upcoming_invoice": preview_body(preview.upcoming_invoice),
            }
        )
