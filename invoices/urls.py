from django.urls import path

from invoices import api, credit_note_api, document_api, grant_api, provenance_api

# …/invoices/{id}/pdf, …/invoices/{id}/html, and the same of credit notes: (path, URL name, views by format).
DOCUMENTS = (
    ("invoices", "invoice", document_api.INVOICE_DOCUMENTS),
    ("credit-notes", "credit-note", document_api.CREDIT_NOTE_DOCUMENTS),
)

urlpatterns = [
    path("invoices/run", api.InvoiceRunCreateApi.as_view(), name="invoice-run"),
    path("invoice-runs/<uuid:run_id>", api.InvoiceRunDetailApi.as_view(), name="invoice-run-detail"),
    path("invoices", api.InvoiceListApi.as_view(), name="invoice-list"),
    path("invoices/export", document_api.InvoiceExportApi.as_view(), name="invoice-export"),
    path("invoices/<uuid:invoice_id>", api.InvoiceDetailApi.as_view(), name="invoice-detail"),
    path("invoices/<uuid:invoice_id>/void", api.InvoiceVoidApi.as_view(), name="invoice-void"),
    path(
        "invoices/<uuid:invoice_id>/mark-uncollectible",
        api.InvoiceMarkUncollectibleApi.as_view(),
        name="invoice-mark-uncollectible",
    ),
    path(
        "invoices/<uuid:invoice_id>/lines/<int:line_id>/events",
        provenance_api.InvoiceLineEventsApi.as_view(),
        name="invoice-line-events",
    ),
    path(
        "invoices/<uuid:invoice_id>/credit-notes",
        credit_note_api.CreditNoteCreateApi.as_view(),
        name="invoice-credit-note-create",
    ),
    path("credit-notes", credit_note_api.CreditNoteListApi.as_view(), name="credit-note-list"),
    path(
        "credit-notes/<uuid:credit_note_id>", credit_note_api.CreditNoteDetailApi.as_view(), name="credit-note-detail"
    ),
    path("customers/<uuid:customer_id>/balance", api.CustomerBalanceApi.as_view(), name="customer-balance"),
    path(
        "customers/<uuid:customer_id>/balance-transactions",
        api.BalanceTransactionListCreateApi.as_view(),
        name="customer-balance-transactions",
    ),
    path(
        "customers/<uuid:customer_id>/credit-grants",
        grant_api.CreditGrantListCreateApi.as_view(),
        name="credit-grant-list",
    ),
    path("credit-grants/<uuid:credit_grant_id>", grant_api.CreditGrantDetailApi.as_view(), name="credit-grant-detail"),
    path("credit-grants/<uuid:credit_grant_id>/void", grant_api.CreditGrantVoidApi.as_view(), name="credit-grant-void"),
    *(
        path(f"{prefix}/<uuid:{view.lookup_url_kwarg}>/{fmt}", view.as_view(), name=f"{name}-{fmt}")
        for prefix, name, views in DOCUMENTS
        for fmt, view in views.items()
    ),
]
