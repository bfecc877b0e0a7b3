from django.db import migrations, models


class Migration(migrations.Migration):
    """The invoice sequence becomes the tenant's numbering of every series (invoices
    `INV`, credit notes `CN`); its rows are the `INV` series."""

    dependencies = [
        ("invoices", "0007_balance_never_below_zero"),
        ("tenants", "0001_initial"),
    ]

    operations = [
        migrations.RenameModel(old_name="InvoiceSequence", new_name="NumberSequence"),
        migrations.RemoveConstraint(model_name="numbersequence", name="invoice_sequence_one_per_tenant"),
        migrations.AddField(
            model_name="numbersequence",
            name="series",
            field=models.CharField(
                choices=[("INV", "Invoices"), ("CN", "Credit notes")], default="INV", max_length=8
            ),
        ),
        migrations.AddConstraint(
            model_name="numbersequence",
            constraint=models.UniqueConstraint(fields=("tenant", "series"), name="number_sequence_one_per_series"),
        ),
    ]
