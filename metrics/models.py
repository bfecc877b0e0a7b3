"""Revenue metrics: the materialized view of MRR per tenant and currency, when it was
last refreshed, and the support staff's per-tenant revenue page. Alerts on a
subscription's usage or credits, and the record of each threshold that fired
(docs/alerts.md).

`metrics_revenue` is created by raw SQL in migration 0001, again, wider, in invoices
0004, and with `committed_mrr` net of discounts in metrics 0002; `RevenueSnapshot`
only reads it. What counts, exactly, is in docs/metrics.md.
"""

from __future__ import annotations

import uuid

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone

from invoices.models import AMOUNT_DECIMAL_PLACES, AMOUNT_MAX_DIGITS
from plans.models import Meter
from subscriptions.models import Subscription
from tenants.models import Tenant, TenantManager, TenantOwnedModel

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


def threshold_field(**kwargs: object) -> models.DecimalField:
    """An alert's threshold or a value it compared: money or a meter's quantity, as wide
    as invoice amounts and usage quantities."""
    return models.DecimalField(max_digits=AMOUNT_MAX_DIGITS, decimal_places=AMOUNT_DECIMAL_PLACES, **kwargs)  # type: ignore[arg-type]


class Alert(TenantOwnedModel):
    """A subscription's alert (API.md Part 2, "Alerts"): `alert.triggered` once per
    (alert, threshold, period) when the value reaches a threshold.

    `usage_amount`: the current period's usage charges so far (before discount and
    tax); `meter_quantity`: `meter`'s aggregate this period; `credit_balance`: the
    remaining active credit grants of the subscription's currency, which fires at or
    below a threshold and re-arms when the balance rises above it. `step` (usage types
    only) fires again at every step beyond the largest threshold."""

    class Type(models.TextChoices):
        USAGE_AMOUNT = "usage_amount", "Usage amount"
        METER_QUANTITY = "meter_quantity", "Meter quantity"
        CREDIT_BALANCE = "credit_balance", "Credit balance"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="alerts")
    type = models.CharField(max_length=20, choices=Type.choices)
    meter = models.ForeignKey(
        Meter, null=True, blank=True, on_delete=models.PROTECT, related_name="alerts", help_text="meter_quantity only"
    )
    thresholds = ArrayField(threshold_field(), help_text="Ascending, distinct, ≥ 0")
    step = threshold_field(null=True, blank=True, help_text="Fires again every step beyond the largest threshold")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(type="meter_quantity", meter__isnull=False)
                | (~Q(type="meter_quantity") & Q(meter__isnull=True)),
                name="alert_meter_iff_meter_quantity",
            ),
            models.CheckConstraint(
                condition=Q(step__isnull=True) | (Q(step__gt=0) & ~Q(type="credit_balance")),
                name="alert_step_positive_usage_only",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} alert of {self.subscription_id}"


class AlertTrigger(TenantOwnedModel):
    """One threshold of an alert that fired: the database's record that
    `alert.triggered` was published for (alert, threshold, period), so that it is
    published once however many evaluations race (the unique constraints, not a lock).

    A `credit_balance` alert's trigger is `rearmed_at` once the balance rose above the
    threshold again; until then no second trigger of that threshold can exist."""

    id = models.BigAutoField(primary_key=True)
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="triggers")
    alert_type = models.CharField(max_length=20, choices=Alert.Type.choices)
    threshold = threshold_field()
    period_start = models.DateTimeField(help_text="The subscription's period when it fired (business time)")
    value = threshold_field(help_text="The value that reached the threshold")
    triggered_at = models.DateTimeField(help_text="Business time (the tenant's clock)")
    rearmed_at = models.DateTimeField(null=True, blank=True, help_text="credit_balance: when it rose above again")

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["alert", "threshold", "period_start"],
                condition=Q(rearmed_at__isnull=True),
                name="alert_trigger_once_per_period",
            ),
            models.UniqueConstraint(
                fields=["alert", "threshold"],
                condition=Q(rearmed_at__isnull=True, alert_type="credit_balance"),
                name="alert_trigger_once_until_rearmed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.alert_id} at {self.threshold} ({self.period_start:%Y-%m-%d})"
