"""The lines' foreign keys (migration 0021): invoice_id → the invoice's id and
tenant_id → the tenant's id, checked at commit (here, at `SET CONSTRAINTS ALL
IMMEDIATE`), whoever writes the line (the ORM, a COPY, raw SQL).

Every foreign key of the schema references its table's primary key: a key on other
columns (0020's (invoice_id, tenant_id) → the invoice's (id, tenant_id)) is checked
by a query that a tenant-first index can answer, and while a table has no statistics
the planner took one, reading all of the tenant's invoices for each stored line; the
last test holds the family, and reads the plan of the check itself."""

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


def test_a_line_of_its_invoice_is_stored(tenant):
    invoice = InvoiceFactory(tenant=tenant, line_amounts=["49.00"])
    store_line(tenant.id, invoice.id)
    check_now()
    assert InvoiceLine.objects.for_tenant(tenant).filter(invoice=invoice).count() == 2


def test_a_line_of_a_missing_invoice_is_refused(tenant):
    with pytest.raises(IntegrityError, match="invoices_invoiceline_invoice_id"), transaction.atomic():
        store_line(tenant.id, uuid.uuid4())
        check_now()


def test_a_line_of_a_missing_tenant_is_refused(tenant):
    invoice = InvoiceFactory(tenant=tenant, line_amounts=["49.00"])
    with pytest.raises(IntegrityError, match="invoices_invoiceline_tenant_id"), transaction.atomic():
        store_line(uuid.uuid4(), invoice.id)
        check_now()


def test_an_invoice_with_lines_cannot_be_deleted_under_them(tenant):
    invoice = InvoiceFactory(tenant=tenant, line_amounts=["49.00"])
    with pytest.raises(IntegrityError, match="invoices_invoiceline_invoice_id"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM invoices_invoice WHERE id = %s", [invoice.id])
        check_now()


def test_every_foreign_key_references_a_primary_key():
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT f.conrelid::regclass::text, f.conname
            FROM pg_constraint f
            LEFT JOIN pg_constraint p ON p.conrelid = f.confrelid AND p.contype = 'p'
            WHERE f.contype = 'f' AND f.connamespace = 'public'::regnamespace
              AND (p.oid IS NULL OR f.confkey <> p.conkey)
            """
        )
        assert cursor.fetchall() == []
        cursor.execute(
            "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conrelid = 'invoices_invoiceline'::regclass"
        )
        assert cursor.fetchone() == (5,)  # tenant, invoice, meter, discount, source invoice


def test_the_lines_invoice_check_reads_one_invoice_while_the_table_has_no_statistics(tenant):
    """The check's own query, built from the lines' foreign key to the invoices as
    PostgreSQL builds it (`… WHERE <referenced columns> = $n FOR KEY SHARE`) and
    planned as it plans it (a generic plan), with 500 invoices of one tenant stored and
    never analyzed: on 0020's pair the planner chose a (tenant_id, …) index with `id` as
    a filter, a read of the tenant's every invoice for each line."""
    invoice = InvoiceFactory(tenant=tenant)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = 'invoices_invoice'::regclass AND attnum > 0"
            " AND NOT attisdropped AND attname NOT IN ('id', 'number', 'billing_reason', 'subscription_id')"
        )
        rest = ", ".join(f'"{name}"' for (name,) in cursor.fetchall())
        copies = (
            f"INSERT INTO invoices_invoice (id, number, billing_reason, subscription_id, {rest})"  # noqa: S608 - catalog names
            f" SELECT gen_random_uuid(), 'copy-' || g, 'adjustment', NULL, {rest}"
            " FROM invoices_invoice, generate_series(1, 499) AS g WHERE id = %s"
        )
        cursor.execute(copies, [invoice.id])
        # Uncommitted, so no statistics count these rows (an ANALYZE of earlier tests'
        # committed rows may exist: the check must read one invoice either way).
        cursor.execute(
            """
            SELECT array_agg(a.attname ORDER BY k.n), array_agg(format_type(a.atttypid, a.atttypmod) ORDER BY k.n)
            FROM pg_constraint f, unnest(f.confkey) WITH ORDINALITY AS k(attnum, n)
            JOIN pg_attribute a ON a.attrelid = 'invoices_invoice'::regclass AND a.attnum = k.attnum
            WHERE f.contype = 'f' AND f.conrelid = 'invoices_invoiceline'::regclass
              AND f.confrelid = 'invoices_invoice'::regclass AND f.conkey[1] = (
                  SELECT attnum FROM pg_attribute
                  WHERE attrelid = 'invoices_invoiceline'::regclass AND attname = 'invoice_id')
            GROUP BY f.oid
            """
        )
        columns, types = cursor.fetchone()
        where = " AND ".join(f'"{name}" OPERATOR(pg_catalog.=) ${n}' for n, name in enumerate(columns, 1))
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute(
            f"PREPARE line_check({', '.join(types)}) AS SELECT 1 FROM ONLY invoices_invoice x WHERE {where} FOR KEY SHARE OF x"  # noqa: S608
        )
        try:
            values = ", ".join(f"'{uuid.uuid4()}'" for _ in columns)  # literals: EXECUTE takes no bound parameters
            cursor.execute(f"EXPLAIN EXECUTE line_check({values})")
            plan = "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("DEALLOCATE line_check")
    assert columns == ["id"]
    assert "Index Cond: (id = $1)" in plan, plan
    assert "Filter" not in plan, plan
