"""Support staff's view of inbound payment webhooks (`PaymentEvent`), read only.

The ones that need a person are the outcomes `amount_mismatch` (the provider charged
another amount or currency than the invoice's) and `invoice_not_payable` (money for
a void invoice): filter by outcome, read `detail` and the payload as received, and
settle it with the provider. Found by webhook-id or invoice number. Staff see every
tenant, so the queryset is read `unscoped()`.
"""

from __future__ import annotations

import json

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html

from payments.models import PaymentEvent
from plans.money import format_price
from tenants.admin_mixins import ReadOnlyAdminMixin

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
    "created_at",
)


@admin.register(PaymentEvent)
class PaymentEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "webhook_id", "type", "outcome", "invoice_link", "paid_amount", "tenant"]
    list_filter = ["outcome", "type"]
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

    @admin.display(description="invoice", ordering="invoice__number")
    def invoice_link(self, event: PaymentEvent) -> str:
        try:
            url = reverse("admin:invoices_invoice_change", args=[event.invoice_id])
        except NoReverseMatch:  # the invoice admin is not registered
            return event.invoice.number
        return format_html('<a href="{}">{}</a>', url, event.invoice.number)

    @admin.display(description="amount", ordering="amount")
    def paid_amount(self, event: PaymentEvent) -> str:
        return f"{format_price(event.amount, event.currency)} {event.currency}"

    @admin.display(description="payload")
    def pretty_payload(self, event: PaymentEvent) -> str:
        return format_html("<pre>{}</pre>", json.dumps(event.payload, indent=2, sort_keys=True))
