# Sandbox tenants and their clock (tenants.models.Tenant, tenants.sandbox).
from django.db import migrations, models


def clock_field(help_text):
    return models.DateTimeField(blank=True, editable=False, help_text=help_text, null=True)


class Migration(migrations.Migration):
    dependencies = [('tenants', '0002_idempotency_record')]
    operations = [
        migrations.AddField('tenant', 'clock_advancing_to', clock_field('Sandbox: where the running advance takes the clock')),
        migrations.AddField('tenant', 'clock_heartbeat_at', clock_field('Sandbox: when the running advance last moved (real time)')),
        migrations.AddField('tenant', 'clock_time', clock_field('Sandbox: its business time')),
        migrations.AddField('tenant', 'sandbox', models.BooleanField(default=False, editable=False, help_text='Lives on its own clock; set at sign-up')),
        migrations.AddConstraint('tenant', models.CheckConstraint(condition=models.Q(models.Q(('clock_advancing_to__isnull', True), ('clock_time__isnull', True), ('sandbox', False)), models.Q(('clock_time__isnull', False), ('sandbox', True)), _connector='OR'), name='tenant_clock_only_in_sandbox')),
        migrations.AddConstraint('tenant', models.CheckConstraint(condition=models.Q(('clock_advancing_to__isnull', True), ('clock_advancing_to__gte', models.F('clock_time')), _connector='OR'), name='tenant_clock_advances_forward')),
    ]
