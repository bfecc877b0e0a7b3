# The usage sequence (usage.models, "seq"): every existing event gets a number (the
# volatile default fills the rows as the column is added), then new ones take theirs
# on insert. CACHE 1 (the default) matters: a session must never hold numbers back.
#
# The invoices that exist get their watermark (invoices 0007 added the column) so that
# what was late before stays late: late usage of a subscription was any event of its
# customer stored (created_at) after its last invoice was issued, less 10 minutes. So
# each subscription's latest invoice gets the number just below the first such event
# (or the sequence as it stands when there is none); the earlier ones keep 0, since only
# a subscription's greatest counts. The index on created_at serves that, then goes.
from django.db import migrations, models

WATERMARK_SQL = """
UPDATE invoices_invoice i SET usage_seq = coalesce(
    (SELECT min(e.seq) - 1 FROM usage_usageevent e
     WHERE e.tenant_id = i.tenant_id AND e.customer_id = i.customer_id
       AND e.created_at > i.issued_at - interval '10 minutes'),
    (SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM usage_event_seq))
FROM (SELECT DISTINCT ON (subscription_id) id FROM invoices_invoice
      ORDER BY subscription_id, issued_at DESC, id) latest
WHERE i.id = latest.id
"""


class Migration(migrations.Migration):
    dependencies = [('usage', '0002_drop_redundant_tenant_index'), ('invoices', '0011_invoice_usage_seq')]
    operations = [
        migrations.RunSQL("CREATE SEQUENCE usage_event_seq AS bigint CACHE 1", "DROP SEQUENCE IF EXISTS usage_event_seq"),
        migrations.AddField('usageevent', 'seq', models.BigIntegerField(db_default=models.Func(models.Value('usage_event_seq'), function='nextval', output_field=models.BigIntegerField()), editable=False, help_text='Storage order: the usage sequence when it was stored')),
        migrations.RunSQL("ALTER SEQUENCE usage_event_seq OWNED BY usage_usageevent.seq", migrations.RunSQL.noop),
        migrations.AddIndex('usageevent', models.Index(fields=['tenant', 'customer', 'seq'], name='usage_cust_seq_idx')),
        migrations.RunSQL(WATERMARK_SQL, migrations.RunSQL.noop),
        migrations.RemoveIndex('usageevent', 'usage_cust_created_idx'),
    ]
