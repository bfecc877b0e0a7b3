"""Credit notes in the admin: read-only list and detail (`CreditNoteAdmin`), and
"Issue a credit note" from an invoice's page (`CreditNoteIssueMixin`, mixed into
`InvoiceAdmin`): a form, then a confirmation page stating what the note will do, then
`credit_notes.credit_note_create` (the API's service: same checks, same event, the
refund sent on commit). Notes never change, so nothing here edits or deletes one; a
note's page links to its PDF and HTML documents (`invoices.document_admin`).
"""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join

from invoices import credit_notes, documents
from invoices.document_admin import DocumentAdminMixin
from invoices.models import CreditNote, Invoice
from plans.admin_display import money_field, money_text
from tenants.admin_mixins import OBJECT_PARAM, ReadOnlyAdminMixin, object_link, related_links
from tenants.errors import DomainError
from tenants.isolation import tenant_scope

ISSUED = "Issued {number} ({amount}) on invoice {invoice}."
ISSUE_TEMPLATE = "admin/invoices/invoice/credit_note_issue.html"

CREDIT_NOTE_FIELDS = (
    "number", "documents", "tenant", "invoice", "customer", "currency", "amount_shown", "tax_shown",
    "refund_amount_shown", "credit_amount_shown", "refund_status", "reason", "memo", "related", "created_at",
)  # fmt: skip


class CreditNoteIssueForm(forms.Form):
    amount = forms.DecimalField(min_value=0, max_digits=48, decimal_places=12)
    reason = forms.ChoiceField(choices=CreditNote.Reason.choices)
    memo = forms.CharField(max_length=500, required=False)
    refund_amount = forms.DecimalField(
        min_value=0, max_digits=48, decimal_places=12, required=False, help_text="Paid invoices only"
    )
    credit_amount = forms.DecimalField(
        min_value=0, max_digits=48, decimal_places=12, required=False, help_text="Paid invoices only"
    )

    def request(self) -> credit_notes.CreditNoteRequest:
        return credit_notes.CreditNoteRequest(**self.cleaned_data)


class CreditNoteIssueMixin:
    """`<invoice id>/credit-note/` on the invoice admin: form → confirmation → service."""

    admin_site: admin.AdminSite
    model: type[Invoice]

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.issue_credit_note_view)
        own = [path("<uuid:invoice_id>/credit-note/", view, name="invoices_invoice_credit_note")]
        return own + super().get_urls()  # type: ignore[misc]

    @admin.display(description="credit notes")
    def credit_notes_link(self, invoice: Invoice) -> str:
        notes = CreditNote.unscoped().filter(invoice=invoice).order_by("number")
        links = format_html_join(", ", "{}", ((object_link("invoices_creditnote", n.pk, n.number),) for n in notes))
        url = reverse("admin:invoices_invoice_credit_note", args=[invoice.pk])
        return format_html('{} <a class="button" href="{}">Issue a credit note</a>', links or "none", url)

    def issue_credit_note_view(self, request: HttpRequest, invoice_id: uuid.UUID) -> HttpResponse:
        if not request.user.has_perm("invoices.change_invoice"):
            return HttpResponse(status=403)
        invoice = get_object_or_404(Invoice.unscoped().select_related("customer", "tenant"), pk=invoice_id)
        form = CreditNoteIssueForm(request.POST if request.method == "POST" else None)
        if not form.is_valid():
            return self._issue_page(request, invoice, form, confirm=False)
        if request.POST.get("post") != "yes":
            return self._issue_page(request, invoice, form, confirm=True)
        try:
            with tenant_scope(invoice.tenant_id):
                note = credit_notes.credit_note_create(
                    tenant=invoice.tenant_id, invoice_id=invoice.pk, request=form.request()
                )
        except DomainError as exc:
            form.add_error(None, str(exc))
            return self._issue_page(request, invoice, form, confirm=False)
        text = ISSUED.format(number=note.number, amount=money_text(note.amount, note.currency), invoice=invoice.number)
        self.message_user(request, text, messages.SUCCESS)  # type: ignore[attr-defined]
        return HttpResponseRedirect(reverse("admin:invoices_invoice_change", args=[invoice.pk]))

    def _issue_page(self, request: HttpRequest, invoice: Invoice, form: CreditNoteIssueForm, *, confirm: bool) -> Any:
        context = {
            **self.admin_site.each_context(request),
            "title": f"Issue a credit note on {invoice.number}",
            "opts": self.model._meta,
            "invoice": invoice,
            "form": form,
            "confirm": confirm,
            "pre_payment": invoice.status == Invoice.Status.OPEN,
        }
        return TemplateResponse(request, ISSUE_TEMPLATE, context)


@admin.register(CreditNote)
class CreditNoteAdmin(DocumentAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["number", "invoice", "customer", "amount_shown", "refund_status", "reason", "created_at", "tenant"]
    list_filter = ["tenant", "reason", "refund_status", "currency"]
    list_select_related = ["invoice", "customer", "tenant"]
    search_fields = ["number", "invoice__number", "customer__external_id", "=id"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    fields = readonly_fields = CREDIT_NOTE_FIELDS
    build_document = documents.credit_note_document

    amount_shown = money_field("amount", description="amount")
    tax_shown = money_field("tax", description="tax")
    refund_amount_shown = money_field("refund_amount", description="refund amount")
    credit_amount_shown = money_field("credit_amount", description="credit amount")

    def get_queryset(self, request: HttpRequest) -> QuerySet[CreditNote]:
        return CreditNote.unscoped().select_related("invoice", "customer", "tenant")

    @admin.display(description="related")
    def related(self, note: CreditNote) -> str:
        """Its refund's payment events, its webhook deliveries and its audit entries."""
        return related_links(
            ("payments_paymentevent", {"credit_note": note.pk}, "payment events"),
            ("webhooks_webhookdelivery", {OBJECT_PARAM: note.pk}, "webhook deliveries"),
            ("audit_auditentry", {"object_type": "credit_note", "object_id": note.pk}, "audit entries"),
        )
