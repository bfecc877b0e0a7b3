"""Revenue metrics: the materialized view of MRR per tenant and currency, when it was
last refreshed, and the support staff's per-tenant revenue page.

`metrics_revenue` is created by raw SQL in migration 0001, again, wider, in invoices
0004, and with `committed_mrr` net of discounts in metrics 0002; `RevenueSnapshot`
only reads it. What counts, exactly, is in docs/metrics.md.
"""

from __future__ import annotations

from django.db import models

from tenants.models import Tenant, TenantManager

REVENUE_VIEW = "metrics_revenue"
SUM_MAX_DIGITS = 60  # a tenant's sum of many 48-digit invoice amounts, times 12 for ARR (migration invoices 0004)
SUM_DECIMAL_PLACES = 12


def sum_field() -> models.DecimalField:
    return models.DecimalField(max_digits=SUM_MAX_DIGITS, decimal_places=SUM_DECIMAL_PLACES)


class RevenueSnapshot(models.Model):
    """One row of the `metrics_revenue` materialized view: a tenant's MRR in one
    currency as of the last refresh. Amounts are exact to 12 places (a yearly fee / 12
    is not a whole number of cents); the API rounds them to the currency's minor unit.

    Read-only: the rows change only by `REFRESH MATERIALIZED VIEW` (`services.
    revenue_metrics_refresh`). The tenant key is DO_NOTHING without a database
    constraint, so deleting a tenant never tries to delete rows of a view.
    """

    pk = models.CompositePrimaryKey("tenant_id", "currency")
    tenant = models.ForeignKey(
        Tenant, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+", db_index=False
    )
    currency = models.CharField(max_length=3)
    committed_mrr = sum_field()
    usage_mrr = sum_field()
    mrr = sum_field()
    arr = sum_field()
    active_subscriptions = models.IntegerField(help_text="active and past_due: the ones that count in MRR")
    trialing_subscriptions = models.IntegerField()

    objects = TenantManager()  # fails closed outside a tenant scope, like TenantOwnedModel

    class Meta:
        managed = False
        db_table = REVENUE_VIEW
        ordering = ["currency"]

    def __str__(self) -> str:
        return f"{self.tenant_id} {self.currency}: {self.mrr}"


class MetricsRefresh(models.Model):
    """When the revenue view was last refreshed: one row (id 1), written in the
    transaction that refreshes the view, so the time and the data move together."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    refreshed_at = models.DateTimeField()

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="metrics_refresh_single_row")]

    def __str__(self) -> str:
        return f"revenue view refreshed at {self.refreshed_at:%Y-%m-%d %H:%M:%S}"


class TenantRevenue(Tenant):
    """A tenant seen by support staff as its revenue: the admin page of this proxy
    shows MRR, ARR and the last twelve months of invoiced revenue. It lives here
    because tenants must not import metrics (apps depend one way)."""

    class Meta:
        proxy = True
        verbose_name = "tenant revenue"
        verbose_name_plural = "tenant revenue"
