# Late usage is found by `seq` now (usage_cust_seq_idx). The old index stayed until the
# invoices' watermark was computed from it (invoices 0007).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('usage', '0003_usage_seq'),
        ('invoices', '0007_invoice_usage_seq'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='usageevent',
            name='usage_cust_created_idx',
        ),
    ]
