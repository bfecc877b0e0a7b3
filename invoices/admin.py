"""Support staff's view of invoicing: invoices with their lines, and invoice runs.

Every invoice is finalized when it is written, so nothing here can add, change or
delete one: amounts and lines never change (corrections are late-usage lines on a
later invoice, credit notes, or a void). "Issue a credit note" on an invoice's page is
in `invoices.credit_note_admin` (a form, then a confirmation); each usage, late_usage
and correction line links to its events (`invoices.provenance_admin`). The writes here are two
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

from decimal import Decimal
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
from invoices.models import BalanceTransaction, Invoice, InvoiceLine, InvoiceRun, InvoiceRunChunk
from invoices.provenance_admin import LineEventsAdminMixin, line_events_link
from invoices.serializers import RUN_PROGRESS_FIELDS
from plans.admin_display import money_field, money_text, quantity_field, quantity_text, tier_table
from plans.money import format_price
from subscriptions.admin import CustomerAdmin as SubscriptionsCustomerAdmin
from subscriptions.models import Customer
from tenants.admin_mixins import (
    OBJECT_PARAM,
    ReadOnlyAdminMixin,
    action_confirmation,
    apply_each,
    object_link,
    related_links,
)
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
    "threshold_shown",
    "currency",
    "period_start",
    "period_end",
    "subtotal_shown",
    "discount_shown",
    "tax_shown",
    "tax_breakdown",
    "total_shown",
    "credits_applied_shown",
    "amount_credited_shown",
    "credit_notes_link",
    "amount_paid_shown",
    "amount_due_shown",
    "related",
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
    "filter_name",
    "group_shown",
    "quantity_shown",
    "amount_shown",
    "tier_breakdown",
    "period_start",
    "period_end",
    "source_invoice",
    "events",
)
RUN_FIELDS = ("id", "tenant", *RUN_PROGRESS_FIELDS, "error", "errors", "created_at")


class InvoiceLineInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = InvoiceLine
    fk_name = "invoice"  # not source_invoice (the invoice a late-usage line corrects)
    extra = 0
    can_delete = False
    fields = readonly_fields = LINE_FIELDS
    ordering = ["position"]

    quantity_shown = quantity_field("quantity", description="quantity")
    amount_shown = money_field("amount", currency="invoice.currency", description="amount")

    @admin.display(description="group")
    def group_shown(self, line: InvoiceLine) -> str:
        """A dimensional line's group, `workspace=a, model=(none)`; "—" without."""
        if not line.group_values:
            return "—"
        return ", ".join(f"{k}={'(none)' if v is None else v}" for k, v in line.group_values.items())

    def get_queryset(self, request: HttpRequest) -> QuerySet[InvoiceLine]:
        return InvoiceLine.unscoped().select_related("invoice", "source_invoice").order_by("position")

    @admin.display(description="tiers")
    def tier_breakdown(self, line: InvoiceLine) -> str:
        return tier_table(line.tiers, line.invoice.currency)

    events = staticmethod(line_events_link)


@admin.register(Invoice)
class InvoiceAdmin(
    LineEventsAdminMixin, DocumentAdminMixin, CreditNoteIssueMixin, ReadOnlyAdminMixin, admin.ModelAdmin
):
    list_display = ["number", "customer", "status", "amount", "period_start", "period_end", "issued_at", "tenant"]
    list_filter = ["tenant", "status", "billing_reason", "currency"]
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

    amount = money_field("total", description="total")
    subtotal_shown = money_field("subtotal", description="subtotal")
    threshold_shown = money_field("threshold_amount", description="usage threshold (threshold invoices)")
    discount_shown = money_field("discount", description="discount")
    tax_shown = money_field("tax", description="tax")
    total_shown = money_field("total", description="total")
    credits_applied_shown = money_field("credits_applied", description="credits applied")
    amount_credited_shown = money_field("amount_credited", description="amount credited")
    amount_paid_shown = money_field("amount_paid", description="amount paid")
    amount_due_shown = money_field("amount_due", description="amount due")

    @admin.display(description="related")
    def related(self, invoice: Invoice) -> str:
        """Its payment events, the usage of its period, its webhook deliveries, and its
        audit entries (when the audit app is installed)."""
        period = {"timestamp__gte": invoice.period_start.isoformat(), "timestamp__lt": invoice.period_end.isoformat()}
        return related_links(
            ("payments_paymentevent", {"invoice": invoice.pk}, "payment events"),
            ("usage_usageevent", {"customer": invoice.customer_id, **period}, "usage events of the period"),
            ("webhooks_webhookdelivery", {OBJECT_PARAM: invoice.pk}, "webhook deliveries"),
            ("audit_auditentry", {"object_type": "invoice", "object_id": invoice.pk}, "audit entries"),
        )

    @admin.display(description="taxes")
    def tax_breakdown(self, invoice: Invoice) -> str:
        """One line per rate, as frozen at finalization: "state (State sales tax) 6.25 % of 54.00 USD: 3.38 USD"."""
        rows = [
            (
                tax["code"],
                tax["name"],
                quantity_text(tax["percentage"]),
                money_text(Decimal(tax["taxable"]), invoice.currency),
                money_text(Decimal(tax["amount"]), invoice.currency),
            )
            for tax in invoice.taxes
        ]
        return format_html_join("", "<div>{} ({}) {} % of {}: {}</div>", rows) or "-"

    @admin.action(description="Export selected as CSV", permissions=["view"])
    def export_csv_selected(self, request: HttpRequest, queryset: QuerySet[Invoice]) -> StreamingHttpResponse:
        """The API's export of the selected invoices (of any tenants), oldest first."""
        return export.invoice_export_response(queryset)

    def has_void_permission(self, request: HttpRequest) -> bool:
        # The invoice is read only, so the action asks for the model's change permission itself.
        return request.user.has_perm("invoices.change_invoice")

    @admin.action(description="Void selected invoices", permissions=["void"])
    def void_selected(self, request: HttpRequest, queryset: QuerySet[Invoice]) -> TemplateResponse | None:
        """First a confirmation page (a void cannot be undone), then, once confirmed
        (`post=yes`), the service for each invoice."""
        invoices = list(queryset.order_by("number"))
        if request.POST.get("post") != "yes":
            return action_confirmation(
                self,
                request,
                template="admin/invoices/invoice/void_confirmation.html",
                title="Void invoices?",
                chosen=[i for i in invoices if i.status == Invoice.Status.OPEN],
                skipped=[i for i in invoices if i.status != Invoice.Status.OPEN],
            )
        apply_each(
            self,
            request,
            invoices,
            lambda invoice: services.invoice_void(tenant=invoice.tenant_id, invoice_id=invoice.pk),
            done=VOIDED,
            refused=lambda invoice, exc: NOT_VOIDED.format(number=invoice.number, reason=exc),
        )
        return None

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


CHUNK_FIELDS = (
    "position", "status", "worker", "attempts", "planned", "subscriptions_processed", "invoices_created",
    "first_id", "last_id", "started_at", "heartbeat_at", "finished_at", "error",
)  # fmt: skip


class InvoiceRunChunkInline(ReadOnlyAdminMixin, admin.TabularInline):
    """The chunks of a split run (invoices.run_chunks): who billed what, and how often."""

    model = InvoiceRunChunk
    fields = readonly_fields = CHUNK_FIELDS
    extra = 0
    show_change_link = True


@admin.register(InvoiceRunChunk)
class InvoiceRunChunkAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["run", "position", "status", "worker", "attempts", "invoices_created", "heartbeat_at"]
    list_filter = ["status", "tenant"]
    list_select_related = ["run", "tenant"]
    search_fields = ["=run__id", "worker"]
    show_full_result_count = False
    fields = readonly_fields = ("id", "tenant", "run", *CHUNK_FIELDS, "created_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[InvoiceRunChunk]:
        return InvoiceRunChunk.unscoped().select_related("run", "tenant")


@admin.register(InvoiceRun)
class InvoiceRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    inlines = [InvoiceRunChunkInline]
    list_display = ["id", "tenant", *RUN_PROGRESS_FIELDS, "short_error", "not_billed"]
    list_filter = ["tenant", "status"]
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
    signed_amount = money_field("amount", description="amount")


@admin.register(BalanceTransaction)
class BalanceTransactionAdmin(SignedAmountMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """The customer balance ledger, read only: entries are written by the services
    that cause them (finalization, voids, adjustments), in the same transaction."""

    list_display = ["created_at", "customer", "kind", "signed_amount", "invoice", "tenant"]
    list_filter = ["tenant", "kind", "currency"]
    list_select_related = ["customer", "invoice", "tenant"]
    search_fields = ["customer__external_id", "customer__name", "invoice__number"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    fields = readonly_fields = (
        "id", "tenant", "customer", "currency", "signed_amount", "kind", "invoice", "credit_note", "description",
        "created_at",
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


class CustomerInvoiceInline(ReadOnlyAdminMixin, admin.TabularInline):
    """The customer's invoices, newest first, each number linked to its page ("all
    invoices" among the related links opens them as a list, to filter and search)."""

    model = Invoice
    fk_name = "customer"
    extra = 0
    can_delete = False
    fields = readonly_fields = (
        "invoice",
        "status",
        "period_start",
        "period_end",
        "total_shown",
        "amount_due_shown",
        "issued_at",
    )
    verbose_name_plural = "invoices (newest first)"

    total_shown = money_field("total", description="total")
    amount_due_shown = money_field("amount_due", description="amount due")

    @admin.display(description="number")
    def invoice(self, invoice: Invoice) -> str:
        return object_link("invoices_invoice", invoice.pk, invoice.number)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Invoice]:
        return Invoice.unscoped().order_by("-issued_at", "-number")


admin.site.unregister(Customer)


@admin.register(Customer)
class CustomerAdmin(SubscriptionsCustomerAdmin):
    """Subscriptions' customer admin with the customer's balance (see the module docstring)."""

    fields = [*SubscriptionsCustomerAdmin.fields, "balance", "related"]
    readonly_fields = [*SubscriptionsCustomerAdmin.readonly_fields, "balance", "related"]
    inlines = [*SubscriptionsCustomerAdmin.inlines, CustomerInvoiceInline, BalanceTransactionInline, CreditGrantInline]
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
        return ", ".join(money_text(amount, currency) for currency, amount in balances) or NO_BALANCE

    @admin.display(description="related")
    def related(self, customer: Customer) -> str:
        """The full lists of the customer's rows; credit grants and audit entries once
        their admins are installed."""
        mine = {"customer": customer.pk}
        return related_links(
            ("subscriptions_subscription", mine, "subscriptions"),
            ("invoices_invoice", mine, "all invoices"),
            ("invoices_creditnote", mine, "credit notes"),
            ("invoices_balancetransaction", mine, "balance ledger"),
            ("invoices_creditgrant", mine, "credit grants"),
            ("usage_usageevent", mine, "usage events"),
            ("audit_auditentry", {"object_type": "customer", "object_id": customer.pk}, "audit entries"),
        )

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
