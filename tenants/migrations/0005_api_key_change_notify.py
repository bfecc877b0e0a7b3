"""A trigger that tells every process when an API key's row changes in a way that
matters to authentication (tenants.api_key_cache): revoked or restored, re-hashed, moved
to another tenant, deleted (a deleted tenant's keys too), or the table truncated.
`last_used_at`, written once a minute per key, says nothing. NOTIFY is transactional:
it leaves when the change commits, and never for a change rolled back."""

from django.db import migrations

CREATE = """
CREATE FUNCTION tenants_apikey_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM pg_notify('billing_api_key', '*');
    ELSE
        PERFORM pg_notify('billing_api_key', OLD.key_hash);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER tenants_apikey_changed AFTER UPDATE ON tenants_apikey FOR EACH ROW
    WHEN (OLD.revoked_at IS DISTINCT FROM NEW.revoked_at OR OLD.key_hash <> NEW.key_hash
          OR OLD.tenant_id <> NEW.tenant_id)
    EXECUTE FUNCTION tenants_apikey_notify();
CREATE TRIGGER tenants_apikey_deleted AFTER DELETE ON tenants_apikey FOR EACH ROW
    EXECUTE FUNCTION tenants_apikey_notify();
CREATE TRIGGER tenants_apikey_truncated AFTER TRUNCATE ON tenants_apikey FOR EACH STATEMENT
    EXECUTE FUNCTION tenants_apikey_notify();
"""

DROP = """
DROP TRIGGER tenants_apikey_truncated ON tenants_apikey;
DROP TRIGGER tenants_apikey_deleted ON tenants_apikey;
DROP TRIGGER tenants_apikey_changed ON tenants_apikey;
DROP FUNCTION tenants_apikey_notify();
"""


class Migration(migrations.Migration):
    dependencies = [("tenants", "0004_tenant_dunning")]

    operations = [migrations.RunSQL(CREATE, DROP)]
