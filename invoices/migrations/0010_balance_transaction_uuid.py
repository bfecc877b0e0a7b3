"""Ledger entries are public resources: their ids become UUIDs (API.md, Conventions).

The order they were written in stays, as `seq` from a sequence of its own: existing
entries keep their old integer id there, so the ledger's order does not change. The
id column changes type in place (nothing references it); existing entries get random
ids."""

import uuid

from django.db import migrations, models

SEQUENCE = "invoices_balancetransaction_seq"


class Migration(migrations.Migration):
    dependencies = [("invoices", "0009_credit_notes")]

    operations = [
        # Past every existing id: the entries' numbers below (their ids) never meet the ones
        # the new column hands out first.
        migrations.RunSQL(
            f"""
            CREATE SEQUENCE {SEQUENCE};
            SELECT setval('{SEQUENCE}', COALESCE((SELECT max(id) FROM invoices_balancetransaction), 0) + 1, false);
            """,
            reverse_sql=f"DROP SEQUENCE {SEQUENCE}",
        ),
        migrations.AddField(
            model_name="balancetransaction",
            name="seq",
            field=models.BigIntegerField(
                db_default=models.Func(
                    models.Value(SEQUENCE), function="nextval", output_field=models.BigIntegerField()
                ),
                editable=False,
                unique=True,
            ),
        ),
        migrations.RunSQL(
            sql=f"""
            SET CONSTRAINTS ALL IMMEDIATE;
            UPDATE invoices_balancetransaction SET seq = id;
            ALTER SEQUENCE {SEQUENCE} OWNED BY invoices_balancetransaction.seq;
            """,
            reverse_sql=migrations.RunSQL.noop,
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="balancetransaction",
                    name="id",
                    field=models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False),
                )
            ],
            database_operations=[
                migrations.RunSQL(
                    sql="""
                    ALTER TABLE invoices_balancetransaction ALTER COLUMN id DROP IDENTITY IF EXISTS;
                    ALTER TABLE invoices_balancetransaction ALTER COLUMN id DROP DEFAULT;
                    ALTER TABLE invoices_balancetransaction ALTER COLUMN id TYPE uuid USING gen_random_uuid();
                    """,
                    reverse_sql=migrations.RunSQL.noop,
                )
            ],
        ),
        migrations.AlterModelOptions(name="balancetransaction", options={"ordering": ["-seq"]}),
    ]
