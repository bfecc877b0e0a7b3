"""Invoice and credit-note documents (API.md Part 2, "Documents, portal, export"): the
PDF (its text, as pypdf extracts it) and the page say the same, every line with its
tiers, discounts, taxes per rate, credits and the amount due, in the currency's format."""

from __future__ import annotations

import io
from decimal import Decimal

import pypdf
import pytest
from django.urls import reverse

from invoices.documents import PAGE_CSP, credit_note_document, document_html, invoice_document
from invoices.models import Invoice, InvoiceLine
from invoices.services import INVOICE_NOT_FOUND
from invoices.tests.factories import InvoiceFactory, InvoiceLineFactory, credit_note, run
from plans.tests.factories import CouponFactory, PlanFactory, TaxRateFactory
from subscriptions.discount_services import discount_create
from subscriptions.models import CustomerTaxRate
from subscriptions.tests.factories import SubscriptionFactory
from tenants.tests.utils import at
from usage.tests.factories import use

pytestmark = pytest.mark.django_db


def pdf_lines(content: bytes) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return [line for page in reader.pages for line in page.extract_text().splitlines()]


def page_text(content: bytes) -> str:
    return content.decode()


@pytest.fixture
def taxed(tenant, sub):
    """cus_42 (on Pro) pays two rates of its own: 6.25 % state and 2.625 % city tax."""
    customer = sub.customer
    customer.name = "Zoë Müller & Söhne"
    customer.save()
    for position, (name, percentage) in enumerate((("State tax", "6.25"), ("City tax", "2.625"))):
        rate = TaxRateFactory(tenant=tenant, name=name, percentage=Decimal(percentage))
        CustomerTaxRate.objects.create(tenant=tenant, customer=customer, tax_rate=rate, position=position)
    return sub


@pytest.fixture
def january(tenant, taxed):
    """January of cus_42: 49.00 + 13,250 API calls (21.25 across three tiers), taxed."""
    use(taxed, "api_calls", "13250", at(2026, 1, 5))
    run(tenant, at(2026, 2, 1))
    return Invoice.objects.get(period_start=at(2026, 1, 1))


def test_the_invoice_pdf_has_the_number_every_line_with_its_tiers_the_taxes_and_the_amount_due(
    api, turl, tenant, january
):
    response = api.get(turl(f"invoices/{january.id}/pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="{january.number}.pdf"'
    lines = pdf_lines(response.content)
    assert lines[0] == f"Invoice {january.number}"
    assert "Acme Zoë Müller & Söhne" in lines  # From, Bill to
    assert "Period Jan 1, 2026 – Feb 1, 2026" in lines
    assert "Issued Feb 1, 2026" in lines and "Due Mar 3, 2026" in lines
    # 49.00 + 21.25 = 70.25; state 4.39 (4.390625), city 1.84 (1.8440625): total 76.48.
    assert lines[lines.index("Description Quantity Unit price Amount") + 1 :][:7] == [
        "Pro (month) 1 $49.00",
        "API calls (tiered) 13,250 $21.25",
        "↳ Tier 1: up to 1,000 1,000 $0.00 $0.00",
        "↳ Tier 2: 1,000 to 10,000 9,000 $0.002 $18.00",
        "↳ Tier 3: above 10,000 3,250 $0.001 $3.25",
        "Subtotal $70.25",
        "State tax (6.25 %) on $70.25 $4.39",
    ]
    assert "City tax (2.625 %) on $70.25 $1.84" in lines
    assert (january.total, january.amount_due) == (Decimal("76.48"), Decimal("76.48"))
    assert lines[-5:] == [
        "Total $76.48",
        "Credits applied $0.00",
        "Amount credited $0.00",
        "Amount paid $0.00",
        "Amount due $76.48",
    ]


def test_the_page_is_the_same_document_as_the_pdf(api, turl, january):
    pdf = pdf_lines(api.get(turl(f"invoices/{january.id}/pdf")).content)
    response = api.get(turl(f"invoices/{january.id}/html"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["Content-Security-Policy"] == PAGE_CSP
    page = page_text(response.content)
    assert f"<title>Invoice {january.number} · Acme</title>" in page
    assert "Zoë Müller &amp; Söhne" in page
    for text in ("↳ Tier 3: above 10,000", "$0.001", "State tax (6.25 %) on $70.25", "Amount due", "$76.48"):
        assert text in page
    assert f"Invoice {january.number}" in pdf
    # One template: the page's body is what the PDF was made of.
    assert document_html(invoice_document(january)).count("<tr") == page.count("<tr")


def test_late_usage_credit_notes_and_payments_are_on_the_next_invoice_document(api, turl, tenant, taxed, january):
    use(taxed, "api_calls", "500", at(2026, 1, 20), created_at=at(2026, 2, 10))
    run(tenant, at(2026, 3, 1))
    february = Invoice.objects.get(period_start=at(2026, 2, 1))
    credit_note(invoice=february, amount="10.00", reason="order_change")
    lines = pdf_lines(api.get(turl(f"invoices/{february.id}/pdf")).content)
    # 500 more calls above 10,000 at 0.001.
    assert "API calls: late usage for 2026-01-01 – 2026-02-01 500 $0.50" in lines
    february.refresh_from_db()
    assert "Amount credited $10.00" in lines
    assert (february.total, february.amount_due) == (Decimal("53.89"), Decimal("43.89"))
    assert "Amount due $43.89" in lines
    assert "Credit note CN-000001 of " in lines[-1] and "(Order change): $10.00, off the amount due" in lines[-1]


def test_a_coupons_discount_line_and_the_discount_are_on_the_document(api, turl, tenant, taxed):
    CouponFactory(tenant=tenant, code="welcome", name="Welcome", percent_off=Decimal("20"))
    discount_create(tenant=tenant.id, customer_id=taxed.customer_id, coupon_code="welcome", subscription_id=taxed.id)
    run(tenant, at(2026, 2, 1))
    invoice = Invoice.objects.get(period_start=at(2026, 1, 1))
    [line] = invoice.lines.filter(kind=InvoiceLine.Kind.DISCOUNT)
    assert (line.amount, invoice.discount) == (Decimal("-9.80"), Decimal("9.80"))  # 20 % of 49.00
    lines = pdf_lines(api.get(turl(f"invoices/{invoice.id}/pdf")).content)
    assert f"{line.description} 1 -$9.80" in lines
    assert lines[lines.index("Subtotal $49.00") + 1 :][:2] == ["Discount -$9.80", "State tax (6.25 %) on $39.20 $2.45"]
    assert f"{line.description}" in page_text(api.get(turl(f"invoices/{invoice.id}/html")).content)


def test_amounts_take_the_currencys_format_and_digits_in_the_documents_locale(api, turl, tenant, settings):
    settings.DOCUMENT_LOCALE = "de_DE"
    euro = SubscriptionFactory(tenant=tenant, plan=PlanFactory(tenant=tenant, currency="EUR", name="Pro"))
    invoice = InvoiceFactory(subscription=euro, line_amounts=["1234.50", "0.05"])
    lines = pdf_lines(api.get(turl(f"invoices/{invoice.id}/pdf")).content)
    assert "Amount due 1.234,55 €" in lines
    dinar = SubscriptionFactory(tenant=tenant, plan=PlanFactory(tenant=tenant, currency="KWD", name="Pro"))
    invoice = InvoiceFactory(subscription=dinar, line_amounts=["12.345"])
    assert "Amount due 12,345 KWD" in pdf_lines(api.get(turl(f"invoices/{invoice.id}/pdf")).content)


def test_every_kind_of_line_renders_in_both_formats(api, turl, tenant, sub):
    """fpdf2 reads a subset of HTML: each kind of line, text that looks like markup, and
    characters beyond Latin-1 go through both renderings."""
    invoice = InvoiceFactory(subscription=sub, line_amounts=["49.00"], period_end=at(2026, 1, 15, 12))
    tier = {"from": 0, "up_to": None, "quantity": "3", "unit_amount": "8", "flat_amount": "20", "amount": "44.00"}
    kinds = [
        (InvoiceLine.Kind.PRORATION, "Pro (month), prorated <b>", {}),
        (InvoiceLine.Kind.LATE_USAGE, "Σ API calls", {"period_start": at(2026, 1, 1), "period_end": at(2026, 2, 1)}),
        (InvoiceLine.Kind.USAGE, "Seats — volume", {"tiers": [tier]}),
    ]
    for position, (kind, description, fields) in enumerate(kinds, start=1):
        InvoiceLineFactory(invoice=invoice, position=position, kind=kind, description=description, **fields)
    lines = pdf_lines(api.get(turl(f"invoices/{invoice.id}/pdf")).content)
    assert "Pro (month), prorated <b> 1 $0.10" in lines
    assert "Σ API calls 1 $0.10" in lines
    # Canceled at noon: the end with its time (CLDR puts a narrow no-break space before PM).
    assert "Period Jan 1, 2026 – Jan 15, 2026, 12:00:00\u202fPM UTC" in lines
    assert "↳ Tier 1: all units + $20.00 flat 3 $8.00 $44.00" in lines
    page = page_text(api.get(turl(f"invoices/{invoice.id}/html")).content)
    assert "Pro (month), prorated &lt;b&gt;" in page and "prorated <b>" not in page


def test_the_same_invoice_gives_the_same_pdf(api, turl, january):
    first, second = (api.get(turl(f"invoices/{january.id}/pdf")).content for _ in range(2))
    assert first == second


def test_a_document_answers_whatever_the_client_accepts(api, turl, january):
    """Not a 406 for a browser's Accept or `?format=`: the route has one media type."""
    pdf = api.get(turl(f"invoices/{january.id}/pdf"), HTTP_ACCEPT="application/pdf")
    assert (pdf.status_code, pdf["Content-Type"]) == (200, "application/pdf")
    page = api.get(turl(f"invoices/{january.id}/html") + "?format=json", HTTP_ACCEPT="text/html,*/*;q=0.8")
    assert (page.status_code, page["Content-Type"]) == (200, "text/html; charset=utf-8")


def test_an_unknown_invoice_is_the_json_404(api, turl, tenant):
    missing = InvoiceFactory.build(tenant=tenant).id
    response = api.get(turl(f"invoices/{missing}/pdf"), HTTP_ACCEPT="application/pdf")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["errors"] == [{"code": "not_found", "detail": INVOICE_NOT_FOUND, "attr": None}]


def test_a_viewer_reads_documents(viewer_api, turl, january):
    assert viewer_api.get(turl(f"invoices/{january.id}/pdf")).status_code == 200


# Credit notes


def test_a_credit_note_before_payment_lowers_the_amount_due(api, turl, tenant, january):
    note = credit_note(invoice=january, amount="10.00", reason="duplicate", memo="Billed twice")
    response = api.get(turl(f"credit-notes/{note.id}/pdf"))
    assert (response.status_code, response["Content-Type"]) == (200, "application/pdf")
    assert response["Content-Disposition"] == 'inline; filename="CN-000001.pdf"'
    lines = pdf_lines(response.content)
    assert lines[0] == "Credit note CN-000001"
    assert f"Invoice {january.number} of Feb 1, 2026" in lines
    assert "Reason Duplicate" in lines
    # Its tax share: round(10.00 × 6.23 / 76.48) = 0.81.
    assert (note.tax, note.amount - note.tax) == (Decimal("0.81"), Decimal("9.19"))
    assert f"Credit on invoice {january.number} $9.19" in lines
    assert lines[-5:] == [
        "Subtotal $9.19",
        "Tax (its share of the invoice's tax) $0.81",
        "Total credited $10.00",
        "Taken off the invoice's amount due $10.00",
        "Memo: Billed twice",
    ]


def test_a_credit_note_after_payment_shows_its_refund_and_credit(api, turl, tenant, sub):
    paid = InvoiceFactory(subscription=sub, amount_paid=Decimal("49.00"))
    note = credit_note(invoice=paid, amount="20.00", refund_amount=Decimal("15.00"), credit_amount=Decimal("5.00"))
    lines = pdf_lines(api.get(turl(f"credit-notes/{note.id}/pdf")).content)
    assert "Refund Not sent (no payment provider)" in lines
    assert lines[-3:] == ["Total credited $20.00", "Refunded $15.00", "Credited to the customer balance $5.00"]
    page = page_text(api.get(turl(f"credit-notes/{note.id}/html")).content)
    assert "Credited to the customer balance" in page and "$5.00" in page
    invoice_lines = pdf_lines(api.get(turl(f"invoices/{paid.id}/pdf")).content)
    assert invoice_lines[-1].endswith("(Other): $20.00: $15.00 refunded, $5.00 to the balance")
    assert credit_note_document(note).name == "Credit note CN-000001"


# Admin


def test_the_admin_links_to_an_invoices_documents_and_serves_them(staff_client, january):
    page = staff_client.get(reverse("admin:invoices_invoice_change", args=[january.pk])).content.decode()
    pdf_url = reverse("admin:invoices_invoice_pdf", args=[january.pk])
    html_url = reverse("admin:invoices_invoice_html", args=[january.pk])
    assert pdf_url in page and html_url in page
    pdf = staff_client.get(pdf_url)
    assert (pdf.status_code, pdf["Content-Type"]) == (200, "application/pdf")
    assert pdf_lines(pdf.content)[-1] == "Amount due $76.48"
    assert "Amount due" in staff_client.get(html_url).content.decode()


def test_the_admin_links_to_a_credit_notes_documents(staff_client, january):
    note = credit_note(invoice=january, amount="1.00")
    page = staff_client.get(reverse("admin:invoices_creditnote_change", args=[note.pk])).content.decode()
    assert reverse("admin:invoices_creditnote_pdf", args=[note.pk]) in page
    html = staff_client.get(reverse("admin:invoices_creditnote_html", args=[note.pk]))
    assert html.status_code == 200 and "Credit note CN-000001" in html.content.decode()


def test_the_admin_answers_404_for_an_unknown_document(staff_client, tenant):
    missing = InvoiceFactory.build(tenant=tenant).id
    assert staff_client.get(reverse("admin:invoices_invoice_pdf", args=[missing])).status_code == 404
