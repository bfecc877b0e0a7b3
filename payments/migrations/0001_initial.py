# PaymentEvent moved here from invoices with its table: the state is created here and
# deleted from invoices (invoices 0005), and the database is not touched (the model
# keeps db_table "invoices_paymentevent", with its rows, indexes and constraints).
# The content type moves along, so staff permissions and admin history follow it.

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


def move_content_type(apps, schema_editor, source="invoices", target="payments"):
    content_types = apps.get_model("contenttypes", "ContentType").objects.using(schema_editor.connection.alias)
    if not content_types.filter(app_label=target, model="paymentevent").exists():
        content_types.filter(app_label=source, model="paymentevent").update(app_label=target)


def move_content_type_back(apps, schema_editor):
    move_content_type(apps, schema_editor, source="payments", target="invoices")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('invoices', '0004_totals_reasons_balance'),
        ('tenants', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='PaymentEvent',
                    fields=[
                        ('id', models.BigAutoField(primary_key=True, serialize=False)),
                        ('webhook_id', models.CharField(help_text="The provider's `webhook-id` header", max_length=255)),
                        ('type', models.CharField(choices=[('payment.succeeded', 'Payment succeeded'), ('payment.failed', 'Payment failed')], max_length=32)),
                        ('amount', models.DecimalField(decimal_places=12, max_digits=48)),
                        ('currency', models.CharField(max_length=3)),
                        ('failure_reason', models.CharField(blank=True, default='', max_length=255)),
                        ('outcome', models.CharField(choices=[('paid', 'Invoice paid'), ('already_paid', 'Invoice already paid (no change)'), ('payment_failed', 'Payment failed (subscription past due)'), ('ignored', 'Failure of an invoice no longer open (no change)'), ('amount_mismatch', 'Amount or currency differs from the invoice'), ('invoice_not_payable', 'Paid, but the invoice is void')], max_length=32)),
                        ('detail', models.CharField(blank=True, default='', help_text='For support: why nothing changed', max_length=500)),
                        ('payload', models.JSONField(help_text='The verified body as received')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                        ('invoice', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='payment_events', to='invoices.invoice')),
                        ('tenant', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tenants.tenant')),
                    ],
                    options={
                        'db_table': 'invoices_paymentevent',
                        'ordering': ['-created_at', '-id'],
                        'indexes': [models.Index(fields=['tenant', '-created_at'], name='payment_event_tenant_idx')],
                        'constraints': [models.UniqueConstraint(fields=('webhook_id',), name='payment_event_webhook_id_unique')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
