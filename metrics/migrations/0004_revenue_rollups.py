"""Revenue at scale (issue #18 item 6, docs/metrics.md "At scale"): the revenue view
aggregates a per-subscription MRR table instead of the invoices, and revenue by month
is read from a monthly rollup kept by the database with the invoices.

- `metrics_subscriptionmrr`: one row per live (trialing, active, past_due)
  subscription with its exact committed and usage MRR, computed by the function
  `metrics_subscription_mrr(ids)`: the SQL of the view of metrics 0002, per
  subscription (edited below, each edit checked to apply once). Unconstrained
  `numeric`, so the view's sums are the old view's to the last digit.
- `metrics_mrrmark`: append-only marks (subscription ids) written by statement-level
  triggers on every table the MRR reads (subscriptions, invoices, their usage lines,
  discounts, plans, coupons). The refresh recomputes the marked subscriptions only,
  then refreshes the view, which now sums `metrics_subscriptionmrr`.
- `metrics_revenuemonth` (compacted) and `metrics_revenuedelta` (append-only, one row
  per statement and month touched): invoiced and paid per tenant, currency and UTC
  month, and how many invoices count in each. A trigger on invoices appends the
  difference each statement makes (new rows' contribution less old rows'), so no
  writer waits for another; the refresh folds the deltas into the monthly rows.

Both are filled here from the existing rows (the backfill: `python manage.py
revenue_rollups --rebuild` does it again; `--check` compares them with the full
computation).
"""

from importlib import import_module

from django.db import migrations

VIEW_0002 = import_module("metrics.migrations.0002_committed_net_of_discounts").CREATE_VIEW
DROP_VIEW = "DROP MATERIALIZED VIEW IF EXISTS metrics_revenue;"

# The per-subscription part of metrics 0002's view, as a function of subscription ids.
SUBSCRIPTION_EDITS = [
    ("CREATE MATERIALIZED VIEW metrics_revenue AS\n", ""),
    (
        "    WHERE s.status IN ('trialing', 'active', 'past_due')\n),",
        "    WHERE s.status IN ('trialing', 'active', 'past_due') AND s.id IN (SELECT unnest(ids))\n),",
    ),
    ("    SELECT live.tenant_id, live.currency, live.status,", "    SELECT live.id, live.tenant_id, live.currency, live.status,"),
]
VIEW_TAIL = "SELECT tenant_id,\n       currency,\n       round(sum(committed), 12)"
PER_SUBSCRIPTION_SELECT = "SELECT id, tenant_id, currency, status, committed, usage FROM per_subscription"


def subscription_sql() -> str:
    sql = VIEW_0002
    for old, new in SUBSCRIPTION_EDITS:
        if sql.count(old) != 1:
            raise ValueError(f"metrics 0002's view changed: {old!r} is not there once")
        sql = sql.replace(old, new)
    if sql.count(VIEW_TAIL) != 1:
        raise ValueError("metrics 0002's view changed: its final SELECT is not there once")
    return sql[: sql.index(VIEW_TAIL)] + PER_SUBSCRIPTION_SELECT


TABLES = """
CREATE TABLE metrics_subscriptionmrr (
    subscription_id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL,
    currency varchar(3) NOT NULL,
    status varchar(16) NOT NULL,
    committed numeric NOT NULL,
    usage numeric NOT NULL
);
CREATE TABLE metrics_mrrmark (
    id bigserial PRIMARY KEY,
    subscription_id uuid NOT NULL
);
CREATE TABLE metrics_revenuemonth (
    tenant_id uuid NOT NULL,
    currency varchar(3) NOT NULL,
    month timestamptz NOT NULL,
    invoiced numeric NOT NULL,
    paid numeric NOT NULL,
    invoiced_count bigint NOT NULL,
    paid_count bigint NOT NULL,
    PRIMARY KEY (tenant_id, month, currency)
);
CREATE TABLE metrics_revenuedelta (
    id bigserial PRIMARY KEY,
    tenant_id uuid NOT NULL,
    currency varchar(3) NOT NULL,
    month timestamptz NOT NULL,
    invoiced numeric NOT NULL,
    paid numeric NOT NULL,
    invoiced_count bigint NOT NULL,
    paid_count bigint NOT NULL
);
CREATE INDEX metrics_revenuedelta_tenant_month ON metrics_revenuedelta (tenant_id, month);
"""

FUNCTION = """
CREATE FUNCTION metrics_subscription_mrr(ids uuid[])
RETURNS TABLE (subscription_id uuid, tenant_id uuid, currency varchar, status varchar, committed numeric, usage numeric)
LANGUAGE sql STABLE AS $fn$
{sql}
$fn$;
"""

# An invoice's contribution to revenue by month (metrics.selectors.revenue_by_month):
# invoiced in its issue month unless void or a credit purchase, paid in its payment month.
CONTRIBUTION = """
    SELECT tenant_id, currency, date_trunc('month', issued_at, 'UTC') AS month,
           {sign} * CASE WHEN total > 0 THEN total - tax ELSE 0 END AS invoiced, 0 AS paid,
           {sign} AS invoiced_count, 0 AS paid_count
    FROM {rows}
    WHERE status IN ('open', 'paid', 'uncollectible') AND billing_reason <> 'credit_purchase'
    UNION ALL
    SELECT tenant_id, currency, date_trunc('month', paid_at, 'UTC'), 0, {sign} * total, 0, {sign}
    FROM {rows}
    WHERE status = 'paid' AND paid_at IS NOT NULL
"""


def revenue_delta(parts: str) -> str:
    return f"""
        INSERT INTO metrics_revenuedelta (tenant_id, currency, month, invoiced, paid, invoiced_count, paid_count)
        SELECT tenant_id, currency, month, sum(invoiced), sum(paid), sum(invoiced_count), sum(paid_count)
        FROM ({parts}) AS parts
        GROUP BY tenant_id, currency, month
        HAVING sum(invoiced) <> 0 OR sum(paid) <> 0 OR sum(invoiced_count) <> 0 OR sum(paid_count) <> 0;
    """


NEW = CONTRIBUTION.format(sign=1, rows="new_rows")
OLD = CONTRIBUTION.format(sign=-1, rows="old_rows")

MARK = "INSERT INTO metrics_mrrmark (subscription_id) SELECT DISTINCT subscription_id FROM ({ids}) AS m(subscription_id) WHERE subscription_id IS NOT NULL;"

# Which subscriptions a changed row of each table may move, from `r` (new or old rows).
AFFECTED = {
    "subscriptions_subscription": "SELECT id FROM {r}",
    "invoices_invoice": "SELECT subscription_id FROM {r}",
    "invoices_invoiceline": "SELECT i.subscription_id FROM {r} l JOIN invoices_invoice i ON i.id = l.invoice_id WHERE l.kind = 'usage'",
    "subscriptions_discount": (
        "SELECT coalesce(d.subscription_id, s.id) FROM {r} d "
        "LEFT JOIN subscriptions_subscription s ON d.subscription_id IS NULL AND s.customer_id = d.customer_id"
    ),
    "plans_plan": "SELECT s.id FROM {r} p JOIN subscriptions_subscription s ON s.plan_id = p.id",
    "plans_coupon": (
        "SELECT coalesce(d.subscription_id, s.id) FROM {r} c JOIN subscriptions_discount d ON d.coupon_id = c.id "
        "LEFT JOIN subscriptions_subscription s ON d.subscription_id IS NULL AND s.customer_id = d.customer_id"
    ),
}


def mark_function(table: str) -> str:
    ids = AFFECTED[table]
    return f"""
CREATE FUNCTION metrics_mark_{table}() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        {MARK.format(ids=ids.format(r="new_rows"))}
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        {MARK.format(ids=ids.format(r="old_rows"))}
    END IF;
    RETURN NULL;
END
$fn$;
"""


def triggers(table: str, function: str) -> str:
    return f"""
CREATE TRIGGER {function}_insert AFTER INSERT ON {table}
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}();
CREATE TRIGGER {function}_update AFTER UPDATE ON {table}
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}();
CREATE TRIGGER {function}_delete AFTER DELETE ON {table}
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}();
"""


REVENUE_FUNCTION = f"""
CREATE FUNCTION metrics_revenue_delta() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {revenue_delta(NEW)}
    ELSIF TG_OP = 'UPDATE' THEN
        {revenue_delta(NEW + " UNION ALL " + OLD)}
    ELSE
        {revenue_delta(OLD)}
    END IF;
    RETURN NULL;
END
$fn$;
"""

VIEW = """
CREATE MATERIALIZED VIEW metrics_revenue AS
SELECT tenant_id,
       currency,
       round(sum(committed), 12)::numeric(60, 12) AS committed_mrr,
       round(sum(usage), 12)::numeric(60, 12) AS usage_mrr,
       round(sum(committed + usage), 12)::numeric(60, 12) AS mrr,
       round(12 * sum(committed + usage), 12)::numeric(60, 12) AS arr,
       (count(*) FILTER (WHERE status IN ('active', 'past_due')))::integer AS active_subscriptions,
       (count(*) FILTER (WHERE status = 'trialing'))::integer AS trialing_subscriptions
FROM metrics_subscriptionmrr
GROUP BY tenant_id, currency
WITH DATA;

CREATE UNIQUE INDEX metrics_revenue_tenant_currency_uniq ON metrics_revenue (tenant_id, currency);
"""

# The backfill (also `revenue_rollups --rebuild`): every live subscription's row, and
# the months of every invoice.
BACKFILL_MRR = """
INSERT INTO metrics_subscriptionmrr
SELECT * FROM metrics_subscription_mrr(
    ARRAY(SELECT id FROM subscriptions_subscription WHERE status IN ('trialing', 'active', 'past_due')));
"""
BACKFILL_REVENUE = f"""
INSERT INTO metrics_revenuemonth (tenant_id, currency, month, invoiced, paid, invoiced_count, paid_count)
SELECT tenant_id, currency, month, sum(invoiced), sum(paid), sum(invoiced_count), sum(paid_count)
FROM ({CONTRIBUTION.format(sign=1, rows="invoices_invoice")}) AS parts
GROUP BY tenant_id, currency, month;
"""

FORWARD = "\n".join(
    [
        DROP_VIEW,
        TABLES,
        FUNCTION.format(sql=subscription_sql()),
        *(mark_function(table) + triggers(table, f"metrics_mark_{table}") for table in AFFECTED),
        REVENUE_FUNCTION,
        triggers("invoices_invoice", "metrics_revenue_delta"),
        BACKFILL_MRR,
        BACKFILL_REVENUE,
        VIEW,
    ]
)

BACKWARD = "\n".join(
    [
        DROP_VIEW,
        *(
            f"DROP TRIGGER metrics_mark_{table}_{op} ON {table};"
            for table in AFFECTED
            for op in ("insert", "update", "delete")
        ),
        *(f"DROP TRIGGER metrics_revenue_delta_{op} ON invoices_invoice;" for op in ("insert", "update", "delete")),
        *(f"DROP FUNCTION metrics_mark_{table}();" for table in AFFECTED),
        "DROP FUNCTION metrics_revenue_delta();",
        "DROP FUNCTION metrics_subscription_mrr(uuid[]);",
        "DROP TABLE metrics_subscriptionmrr, metrics_mrrmark, metrics_revenuemonth, metrics_revenuedelta;",
        VIEW_0002,
    ]
)


class Migration(migrations.Migration):

    dependencies = [
        ('metrics', '0003_alerts'),
        ('invoices', '0019_revenue_month_indexes'),
        ('plans', '0005_charge_dimensions'),
        ('subscriptions', '0005_discounts'),
    ]

    operations = [
        migrations.RunSQL(FORWARD, BACKWARD),
    ]
