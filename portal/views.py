"""The customer portal's pages (API.md Part 2, "Documents, portal, export"): no login,
the link's signed token is the credential (portal.services). `GET /portal/<token>/`
is the customer's page; `GET /portal/<token>/invoices/<id>/pdf` one of its invoices
as a PDF. An expired or altered token, and an invoice that is not the token's
customer's (another customer's, another tenant's, or none), answer 403 with a page
that says why, never which invoices exist.

The pages load nothing from elsewhere (styles inline, no scripts: `PAGE_CSP`), are
never cached or indexed, and send no `Referer` (the token is in the path).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import structlog
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from invoices.documents import PAGE_CSP, PDF, document_response, invoice_document
from portal import selectors, services
from portal.page import portal_page
from subscriptions.models import Customer
from subscriptions.selectors import customer_get
from tenants.isolation import tenant_scope
from tenants.models import Tenant

INVOICE_NOT_YOURS = "This link does not open that invoice."
PRIVATE_HEADERS = {
    "Cache-Control": "no-store, private",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
}


def _private(response: HttpResponse) -> HttpResponse:
    for name, value in PRIVATE_HEADERS.items():
        response[name] = value
    return response


def _refused(request: HttpRequest, message: str) -> HttpResponse:
    response = render(request, "portal/refused.html", {"message": message}, status=403)
    response["Content-Security-Policy"] = PAGE_CSP
    return _private(response)


def _opened(
    request: HttpRequest, token: str, respond: Callable[[services.PortalAccess, Tenant, Customer], HttpResponse]
) -> HttpResponse:
    """`respond(access, tenant, customer)` in the tenant's scope, when `token` opens a
    customer that still exists; else the 403 page."""
    try:
        access = services.portal_token_read(token)
    except services.PortalLinkRefused as refused:
        return _refused(request, refused.message)
    structlog.contextvars.bind_contextvars(tenant_id=str(access.tenant_id), portal_customer_id=str(access.customer_id))
    with tenant_scope(access.tenant_id):
        tenant = Tenant.objects.filter(pk=access.tenant_id).first()
        customer = customer_get(tenant=access.tenant_id, customer_id=access.customer_id) if tenant else None
        if tenant is None or customer is None:  # deleted since the link was made
            return _refused(request, services.PORTAL_LINK_INVALID)
        return _private(respond(access, tenant, customer))


@require_safe
def portal_page_view(request: HttpRequest, token: str) -> HttpResponse:
    def respond(access: services.PortalAccess, tenant: Tenant, customer: Customer) -> HttpResponse:
        page = portal_page(tenant=tenant, customer=customer, expires_at=access.expires_at)
        context = {"page": page, "token": token}
        response = render(request, "portal/page.html", context)
        response["Content-Security-Policy"] = PAGE_CSP
        return response

    return _opened(request, token, respond)


@require_safe
def portal_invoice_pdf_view(request: HttpRequest, token: str, invoice_id: uuid.UUID) -> HttpResponse:
    def respond(access: services.PortalAccess, tenant: Tenant, customer: Customer) -> HttpResponse:
        invoice = selectors.portal_invoice(tenant=tenant, customer_id=customer.pk, invoice_id=invoice_id)
        if invoice is None:
            return _refused(request, INVOICE_NOT_YOURS)
        return document_response(invoice_document(invoice), PDF)

    return _opened(request, token, respond)
