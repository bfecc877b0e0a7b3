"""Payment routes under /v1/tenants/{tid}/ (in payments, which invoices may not import)."""

from django.urls import URLPattern, URLResolver, path

from payments.api import InvoicePayApi

urlpatterns: list[URLPattern | URLResolver] = [
    path("invoices/<uuid:invoice_id>/pay", InvoicePayApi.as_view(), name="invoice-pay"),
]
