"""Support staff's view of invoicing: invoices with their lines, and invoice runs.

Every invoice is finalized when it is written, so nothing here can add, change or
delete one: amounts and lines never change (corrections are late-usage lines on a
later invoice, or a void). The one write is the "Void selected invoices" action, which
goes through `services.invoice_void` (open invoices only, `invoice.voided` published).
Staff see every tenant, so the querysets are read `unscoped()` (tenants.isolation).
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html_join

from invoices import services
from invoices.models import BalanceTransaction, Invoice, InvoiceLine, InvoiceRun
from plans.money import format_price
from tenants.admin_mixins import ReadOnlyAdminMixin
from tenants.errors import DomainError

VOIDED = "Voided {count} invoice(s)."
NOT_VOIDED = "{number} was not voided: {reason}"

INVOICE_FIELDS = (
    "id",
    "number",
    "tenant",
    "customer",
    "subscription",
    "status",
    "billing_reason",
    "currency",
    "period_start",
    "period_end",
    "subtotal",
    "discount",
    "tax",
    "tax_breakdown",
    "total",
    "credits_applied",
    "amount_paid",
    "amount_due",
    "issued_at",
    "due_at",
    "paid_at",
    "voided_at",
    "created_at",
)
LINE_FIELDS = (
    "position",
    "kind",
    "description",
    "meter_code",
    "model",
    "quantity",
    "amount",
    "tiers",
    "period_start",
    "period_end",
    "source_invoice",
)
RUN_FIELDS = (
    "id",
    "tenant",
    "status",
    "as_of",
    "invoices_created",
    "subscriptions_processed",
    "started_at",
    "finished_at",
    "error",
    "errors",
    "created_at",
)


class InvoiceLineInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = InvoiceLine
    fk_name = "invoice"  # not source_invoice (the invoice a late-usage line corrects)
    extra = 0
    can_delete = False
    fields = readonly_fields = LINE_FIELDS
    ordering = ["position"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[InvoiceLine]:
        return InvoiceLine.unscoped().select_related("source_invoice").order_by("position")


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["number", "customer", "status", "amount", "period_start", "period_end", "issued_at", "tenant"]
    list_filter = ["status", "billing_reason", "currency"]
    list_select_related = ["customer", "tenant"]
    search_fields = ["number", "customer__external_id", "customer__name", "=id"]
    date_hierarchy = "issued_at"
    show_full_result_count = False
    fields = readonly_fields = INVOICE_FIELDS
    inlines = [InvoiceLineInline]
    actions = ["void_selected"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Invoice]:
        return Invoice.unscoped().select_related("customer", "subscription", "tenant").order_by("-issued_at", "-number")

    @admin.display(description="total", ordering="total")
    def amount(self, invoice: Invoice) -> str:
        return f"{format_price(invoice.total, invoice.currency)} {invoice.currency}"

    @admin.display(description="taxes")
    def tax_breakdown(self, invoice: Invoice) -> str:
        """One line per rate, as frozen at finalization: "state (State sales tax) 6.25 % of 54.00: 3.38"."""
        rows = [(tax["code"], tax["name"], tax["percentage"], tax["taxable"], tax["amount"]) for tax in invoice.taxes]
        return format_html_join("", "<div>{} ({}) {} % of {}: {}</div>", rows) or "-"

    def has_void_permission(self, request: HttpRequest) -> bool:
        # The invoice is read only, so the action asks for the model's change permission itself.
        return request.user.has_perm("invoices.change_invoice")

    @admin.action(description="Void selected invoices", permissions=["void"])
    def void_selected(self, request: HttpRequest, queryset: QuerySet[Invoice]) -> None:
        voided = 0
        for invoice in queryset.order_by("number"):
            try:
                services.invoice_void(tenant=invoice.tenant_id, invoice_id=invoice.pk)
            except DomainError as exc:  # not open (409), or gone meanwhile (404)
                self.message_user(request, NOT_VOIDED.format(number=invoice.number, reason=exc), messages.WARNING)
            else:
                voided += 1
        if voided:
            self.message_user(request, VOIDED.format(count=voided), messages.SUCCESS)


@admin.register(InvoiceRun)
class InvoiceRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "id",
        "tenant",
        "status",
        "as_of",
        "invoices_created",
        "subscriptions_processed",
        "started_at",
        "finished_at",
        "short_error",
        "not_billed",
    ]
    list_filter = ["status"]
    list_select_related = ["tenant"]
    search_fields = ["=id", "tenant__name"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    fields = readonly_fields = RUN_FIELDS

    def get_queryset(self, request: HttpRequest) -> QuerySet[InvoiceRun]:
        return InvoiceRun.unscoped().select_related("tenant").order_by("-created_at")

    @admin.display(description="not billed")
    def not_billed(self, run: InvoiceRun) -> int:
        """Subscriptions the run skipped because their invoice could not be priced or stored."""
        return len(run.errors)

    @admin.display(description="error")
    def short_error(self, run: InvoiceRun) -> str:
        return run.error if len(run.error) <= 80 else f"{run.error[:79]}…"


@admin.register(BalanceTransaction)
class BalanceTransactionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The customer balance ledger, read only: entries are written by the services
    that cause them (finalization, voids), in the same transaction."""

    list_display = ["created_at", "customer", "kind", "signed_amount", "invoice", "tenant"]
    list_filter = ["kind", "currency"]
    list_select_related = ["customer", "invoice", "tenant"]
    search_fields = ["customer__external_id", "customer__name", "invoice__number"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    fields = readonly_fields = (
        "id", "tenant", "customer", "currency", "amount", "kind", "invoice", "description", "created_at",
    )  # fmt: skip

    def get_queryset(self, request: HttpRequest) -> QuerySet[BalanceTransaction]:
        return BalanceTransaction.unscoped().select_related("customer", "invoice", "tenant")

    @admin.display(description="amount", ordering="amount")
    def signed_amount(self, entry: BalanceTransaction) -> str:
        return f"{format_price(entry.amount, entry.currency)} {entry.currency}"
