"""The lines' foreign keys back on the primary keys: invoice_id → the invoice's id and
tenant_id → the tenant's id, instead of 0020's pair (invoice_id, tenant_id) → the
invoice's (id, tenant_id).

The pair's check at commit is `… WHERE id = $1 AND tenant_id = $2 FOR KEY SHARE`, and
while the invoices table is small and has no statistics (a new database, until
autovacuum's first ANALYZE) the planner costs every index that can answer it at one
row and takes the smallest: one of the (tenant_id, …) indexes, with `id` as a filter.
The connection keeps that plan, and then every stored line reads all of its tenant's
invoices: 30 µs a line at 1,000 invoices, 0.37 s of a 1,000-subscription run with
charge dimensions (README "Benchmarks"), growing with the tenant's invoices. A check
of `id = $1` alone can only use an index that starts with `id`. The price: the
database no longer refuses a line whose tenant is not its invoice's; the two writers
of lines (`invoices.billing.write_invoices`, `invoices.grant_services`) write both
rows from one tenant id, and the tenant key keeps it a real tenant.
The unique (id, tenant_id) of the invoices, there only for the pair, goes too.
"""

import django.db.models.deletion
from django.db import migrations, models

PAIR = "invoice_line_invoice_tenant_fk"


class Migration(migrations.Migration):
    dependencies = [("invoices", "0020_line_invoice_tenant_fk")]

    operations = [
        migrations.RunSQL(
            sql=[f"ALTER TABLE invoices_invoiceline DROP CONSTRAINT {PAIR}"],
            reverse_sql=[
                f"ALTER TABLE invoices_invoiceline ADD CONSTRAINT {PAIR} FOREIGN KEY (invoice_id, tenant_id) "
                "REFERENCES invoices_invoice (id, tenant_id) DEFERRABLE INITIALLY DEFERRED",
            ],
        ),
        migrations.RemoveConstraint(model_name="invoice", name="invoice_id_tenant_unique"),
        migrations.AlterField(
            model_name="invoiceline",
            name="invoice",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="lines",
                to="invoices.invoice",
            ),
        ),
        migrations.AlterField(
            model_name="invoiceline",
            name="tenant",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="tenants.tenant",
            ),
        ),
    ]
