# Invoices remember how far usage was stored when they counted it (usage.models, "seq").
# For the invoices that exist, the watermark keeps what the rule before it said: late
# usage of a subscription was any event of its customer stored (created_at) after its
# last invoice was issued, less 10 minutes. So each subscription's latest invoice gets
# the number just below the first such event (or the sequence as it stands when there
# is none); the earlier ones keep 0, since only a subscription's greatest counts.

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

    dependencies = [
        ('invoices', '0006_discount_and_taxes'),
        ('usage', '0003_usage_seq'),
    ]

    operations = [
        migrations.AddField(
            model_name='invoice',
            name='usage_seq',
            field=models.BigIntegerField(default=0, editable=False, help_text='How far usage was stored when this invoice counted it (usage.models, seq): later events are late'),
        ),
        migrations.RunSQL(WATERMARK_SQL, reverse_sql=migrations.RunSQL.noop),
    ]
