"""Progressive billing and minimum commitments: the threshold an invoice was issued for
(one invoice per threshold of a window), and line kinds `minimum_true_up` and
`progressive_billing_credit` (26 characters: `kind` widens to 32). The revenue view
reads `kind`, and PostgreSQL does not alter a column a view uses: the view (metrics
0002's, unchanged) is dropped and created again around the change.
"""

from importlib import import_module

from django.db import migrations, models

VIEW = import_module("metrics.migrations.0002_committed_net_of_discounts")


class Migration(migrations.Migration):

    dependencies = [
        ('invoices', '0016_invoice_run_chunks'),
        ('subscriptions', '0005_discounts'),
        ('tenants', '0004_tenant_dunning'),
        ('metrics', '0002_committed_net_of_discounts'),
    ]

    operations = [
        migrations.AddField(
            model_name='invoice',
            name='threshold_amount',
            field=models.DecimalField(blank=True, decimal_places=12, editable=False, help_text='Threshold invoices: the highest usage threshold of the plan it was issued for', max_digits=48, null=True),
        ),
        migrations.RunSQL(VIEW.DROP_VIEW, VIEW.CREATE_VIEW),
        migrations.AlterField(
            model_name='invoiceline',
            name='kind',
            field=models.CharField(choices=[('flat_fee', 'Flat fee'), ('usage', 'Usage'), ('late_usage', 'Late usage'), ('correction', 'Correction'), ('proration', 'Proration'), ('minimum_true_up', 'Minimum commitment true-up'), ('progressive_billing_credit', 'Progressive billing credit'), ('discount', 'Discount'), ('credit_purchase', 'Credit purchase')], max_length=32),
        ),
        migrations.RunSQL(VIEW.CREATE_VIEW, VIEW.DROP_VIEW),
        migrations.AddConstraint(
            model_name='invoice',
            constraint=models.UniqueConstraint(condition=models.Q(('billing_reason', 'threshold')), fields=('subscription', 'period_start', 'threshold_amount'), name='invoice_once_per_threshold'),
        ),
    ]
