# Invoices remember how far usage was stored when they counted it (usage.models, "seq").
# The invoices that exist get theirs from usage 0003, which numbers the stored events.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('invoices', '0010_balance_transaction_uuid')]
    operations = [migrations.AddField('invoice', 'usage_seq', models.BigIntegerField(default=0, editable=False, help_text='How far usage was stored when this invoice counted it (usage.models, seq): later events are late'))]
