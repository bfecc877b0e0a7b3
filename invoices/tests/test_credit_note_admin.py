"""Credit notes in the admin: issued from an invoice's page after a confirmation page,
through the API's service; listed read only."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.html import escape

from invoices.credit_note_admin import ISSUED
from invoices.credit_notes import EXCEEDS_TOTAL
from invoices.models import CreditNote
from invoices.tests.factories import InvoiceFactory, credit_note
from webhooks.models import Event
from webhooks.tests.factories import WebhookEndpointFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice(tenant):
    WebhookEndpointFactory(tenant=tenant)
    return InvoiceFactory(tenant=tenant)  # open, 49.00 USD


def issue_url(invoice):
    return reverse("admin:invoices_invoice_credit_note", args=[invoice.pk])


FORM = {"amount": "10.00", "reason": "order_change", "memo": "Two seats fewer"}


def test_the_invoice_page_links_to_issuing_a_note(staff_client, invoice):
    credit_note(invoice=invoice, amount="1.00")
    page = staff_client.get(reverse("admin:invoices_invoice_change", args=[invoice.pk])).content.decode()
    assert "CN-000001" in page
    assert issue_url(invoice) in page


def test_issuing_first_asks_for_confirmation_and_changes_nothing(staff_client, invoice):
    assert staff_client.get(issue_url(invoice)).status_code == 200
    page = staff_client.post(issue_url(invoice), FORM)
    assert page.status_code == 200
    assert b"Yes, issue it" in page.content and b"10.00 USD" in page.content
    assert not CreditNote.objects.exists()


def test_a_confirmed_note_is_issued_through_the_service(staff_client, invoice):
    response = staff_client.post(issue_url(invoice), {**FORM, "post": "yes"}, follow=True)
    note = CreditNote.objects.get()
    assert (note.number, note.amount, note.reason, note.memo) == (
        "CN-000001",
        Decimal("10.00"),
        "order_change",
        FORM["memo"],
    )
    invoice.refresh_from_db()
    assert invoice.amount_due == Decimal("39.00")
    message = ISSUED.format(number="CN-000001", amount="10.00 USD", invoice=invoice.number)
    assert message in response.content.decode()
    assert Event.objects.filter(type="credit_note.created").count() == 1


def test_a_note_the_service_refuses_shows_why_and_issues_nothing(staff_client, invoice):
    page = staff_client.post(issue_url(invoice), {**FORM, "amount": "50.00", "post": "yes"})
    assert page.status_code == 200
    assert escape("amount: " + EXCEEDS_TOTAL.format(credited="50.00", total="49.00")) in page.content.decode()
    assert not CreditNote.objects.exists()


def test_credit_notes_are_listed_read_only(staff_client, invoice):
    note = credit_note(invoice=invoice, amount="2.00")
    listing = staff_client.get(reverse("admin:invoices_creditnote_changelist"))
    assert listing.status_code == 200 and b"CN-000001" in listing.content
    assert staff_client.get(reverse("admin:invoices_creditnote_change", args=[note.pk])).status_code == 200
    assert staff_client.get(reverse("admin:invoices_creditnote_add")).status_code == 403
