"""Support staff's view of inbound payment webhooks (`PaymentEvent`), read only.

The ones that need a person are the outcomes `amount_mismatch` (the provider charged
another amount or currency than the invoice's) and `invoice_not_payable` (money for
a void invoice): filter by outcome, read `detail` and the payload as received, and
settle it with the provider. Found by webhook-id or invoice number. Staff see every
tenant, so the queryset is read `unscoped()`.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from payments.models import PaymentEvent
from plans.admin_display import money_field
from tenants.admin_mixins import OBJECT_PARAM, ReadOnlyAdminMixin, object_link, pretty_json, related_links

PAYMENT_EVENT_FIELDS = (
    "webhook_id",
    "tenant",
    "invoice_link",
    "charge_attempt",
    "credit_note",
    "type",
    "outcome",
    "detail",
    "paid_amount",
    "failure_reason",
    "pretty_payload",
    "related",
    "created_at",
)


@admin.register(PaymentEvent)
class PaymentEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "webhook_id", "type", "outcome", "invoice_link", "paid_amount", "tenant"]
    list_filter = ["tenant", "outcome", "type"]
    list_select_related = ["invoice", "tenant"]
    search_fields = ["webhook_id", "invoice__number", "credit_note__number"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    fields = readonly_fields = PAYMENT_EVENT_FIELDS

    def get_queryset(self, request: HttpRequest) -> QuerySet[PaymentEvent]:
        return (
            PaymentEvent.unscoped()
            .select_related("invoice", "tenant", "charge_attempt", "credit_note")
            .order_by("-created_at", "-id")
        )

    paid_amount = money_field("amount", description="amount")

    @admin.display(description="invoice", ordering="invoice__number")
    def invoice_link(self, event: PaymentEvent) -> str:
        return object_link("invoices_invoice", event.invoice_id, event.invoice.number)

    @admin.display(description="payload")
    def pretty_payload(self, event: PaymentEvent) -> str:
        return pretty_json(event.payload)

    @admin.display(description="related")
    def related(self, event: PaymentEvent) -> str:
        """The invoice's other payment events and its webhook deliveries."""
        return related_links(
            ("payments_paymentevent", {"invoice": event.invoice_id}, "all payment events of the invoice"),
            ("webhooks_webhookdelivery", {OBJECT_PARAM: event.invoice_id}, "webhook deliveries of the invoice"),
        )
