"""The revenue view again, with `committed_mrr` net of discounts (API.md Part 2,
"Revenue metrics with Part 2"): each counted subscription's flat fee less its active
`repeating` and `forever` discounts, applied in the order attached as invoices apply
them (a percentage of what the earlier ones left, an amount in the plan's currency up
to what is left), on the fee alone; `once` discounts and ended ones do not count.

The view is invoices 0004's (which never changes) with these edits, each checked to
apply exactly once, so the SQL is not written out a third time; going back creates
0004's view again.
"""

from importlib import import_module

from django.db import migrations

VIEW_0004 = import_module("invoices.migrations.0004_totals_reasons_balance").CREATE_VIEW
DROP_VIEW = "DROP MATERIALIZED VIEW IF EXISTS metrics_revenue;"

# What discounts leave of each counted subscription's fee, one discount at a time.
NET_FEES = """
fee_discounts AS (
    SELECT live.id AS subscription_id, c.percent_off, c.amount_off,
           row_number() OVER (PARTITION BY live.id ORDER BY d.position) AS n
    FROM live
    JOIN subscriptions_discount d ON d.customer_id = live.customer_id AND d.ended_at IS NULL
         AND (d.subscription_id IS NULL OR d.subscription_id = live.id)
    JOIN plans_coupon c ON c.id = d.coupon_id AND c.duration IN ('repeating', 'forever')
         AND (cardinality(c.plan_ids) = 0 OR live.plan_id = ANY(c.plan_ids))
         AND (c.amount_off IS NULL OR c.currency = live.currency)
    WHERE live.counts
),
fee_steps AS (
    SELECT f.subscription_id, 0::bigint AS n, live.amount::numeric AS fee
    FROM (SELECT DISTINCT subscription_id FROM fee_discounts) f JOIN live ON live.id = f.subscription_id
    UNION ALL
    SELECT s.subscription_id, d.n,
           CASE WHEN d.percent_off IS NOT NULL THEN s.fee - s.fee * d.percent_off / 100
                ELSE greatest(s.fee - d.amount_off, 0) END
    FROM fee_steps s JOIN fee_discounts d ON d.subscription_id = s.subscription_id AND d.n = s.n + 1
),
net_fee AS (
    SELECT DISTINCT ON (subscription_id) subscription_id, fee FROM fee_steps ORDER BY subscription_id, n DESC
),
per_subscription AS ("""

EDITS = [
    (
        "WITH live AS (\n    SELECT s.id, s.tenant_id, s.status,",
        "WITH RECURSIVE live AS (\n    SELECT s.id, s.tenant_id, s.customer_id, s.plan_id, s.status,",
    ),
    ("\nper_subscription AS (", NET_FEES),
    (
        "CASE WHEN live.counts THEN live.amount / live.months ELSE 0 END AS committed",
        "CASE WHEN live.counts THEN coalesce(nf.fee, live.amount) / live.months ELSE 0 END AS committed",
    ),
    (
        "    LEFT JOIN latest_usage u ON u.subscription_id = live.id\n",
        "    LEFT JOIN latest_usage u ON u.subscription_id = live.id\n    LEFT JOIN net_fee nf ON nf.subscription_id = live.id\n",
    ),
]


def edited(sql: str) -> str:
    for old, new in EDITS:
        if sql.count(old) != 1:
            raise ValueError(f"invoices 0004's view changed: {old!r} is not there once")
        sql = sql.replace(old, new)
    return sql


CREATE_VIEW = edited(VIEW_0004)


class Migration(migrations.Migration):

    dependencies = [
        ('metrics', '0001_initial'),
        # The view invoices 0004 created, and the tables of coupons and discounts.
        ('invoices', '0012_discount_lines'),
        ('plans', '0003_coupons'),
        ('subscriptions', '0005_discounts'),
    ]

    operations = [
        migrations.RunSQL(DROP_VIEW + CREATE_VIEW, DROP_VIEW + VIEW_0004),
    ]
