# Written by hand: the database's own guarantee that a customer's balance (the sum of
# its ledger entries per currency, API.md Part 2 "Customer balance") never goes below 0,
# and that an entry never changes its amount, currency or customer (a ledger, not a
# counter: a correction is a new entry).
#
# The services check the balance under the customer's row lock before they write
# (`invoices.billing.lock_customers`) and answer 409; these triggers are the backstop
# for any writer that did not. Before an entry that takes credit (a negative amount)
# they take the same row lock: a no-op for a writer that holds it; otherwise it waits
# for the transaction that holds it, and is taken before the foreign key's share lock
# on the customer, so two such writers queue instead of deadlocking. After the entry,
# the sum is read (a statement of a volatile function sees what committed before it
# began, so that includes the other transaction's entries) and a negative one raises
# check_violation (an IntegrityError in Django).

from django.db import migrations

CREATE = """
CREATE FUNCTION invoices_balance_lock_customer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM subscriptions_customer WHERE id = NEW.customer_id FOR UPDATE;
    RETURN NEW;
END
$$;

CREATE FUNCTION invoices_balance_not_negative() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    balance numeric;
BEGIN
    SELECT coalesce(sum(amount), 0) INTO balance FROM invoices_balancetransaction
    WHERE tenant_id = NEW.tenant_id AND customer_id = NEW.customer_id AND currency = NEW.currency;
    IF balance < 0 THEN
        RAISE EXCEPTION 'the % balance of customer % would be %', NEW.currency, NEW.customer_id, balance
            USING ERRCODE = 'check_violation', CONSTRAINT = 'balance_not_negative';
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION invoices_balance_entry_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a balance entry never changes its tenant, customer, currency or amount'
        USING ERRCODE = 'check_violation', CONSTRAINT = 'balance_entry_fixed';
END
$$;

CREATE TRIGGER balance_lock_customer BEFORE INSERT ON invoices_balancetransaction
FOR EACH ROW WHEN (NEW.amount < 0) EXECUTE FUNCTION invoices_balance_lock_customer();

CREATE TRIGGER balance_not_negative AFTER INSERT ON invoices_balancetransaction
FOR EACH ROW WHEN (NEW.amount < 0) EXECUTE FUNCTION invoices_balance_not_negative();

CREATE TRIGGER balance_entry_fixed BEFORE UPDATE ON invoices_balancetransaction
FOR EACH ROW WHEN ((OLD.tenant_id, OLD.customer_id, OLD.currency, OLD.amount)
                   IS DISTINCT FROM (NEW.tenant_id, NEW.customer_id, NEW.currency, NEW.amount))
EXECUTE FUNCTION invoices_balance_entry_fixed();
"""

DROP = """
DROP TRIGGER IF EXISTS balance_entry_fixed ON invoices_balancetransaction;
DROP TRIGGER IF EXISTS balance_not_negative ON invoices_balancetransaction;
DROP TRIGGER IF EXISTS balance_lock_customer ON invoices_balancetransaction;
DROP FUNCTION IF EXISTS invoices_balance_entry_fixed();
DROP FUNCTION IF EXISTS invoices_balance_not_negative();
DROP FUNCTION IF EXISTS invoices_balance_lock_customer();
"""


class Migration(migrations.Migration):

    dependencies = [
        ('invoices', '0006_discount_and_taxes'),
    ]

    operations = [migrations.RunSQL(CREATE, DROP)]
