"""The usage lines' MRR marks (metrics 0004) joined through each statement's distinct
invoices: `invoice_id IN (…)` probes the invoices once per invoice, where the join
probed them once per line (an invoice run writes a dozen lines per invoice with
charge dimensions). The same subscriptions are marked."""

from django.db import migrations

BODY = """
CREATE OR REPLACE FUNCTION metrics_mark_invoices_invoiceline() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO metrics_mrrmark (subscription_id)
        SELECT DISTINCT i.subscription_id FROM invoices_invoice i
        WHERE i.id IN (SELECT l.invoice_id FROM new_rows l WHERE l.kind = 'usage') AND i.subscription_id IS NOT NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO metrics_mrrmark (subscription_id)
        SELECT DISTINCT i.subscription_id FROM invoices_invoice i
        WHERE i.id IN (SELECT l.invoice_id FROM old_rows l WHERE l.kind = 'usage') AND i.subscription_id IS NOT NULL;
    END IF;
    RETURN NULL;
END
$fn$;
"""

PREVIOUS = """
CREATE OR REPLACE FUNCTION metrics_mark_invoices_invoiceline() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO metrics_mrrmark (subscription_id) SELECT DISTINCT subscription_id FROM (SELECT i.subscription_id FROM new_rows l JOIN invoices_invoice i ON i.id = l.invoice_id WHERE l.kind = 'usage') AS m(subscription_id) WHERE subscription_id IS NOT NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO metrics_mrrmark (subscription_id) SELECT DISTINCT subscription_id FROM (SELECT i.subscription_id FROM old_rows l JOIN invoices_invoice i ON i.id = l.invoice_id WHERE l.kind = 'usage') AS m(subscription_id) WHERE subscription_id IS NOT NULL;
    END IF;
    RETURN NULL;
END
$fn$;
"""


class Migration(migrations.Migration):
    dependencies = [("metrics", "0004_revenue_rollups")]

    operations = [migrations.RunSQL(BODY, PREVIOUS)]
