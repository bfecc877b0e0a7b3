"""Support staff's revenue page per tenant: MRR and ARR per currency (from the view)
and the last twelve months of invoiced revenue as an inline SVG bar chart: no
JavaScript, no CDN. It is the change page of the `TenantRevenue` proxy, so it lives
in this app (tenants cannot import metrics) and is read-only.

The support dashboard (`admin:support_dashboard`, `/admin/metrics/tenantrevenue/dashboard/`,
linked from the admin's index): MRR per tenant, failed payments, dead webhook
deliveries and the last invoice runs (`metrics.dashboard`), of every tenant or the one
picked (`?tenant=<id>`). It lives here, the last app, because it reads them all."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path

from metrics import alert_admin, dashboard, selectors  # noqa: F401 - alert_admin registers the alerts' pages
from metrics.api import currency_mrr_body
from metrics.models import TenantRevenue
from plans.money import format_price
from tenants import clock
from tenants.admin_mixins import ReadOnlyAdminMixin
from tenants.models import Tenant

# The index links to the dashboard (a template of this app; the site's own stays as it is).
admin.site.index_template = "admin/support_index.html"

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

    def get_urls(self) -> list[URLPattern]:
        view = path("dashboard/", self.admin_site.admin_view(self.dashboard_view), name="support_dashboard")
        return [view, *super().get_urls()]

    def dashboard_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        tenants = list(Tenant.objects.order_by("name"))
        picked = next((t for t in tenants if str(t.pk) == request.GET.get("tenant")), None)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Support dashboard" + (f": {picked.name}" if picked else ""),
            "subtitle": None,
            "tenants": tenants,
            "picked": picked,
            "mrr": dashboard.mrr_by_tenant(tenant=picked),
            "failed_payments": dashboard.failed_payments(tenant=picked),
            "dead_deliveries": dashboard.dead_deliveries(tenant=picked),
            "runs": dashboard.last_runs(tenant=picked),
        }
        return TemplateResponse(request, "admin/metrics/dashboard.html", context)

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
