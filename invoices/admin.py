"""Support staff's view of invoicing: invoices with their lines, and invoice runs.

Every invoice is finalized when it is written, so nothing here can add, change or
delete one: amounts and lines never change (corrections are late-usage lines on a
later invoice, credit notes, or a void). "Issue a credit note" on an invoice's page is
in `invoices.credit_note_admin` (a form, then a confirmation). The writes here are two
actions on open invoices: "Void selected
invoices" (`services.invoice_void`, `invoice.voided` published) and "Mark selected
invoices uncollectible" (`services.invoice_mark_uncollectible`), which first shows a
confirmation page, like Django's "delete selected".
Staff see every tenant, so the querysets are read `unscoped()` (tenants.isolation).

Customers (subscriptions' admin, taken over here: subscriptions may not import the
ledger) show their balance per currency, their ledger and their credit grants
(inline, read-only; `invoices.grant_admin` has the grants' pages), and
"Adjust the balance" on a customer's page: a form, then a confirmation page with the
balance before and after, then `services.balance_adjustment_create`.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html_join

from invoices import documents, export, selectors, services
from invoices.credit_note_admin import CreditNoteIssueMixin
from invoices.document_admin import DocumentAdminMixin
from invoices.grant_admin import CreditGrantInline
from invoices.models import BalanceTransaction, Invoice, InvoiceLine, InvoiceRun
from invoices.serializers import RUN_PROGRESS_FIELDS
from plans.money import format_price
from subscriptions.admin import CustomerAdmin as SubscriptionsCustomerAdmin
from subscriptions.models import Customer
from tenants.admin_mixins import ReadOnlyAdminMixin, action_confirmation, apply_each
from tenants.errors import DomainError
from tenants.validators import CURRENCY_CODES

VOIDED = "Voided {count} invoice(s)."
NOT_VOIDED = "{number} was not voided: {reason}"
MARKED_UNCOLLECTIBLE = "Marked {count} invoice(s) uncollectible."
NOT_MARKED_UNCOLLECTIBLE = "{number} was not marked uncollectible: {reason}"
BALANCE_ADJUSTED = "Adjusted the {currency} balance of {customer} by {amount}: it is {balance} now."
NO_BALANCE = "0 (no entries)"

INVOICE_FIELDS = (
    "id",
    "number",
    "documents",
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
    "amount_credited",
    "credit_notes_link",
    "amount_paid",
    "amount_due",
    "issued_at",
    "due_at",
    "paid_at",
    "voided_at",
    "attempt_count",
    "next_payment_attempt",
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
RUN_FIELDS = ("id", "tenant", *RUN_PROGRESS_FIELDS, "error", "errors", "created_at")


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
class InvoiceAdmin(DocumentAdminMixin, CreditNoteIssueMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["number", "customer", "status", "amount", "period_start", "period_end", "issued_at", "tenant"]
    list_filter = ["status", "billing_reason", "currency"]
    list_select_related = ["customer", "tenant"]
    search_fields = ["number", "customer__external_id", "customer__name", "=id"]
    date_hierarchy = "issued_at"
    show_full_result_count = False
    fields = readonly_fields = INVOICE_FIELDS
    inlines = [InvoiceLineInline]
    actions = ["void_selected", "mark_uncollectible_selected", "export_csv_selected"]
    build_document = documents.invoice_document

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

    @admin.action(description="Export selected as CSV", permissions=["view"])
    def export_csv_selected(self, request: HttpRequest, queryset: QuerySet[Invoice]) -> StreamingHttpResponse:
        """The API's export of the selected invoices (of any tenants), oldest first."""
        return export.invoice_export_response(queryset)

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
    list_display = ["id", "tenant", *RUN_PROGRESS_FIELDS, "short_error", "not_billed"]
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


class SignedAmountMixin:
    @admin.display(description="amount", ordering="amount")
    def signed_amount(self, entry: BalanceTransaction) -> str:
        return f"{format_price(entry.amount, entry.currency)} {entry.currency}"


@admin.register(BalanceTransaction)
class BalanceTransactionAdmin(SignedAmountMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """The customer balance ledger, read only: entries are written by the services
    that cause them (finalization, voids, adjustments), in the same transaction."""

    list_display = ["created_at", "customer", "kind", "signed_amount", "invoice", "tenant"]
    list_filter = ["kind", "currency"]
    list_select_related = ["customer", "invoice", "tenant"]
    search_fields = ["customer__external_id", "customer__name", "invoice__number"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    fields = readonly_fields = (
        "id", "tenant", "customer", "currency", "amount", "kind", "invoice", "credit_note", "description", "created_at",
    )  # fmt: skip

    def get_queryset(self, request: HttpRequest) -> QuerySet[BalanceTransaction]:
        return BalanceTransaction.unscoped().select_related("customer", "invoice", "tenant")


class BalanceTransactionInline(SignedAmountMixin, ReadOnlyAdminMixin, admin.TabularInline):
    model = BalanceTransaction
    fk_name = "customer"
    extra = 0
    can_delete = False
    fields = readonly_fields = ("created_at", "kind", "signed_amount", "invoice", "description")
    verbose_name_plural = "balance ledger (newest first)"

    def get_queryset(self, request: HttpRequest) -> QuerySet[BalanceTransaction]:
        return BalanceTransaction.unscoped().select_related("invoice").order_by("-seq")


class BalanceAdjustmentForm(forms.Form):
    """What `services.balance_adjustment_create` takes; the service checks the rest
    (not 0, the currency's decimal places, the balance not below 0)."""

    currency = forms.ChoiceField(choices=[(code, code) for code in CURRENCY_CODES], initial=settings.DEFAULT_CURRENCY)
    amount = forms.DecimalField(
        max_digits=services.ADJUSTMENT_MAX_INTEGER_DIGITS + 4,
        decimal_places=4,
        help_text="Positive credits the customer; negative takes credit back (never below 0).",
    )
    description = forms.CharField(
        max_length=services.ADJUSTMENT_DESCRIPTION_MAX_LENGTH, help_text="Why (shown to the tenant)"
    )


admin.site.unregister(Customer)


@admin.register(Customer)
class CustomerAdmin(SubscriptionsCustomerAdmin):
    """Subscriptions' customer admin with the customer's balance (see the module docstring)."""

    fields = [*SubscriptionsCustomerAdmin.fields, "balance"]
    readonly_fields = [*SubscriptionsCustomerAdmin.readonly_fields, "balance"]
    inlines = [*SubscriptionsCustomerAdmin.inlines, BalanceTransactionInline, CreditGrantInline]
    change_form_template = "admin/invoices/customer_change_form.html"

    def get_urls(self) -> list[URLPattern]:
        adjust = path(
            "<path:object_id>/balance-adjustment/",
            self.admin_site.admin_view(self.balance_adjustment_view),
            name="subscriptions_customer_balance_adjustment",
        )
        return [adjust, *super().get_urls()]

    def has_adjust_balance_permission(self, request: HttpRequest) -> bool:
        # The ledger is read only in the admin; a manual entry asks for its add permission itself.
        return request.user.has_perm("invoices.add_balancetransaction")

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        context = {**(extra_context or {}), "can_adjust_balance": self.has_adjust_balance_permission(request)}
        return super().change_view(request, object_id, form_url, context)

    @admin.display(description="balance")
    def balance(self, customer: Customer) -> str:
        balances = selectors.balances_for_customer(tenant=customer.tenant_id, customer_id=customer.pk)
        return ", ".join(f"{format_price(amount, currency)} {currency}" for currency, amount in balances) or NO_BALANCE

    def balance_adjustment_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The form; once valid, a confirmation page (the balance before and after);
        once confirmed (`confirmed=yes`), the service."""
        customer = self.get_object(request, unquote(object_id))
        if customer is None:
            raise Http404(f"No customer {object_id}.")
        if not self.has_adjust_balance_permission(request):
            raise PermissionDenied
        form = BalanceAdjustmentForm(request.POST if request.method == "POST" else None)
        confirming = False
        if form.is_valid():
            if request.POST.get("confirmed") == "yes":
                done = self._adjust(request, customer, form)
                if done is not None:
                    return done
            else:
                confirming = True
        return TemplateResponse(
            request,
            "admin/invoices/balance_adjustment.html",
            self._adjustment_context(request, customer, form, confirming),
        )

    def _adjust(self, request: HttpRequest, customer: Customer, form: BalanceAdjustmentForm) -> HttpResponse | None:
        try:
            entry = services.balance_adjustment_create(
                tenant=customer.tenant_id, customer=customer, **form.cleaned_data
            )
        except DomainError as exc:  # a bad amount (400), or the balance would go below 0 (409)
            form.add_error(None, str(exc))
            return None
        balance = selectors.balance_for_customer(
            tenant=customer.tenant_id, customer_id=customer.pk, currency=entry.currency
        )
        shown = {"currency": entry.currency, "customer": customer, "amount": format_price(entry.amount, entry.currency)}
        self.message_user(
            request, BALANCE_ADJUSTED.format(**shown, balance=format_price(balance, entry.currency)), messages.SUCCESS
        )
        return HttpResponseRedirect(reverse("admin:subscriptions_customer_change", args=[customer.pk]))

    def _adjustment_context(
        self, request: HttpRequest, customer: Customer, form: BalanceAdjustmentForm, confirming: bool
    ) -> dict[str, Any]:
        context = {
            **self.admin_site.each_context(request),
            "title": f"Adjust the balance of {customer}",
            "opts": self.opts,
            "original": customer,
            "form": form,
            "confirming": confirming,
        }
        if confirming:
            currency, amount = form.cleaned_data["currency"], form.cleaned_data["amount"]
            before = selectors.balance_for_customer(
                tenant=customer.tenant_id, customer_id=customer.pk, currency=currency
            )
            context.update(
                currency=currency,
                amount=format_price(amount, currency),
                before=format_price(before, currency),
                after=format_price(before + amount, currency),
                below_zero=before + amount < 0,
            )
        return context
