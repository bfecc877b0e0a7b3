# PaymentEvent now belongs to the payments app (payments 0001): removed from this app's
# state only. Its table, invoices_paymentevent, stays where it is, with its rows.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('invoices', '0004_totals_reasons_balance'),
        ('payments', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='PaymentEvent')],
            database_operations=[],
        ),
    ]
