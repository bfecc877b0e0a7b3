"""The lines' foreign key to their invoice (migration 0020): (invoice_id, tenant_id)
references the invoice's (id, tenant_id), so a line cannot point at a missing invoice
nor carry another tenant than its invoice's, whoever writes it (the ORM, a COPY, raw
SQL). The key is deferred: it is checked at commit (here, at `SET CONSTRAINTS ALL
IMMEDIATE`)."""

from __future__ import annotations

import uuid

import pytest
from django.db import IntegrityError, connection, transaction

from invoices.models import InvoiceLine
from invoices.tests.factories import InvoiceFactory

pytestmark = pytest.mark.django_db


def check_now() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def store_line(tenant_id: uuid.UUID, invoice_id: uuid.UUID) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO invoices_invoiceline (tenant_id, invoice_id, position, kind, description, meter_code,"
            " model, quantity, amount, tiers) VALUES (%s, %s, 9, 'usage', 'x', '', '', 1, 1, '[]')",
            [tenant_id, invoice_id],
        )


def test_a_line_of_its_invoices_tenant_is_stored(tenant):
    invoice = InvoiceFactory(tenant=tenant, line_amounts=["49.00"])
    store_line(tenant.id, invoice.id)
    check_now()
    assert InvoiceLine.objects.for_tenant(tenant).filter(invoice=invoice).count() == 2


def test_a_line_of_another_tenant_than_its_invoices_is_refused(tenant, other_tenant):
    invoice = InvoiceFactory(tenant=tenant, line_amounts=["49.00"])
    with pytest.raises(IntegrityError, match="invoice_line_invoice_tenant_fk"), transaction.atomic():
        store_line(other_tenant.id, invoice.id)
        check_now()


def test_a_line_of_a_missing_invoice_is_refused(tenant):
    with pytest.raises(IntegrityError, match="invoice_line_invoice_tenant_fk"), transaction.atomic():
        store_line(tenant.id, uuid.uuid4())
        check_now()


def test_an_invoice_with_lines_cannot_be_deleted_under_them(tenant):
    invoice = InvoiceFactory(tenant=tenant, line_amounts=["49.00"])
    with pytest.raises(IntegrityError, match="invoice_line_invoice_tenant_fk"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM invoices_invoice WHERE id = %s", [invoice.id])
        check_now()
