# The usage sequence (usage.models, "seq"): every existing event gets a number (the
# volatile default fills the rows as the column is added), then new ones take theirs
# on insert. CACHE 1 (the default) matters: a session must never hold numbers back.

import usage.models
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('usage', '0002_drop_redundant_tenant_index'),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE SEQUENCE usage_event_seq AS bigint CACHE 1",
            reverse_sql="DROP SEQUENCE IF EXISTS usage_event_seq",
        ),
        migrations.AddField(
            model_name='usageevent',
            name='seq',
            field=models.BigIntegerField(db_default=usage.models.NextUsageSeq(), editable=False, help_text='Storage order: the usage sequence when it was stored'),
        ),
        migrations.RunSQL(
            "ALTER SEQUENCE usage_event_seq OWNED BY usage_usageevent.seq",
            reverse_sql=migrations.RunSQL.noop,
        ),
        migrations.AddIndex(
            model_name='usageevent',
            index=models.Index(fields=['tenant', 'customer', 'seq'], name='usage_cust_seq_idx'),
        ),
    ]
