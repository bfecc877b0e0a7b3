"""Support staff's view of invoicing: invoices with their lines, and invoice runs.

Every invoice is finalized when it is written, so nothing here can add, change or
delete one: amounts and lines never change (corrections are late-usage lines on a
later invoice, or a void). The writes are two actions on open invoices: "Void selected
invoices" (`services.invoice_void`, `invoice.voided` published) and "Mark selected
invoices uncollectible" (`services.invoice_mark_uncollectible`), which first shows a
confirmation page, like Django's "delete selected".
Staff see every tenant, so the querysets are read `unscoped()` (tenants.isolation).
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.html import format_html_join

from invoices import services
from invoices.models import BalanceTransaction, Invoice, InvoiceLine, InvoiceRun
from plans.money import format_price
from tenants.admin_mixins import ReadOnlyAdminMixin, action_confirmation, apply_each

VOIDED = "Voided {count} invoice(s)."
NOT_VOIDED = "{number} was not voided: {reason}"
MARKED_UNCOLLECTIBLE = "Marked {count} invoice(s) uncollectible."
NOT_MARKED_UNCOLLECTIBLE = "{number} was not marked uncollectible: {reason}"

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
    actions = ["void_selected", "mark_uncollectible_selected"]

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
        apply_each(
            self,
            request,
            queryset.order_by("number"),
            lambda invoice: services.invoice_void(tenant=invoice.tenant_id, invoice_id=invoice.pk),
            done=VOIDED,
            refused=lambda invoice, exc: NOT_VOIDED.format(number=invoice.number, reason=exc),
        )

    def has_mark_uncollectible_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("invoices.change_invoice")

    @admin.action(description="Mark selected invoices uncollectible", permissions=["mark_uncollectible"])
    def mark_uncollectible_selected(self, request: HttpRequest, queryset: QuerySet[Invoice]) -> TemplateResponse | None:
        """First a confirmation page (writing off a debt is not a one-click action),
        then, once confirmed (`post=yes`), the service for each invoice."""
        invoices = list(queryset.order_by("number"))
        if request.POST.get("post") != "yes":
            return self._confirm_uncollectible(request, invoices)
        apply_each(
            self,
            request,
            invoices,
            lambda invoice: services.invoice_mark_uncollectible(tenant=invoice.tenant_id, invoice_id=invoice.pk),
            done=MARKED_UNCOLLECTIBLE,
            refused=lambda invoice, exc: NOT_MARKED_UNCOLLECTIBLE.format(number=invoice.number, reason=exc),
        )
        return None

    def _confirm_uncollectible(self, request: HttpRequest, invoices: list[Invoice]) -> TemplateResponse:
        return action_confirmation(
            self,
            request,
            template="admin/invoices/invoice/mark_uncollectible_confirmation.html",
            title="Mark invoices uncollectible?",
            chosen=[i for i in invoices if i.status == Invoice.Status.OPEN],
            skipped=[i for i in invoices if i.status != Invoice.Status.OPEN],
        )


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
