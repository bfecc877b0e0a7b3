"""The portal's pages behind a link: what the customer sees, and the 403s of a token
that is expired, altered or not for that invoice (portal.views)."""

from __future__ import annotations

import io
import re
import uuid
from datetime import timedelta

import pypdf
import pytest
from django.core import signing

from invoices.documents import PAGE_CSP
from invoices.tests.conftest import cus_42_on
from invoices.tests.factories import InvoiceFactory
from portal import services
from portal.views import INVOICE_NOT_YOURS, PRIVATE_HEADERS
from subscriptions.tests.factories import CustomerFactory
from tenants.tests.factories import make_sandbox
from tenants.tests.utils import at
from usage.tests.factories import use

pytestmark = pytest.mark.django_db


def text(response) -> str:
    """The page's text with its tags dropped and its spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def pdf_text(content: bytes) -> str:
    return " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)


def test_the_page_shows_subscriptions_usage_upcoming_invoice_invoices_and_balance(client, globex, link):
    response = client.get(link(globex.customer))
    assert response.status_code == 200
    page = text(response)
    assert "Acme Billing for Globex Corporation" in page
    assert "Pro Monthly Active" in page
    assert "API calls 2,500" in page
    assert "Upcoming invoice on" in page and ": $52.00 Amount due after credits: $42.00" in page
    assert "Credit balance $10.00" in page
    invoice = globex.invoice
    assert f"{invoice.number} " in page and "Open $70.25 $70.25 PDF" in page
    assert f'href="/portal/{link_token(response)}/invoices/{invoice.id}/pdf"' in response.content.decode()


def link_token(response) -> str:
    return response.wsgi_request.path.split("/")[2]


def test_the_page_loads_nothing_from_elsewhere_and_is_never_cached_or_referred(client, globex, link):
    response = client.get(link(globex.customer))
    assert response["Content-Security-Policy"] == PAGE_CSP
    assert {name: response[name] for name in PRIVATE_HEADERS} == PRIVATE_HEADERS
    html = response.content.decode()
    assert "<script" not in html and "src=" not in html and "<link" not in html


def test_an_invoice_pdf_opens_through_the_same_link(client, globex, link):
    path = link(globex.customer)
    response = client.get(f"{path}invoices/{globex.invoice.id}/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == PRIVATE_HEADERS["Cache-Control"]
    content = pdf_text(response.content)
    assert f"Invoice {globex.invoice.number}" in content and "Amount due $70.25" in content


def test_another_customers_invoice_is_403_with_a_valid_link(client, tenant, other_tenant, globex, link):
    neighbour = InvoiceFactory(tenant=tenant, customer=CustomerFactory(tenant=tenant))
    foreign = InvoiceFactory(tenant=other_tenant)
    path = link(globex.customer)
    for invoice_id in (neighbour.id, foreign.id, uuid.uuid4()):
        response = client.get(f"{path}invoices/{invoice_id}/pdf")
        assert response.status_code == 403, invoice_id
        assert INVOICE_NOT_YOURS in response.content.decode()
        assert response["Content-Type"].startswith("text/html")


def test_an_altered_token_is_403_on_the_page_and_the_pdf(client, globex, link):
    path = link(globex.customer)
    token = path.split("/")[2]
    # Every character of the token matters: a change to the claims or to the signature.
    altered = [
        token[:10] + ("A" if token[10] != "A" else "B") + token[11:],
        token[:-1] + ("x" if token[-1] != "x" else "y"),
    ]
    for bad in [*altered, "not-a-token", token + "x"]:
        for suffix in ("", f"invoices/{globex.invoice.id}/pdf"):
            response = client.get(f"/portal/{bad}/{suffix}")
            assert response.status_code == 403, (bad, suffix)
            assert services.PORTAL_LINK_INVALID in response.content.decode()


def test_a_token_signed_for_something_else_is_403(client, tenant, globex):
    claims = [tenant.id.hex, globex.customer.pk.hex, 4_000_000_000]
    for token in (signing.dumps(claims), signing.dumps(claims, salt="another.salt")):
        assert client.get(f"/portal/{token}/").status_code == 403


def test_a_link_of_a_customer_deleted_since_is_403(client, tenant, link):
    customer = CustomerFactory(tenant=tenant)
    path = link(customer)
    customer.delete()
    response = client.get(path)
    assert response.status_code == 403
    assert services.PORTAL_LINK_INVALID in response.content.decode()


def test_the_token_opens_its_own_tenants_customer_only(client, tenant, other_tenant, globex):
    # A valid signature over another tenant's id with this customer's id opens nothing.
    stranger = CustomerFactory(tenant=other_tenant)
    token = services.portal_session_create(tenant=other_tenant, customer=globex.customer).token
    assert client.get(f"/portal/{token}/").status_code == 403
    token = services.portal_session_create(tenant=tenant, customer=stranger).token
    assert client.get(f"/portal/{token}/").status_code == 403


def test_a_sandbox_page_is_at_the_tenants_clock(client, tenant, pro, link):
    make_sandbox(tenant, at(2026, 2, 10, 12))
    sub = cus_42_on(tenant, pro)
    use(sub, "api_calls", "1200", at(2026, 1, 20))
    page = text(client.get(link(sub.customer)))
    assert "As of Feb 10, 2026, 12:00:00 PM UTC Sandbox clock" in page
    # Not yet invoiced at its clock: January is still the current period.
    assert "Current period: Jan 1, 2026 – Feb 1, 2026" in page
    assert "API calls 1,200" in page
    assert ": $49.40" in page  # 49.00 + 200 × 0.002
    assert "No invoices yet." in page


def test_a_canceled_subscription_shows_no_usage_or_upcoming_invoice(client, tenant, globex, link):
    sub = globex.subscription
    sub.status, sub.canceled_at = "canceled", sub.current_period_start + timedelta(days=1)
    sub.save()
    page = text(client.get(link(globex.customer)))
    assert "Pro Monthly Canceled" in page and "Canceled on" in page
    assert "Upcoming invoice" not in page and "API calls" not in page


def test_the_page_shows_the_grants_that_can_still_pay(client, tenant, globex, link):
    from invoices.tests.factories import CreditGrantFactory

    customer = globex.customer
    CreditGrantFactory(tenant=tenant, customer=customer, name="Welcome", amount="25.00", expires_at=at(2026, 12, 31))
    CreditGrantFactory(tenant=tenant, customer=customer, name="Gone", status="expired")
    page = text(client.get(link(customer)))
    assert "Credit grant Remaining Expires Welcome $25.00 Dec 31, 2026" in page
    assert "Gone" not in page
