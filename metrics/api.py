"""Revenue metrics: MRR/ARR from the materialized view, and revenue by month."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_serializer, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from metrics import selectors
from plans.money import format_price
from tenants import clock
from tenants.formats import format_time
from tenants.params import from_to_parameters, from_to_range
from tenants.replica import replica_reads
from tenants.scoping import TenantScopedApi

MAX_MONTHS = 120
RANGE_TOO_LONG = f"The range may span at most {MAX_MONTHS} months."
DEFAULT_MONTHS = 12
TO_TOO_EARLY = "to is too early for the default range; give from as well."


@extend_schema_serializer(component_name="MetricsCurrencyMrr")
class CurrencyMrrOutput(serializers.Serializer):
    currency = serializers.CharField()
    mrr = serializers.CharField(help_text="committed_mrr + usage_mrr, a decimal string")
    arr = serializers.CharField(help_text="12 × mrr")
    committed_mrr = serializers.CharField(help_text="Flat fees of active and past_due subscriptions, per month")
    usage_mrr = serializers.CharField(help_text="Usage lines of each one's latest finalized invoice, per month")
    active_subscriptions = serializers.IntegerField(help_text="active and past_due")
    trialing_subscriptions = serializers.IntegerField()


class MetricsMrrApi(TenantScopedApi):
    @extend_schema_serializer(component_name="MetricsMrrOutput")
    class Output(serializers.Serializer):
        refreshed_at = serializers.DateTimeField(allow_null=True, help_text="When the figures were computed")
        currencies = CurrencyMrrOutput(many=True)

    @extend_schema(responses={200: Output})
    def get(self, request: Request, tenant_id: str) -> Response:
        with replica_reads():  # the view's figures are minutes old anyway
            report = selectors.mrr_for_tenant(tenant=self.tenant_id)
        return Response(
            {
                "refreshed_at": format_time(report.refreshed_at),
                "currencies": [currency_mrr_body(row) for row in report.currencies],
            }
        )


def currency_mrr_body(row: selectors.CurrencyMrr) -> dict[str, Any]:
    """One currency's MRR as the API (and the admin page) shows it: money as strings."""
    money = {
        name: format_price(getattr(row, name), row.currency) for name in ("mrr", "arr", "committed_mrr", "usage_mrr")
    }
    return {
        "currency": row.currency,
        **money,
        "active_subscriptions": row.active_subscriptions,
        "trialing_subscriptions": row.trialing_subscriptions,
    }


class MetricsRevenueApi(TenantScopedApi):
    @extend_schema_serializer(component_name="MetricsRevenueMonth")
    class MonthOutput(serializers.Serializer):
        month = serializers.CharField(help_text="The UTC month, YYYY-MM")
        invoiced = serializers.CharField(help_text="Totals of the non-void invoices issued in the month")
        paid = serializers.CharField(help_text="Totals of the invoices paid in the month")

    # "from" is a keyword, so the response body is declared with inline_serializer.
    Output = inline_serializer(
        name="MetricsRevenueOutput",
        fields={
            "from": serializers.DateTimeField(),
            "to": serializers.DateTimeField(),
            "currencies": inline_serializer(
                name="MetricsCurrencyRevenue",
                many=True,
                fields={"currency": serializers.CharField(), "months": MonthOutput(many=True)},
            ),
        },
    )

    @extend_schema(
        parameters=from_to_parameters("Default: the month 11 months ago.", "Default: now."),
        responses={200: Output},
    )
    def get(self, request: Request, tenant_id: str) -> Response:
        start, end = _range(request, now=clock.now(self.tenant_id, reading=True))
        with replica_reads():
            currencies = selectors.revenue_by_month(tenant=self.tenant_id, start=start, end=end)
        return Response(
            {
                "from": format_time(start),
                "to": format_time(end),
                "currencies": [
                    {
                        "currency": row.currency,
                        "months": [
                            {
                                "month": f"{month.month:%Y-%m}",
                                "invoiced": format_price(month.invoiced, row.currency),
                                "paid": format_price(month.paid, row.currency),
                            }
                            for month in row.months
                        ],
                    }
                    for row in currencies
                ],
            }
        )


def _range(request: Request, *, now: datetime) -> tuple[datetime, datetime]:
    """`[from, to)`: by default the current UTC month and the eleven before it, to now."""
    start, end = from_to_range(request, now=now, default_from=_default_start)
    if selectors.month_count(start, end) > MAX_MONTHS:
        raise ValidationError({"from": [RANGE_TOO_LONG]}, code="range_too_long")
    return start, end


def _default_start(end: datetime) -> datetime:
    try:
        start, _ = selectors.revenue_range_default(end, DEFAULT_MONTHS)
    except (ValueError, OverflowError):  # before year 1
        raise ValidationError({"to": [TO_TOO_EARLY]}, code="to_too_early") from None
    return start
