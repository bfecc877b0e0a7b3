"""Support staff's revenue page per tenant: MRR and ARR per currency (from the view)
and the last twelve months of invoiced revenue as an inline SVG bar chart: no
JavaScript, no CDN. It is the change page of the `TenantRevenue` proxy, so it lives
in this app (tenants cannot import metrics) and is read-only."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from metrics import selectors
from metrics.api import currency_mrr_body
from metrics.models import TenantRevenue
from plans.money import format_price
from tenants import clock
from tenants.admin_mixins import ReadOnlyAdminMixin

NO_SUCH_TENANT = "No such tenant."
PLOT_HEIGHT = 160
BAR_WIDTH = 36
BAR_GAP = 12
TOP_MARGIN = 8
LABEL_SPACE = 20


@dataclass(frozen=True)
class Bar:
    x: int
    y: int
    width: int
    height: int
    month: str  # "Jan 2026"
    short: str  # "Jan"
    invoiced: str
    paid: str


@dataclass(frozen=True)
class Chart:
    currency: str
    width: int
    height: int
    baseline: int
    top_label: str
    bars: list[Bar]


def revenue_chart(revenue: selectors.CurrencyRevenue) -> Chart:
    """Bars of invoiced revenue, as tall as their share of the largest month (a month
    with anything invoiced is at least one pixel tall, so it never looks empty)."""
    top = max((m.invoiced for m in revenue.months), default=Decimal(0))
    baseline = TOP_MARGIN + PLOT_HEIGHT
    bars = []
    for i, month in enumerate(revenue.months):
        height = int(month.invoiced * PLOT_HEIGHT / top) if top else 0
        if month.invoiced and not height:
            height = 1
        bars.append(
            Bar(
                x=BAR_GAP + i * (BAR_WIDTH + BAR_GAP),
                y=baseline - height,
                width=BAR_WIDTH,
                height=height,
                month=f"{month.month:%b %Y}",
                short=f"{month.month:%b}",
                invoiced=format_price(month.invoiced, revenue.currency),
                paid=format_price(month.paid, revenue.currency),
            )
        )
    return Chart(
        currency=revenue.currency,
        width=BAR_GAP + len(bars) * (BAR_WIDTH + BAR_GAP),
        height=baseline + LABEL_SPACE,
        baseline=baseline,
        top_label=format_price(top, revenue.currency),
        bars=bars,
    )


@admin.register(TenantRevenue)
class TenantRevenueAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["name", "id", "default_currency", "created_at"]
    search_fields = ["name", "id"]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        tenant = self.get_object(request, unquote(object_id))
        if tenant is None:
            raise Http404(NO_SUCH_TENANT)
        if not self.has_view_permission(request, tenant):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            **self._revenue_context(tenant),
            "opts": self.opts,
            "original": tenant,
            "title": f"Revenue of {tenant.name}",
            "subtitle": None,
        }
        return TemplateResponse(request, "admin/metrics/tenantrevenue/revenue.html", context)

    def _revenue_context(self, tenant: TenantRevenue) -> dict[str, Any]:
        report = selectors.mrr_for_tenant(tenant=tenant)
        start, end = selectors.revenue_range_default(clock.now(tenant, reading=True))
        revenue = selectors.revenue_by_month(tenant=tenant, start=start, end=end)
        charted = {row.currency for row in revenue}
        # A currency with subscriptions but nothing invoiced yet still gets its (empty) chart.
        wanted = {row.currency for row in report.currencies} or {tenant.default_currency}
        months = selectors.months_between(start, end)
        revenue += [
            selectors.CurrencyRevenue(c, [selectors.MonthRevenue(m, Decimal(0), Decimal(0)) for m in months])
            for c in sorted(wanted - charted)
        ]
        return {
            "tenant": tenant,
            "refreshed_at": report.refreshed_at,
            "mrr_rows": [currency_mrr_body(row) for row in report.currencies],
            "charts": [revenue_chart(row) for row in sorted(revenue, key=lambda r: r.currency)],
        }
