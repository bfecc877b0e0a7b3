"""The portal's public pages, mounted at /portal/ (no login: the token is the credential)."""

from django.urls import path

from portal import views

urlpatterns = [
    path("<str:token>/", views.portal_page_view, name="portal-page"),
    path("<str:token>/invoices/<uuid:invoice_id>/pdf", views.portal_invoice_pdf_view, name="portal-invoice-pdf"),
]
