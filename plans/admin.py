"""Support staff's view of the catalog. Prices are immutable, so charges and the price
fields of plans are read-only; name, description and active change through
`plans.services.plan_update`. Tax rates likewise: code and percentage never change,
name and active through `plans.services.tax_rate_update`; and coupons: their terms
never change, name and active through `plans.coupon_services.coupon_update`. Meters,
plans, tax rates and coupons are created through the API, which validates them."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html_join

from plans import coupon_services, services
from plans.api import PLAN_FIELDS
from plans.models import Charge, Coupon, DefaultTaxRate, Meter, Plan, TaxRate
from plans.money import format_price, format_quantity


class CatalogEntryAdmin(admin.ModelAdmin):
    """Catalog entries are created through the API, which validates them, and never
    deleted (rows name them); what may change goes through the service (`update`)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        stored = type(obj).objects.select_related("tenant").get(pk=obj.pk)
        self.update(stored, {field: form.cleaned_data[field] for field in form.changed_data})

    def update(self, stored: Any, changes: dict[str, Any]) -> None:
        raise NotImplementedError  # the read-only ones (meters) have no change to save


@admin.register(Meter)
class MeterAdmin(CatalogEntryAdmin):
    list_display = ["code", "name", "aggregation", "property", "tenant", "created_at"]
    list_filter = ["aggregation", "tenant"]
    search_fields = ["code", "name", "tenant__name"]
    fields = readonly_fields = ("id", "tenant", "code", "name", "aggregation", "property", "created_at")


class ChargeInline(admin.TabularInline):
    model = Charge
    extra = 0
    can_delete = False
    fields = readonly_fields = (
        "position",
        "meter",
        "model",
        "unit_amount",
        "package_size",
        "package_amount",
        "tier_table",
    )
    ordering = ["position"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="tiers")
    def tier_table(self, charge: Charge) -> str:
        """One line per tier: "up to 1000: 0.00 per unit + 0.00", "above 10000: 0.001 per unit + 0.00"."""
        currency = charge.currency
        rows = []
        start = 0
        for tier in charge.to_spec().tiers:
            lower = f"above {start}" if start else ""
            upper = "" if tier.up_to is None else f"up to {tier.up_to}"
            bounds = " ".join(part for part in (lower, upper) if part) or "all units"
            rows.append((bounds, format_price(tier.unit_amount, currency), format_price(tier.flat_amount, currency)))
            start = tier.up_to or start
        return format_html_join("", "<div>{}: {} per unit + {}</div>", rows) or "-"


@admin.register(Plan)
class PlanAdmin(CatalogEntryAdmin):
    list_display = ["code", "name", "tenant", "currency", "interval", "amount", "trial_days", "active", "created_at"]
    list_filter = ["active", "interval", "currency", "tenant"]
    search_fields = ["code", "name", "tenant__name"]
    fields = ["id", "tenant", *PLAN_FIELDS]
    readonly_fields = ["id", "tenant", "code", "currency", "interval", "amount", "trial_days", "created_at"]
    inlines = [ChargeInline]
    actions = ["deactivate"]

    def update(self, stored: Plan, changes: dict[str, Any]) -> None:
        services.plan_update(tenant=stored.tenant, plan=stored, data=changes)

    @admin.action(description="Deactivate selected plans (no new subscriptions)")
    def deactivate(self, request: HttpRequest, queryset: QuerySet[Plan]) -> None:
        for plan in queryset.select_related("tenant"):
            services.plan_update(tenant=plan.tenant, plan=plan, data={"active": False})
        self.message_user(request, f"Deactivated {queryset.count()} plan(s).", messages.SUCCESS)


@admin.register(TaxRate)
class TaxRateAdmin(CatalogEntryAdmin):
    list_display = ["code", "name", "shown_percentage", "active", "tenant_default", "tenant", "created_at"]
    list_filter = ["active"]
    list_select_related = ["tenant"]
    search_fields = ["code", "name", "tenant__name"]
    fields = ["id", "tenant", "code", "name", "percentage", "active", "created_at"]
    readonly_fields = ["id", "tenant", "code", "percentage", "created_at"]
    show_full_result_count = False

    def update(self, stored: TaxRate, changes: dict[str, Any]) -> None:
        services.tax_rate_update(tenant=stored.tenant, tax_rate=stored, data=changes)

    @admin.display(description="percentage", ordering="percentage")
    def shown_percentage(self, rate: TaxRate) -> str:
        return f"{format_quantity(rate.percentage)} %"

    @admin.display(description="tenant default")
    def tenant_default(self, rate: TaxRate) -> str:
        """Its place among the tenant's default rates (1 first), or "-"."""
        link = DefaultTaxRate.objects.filter(tax_rate=rate).first()
        return "-" if link is None else str(link.position + 1)


COUPON_TERMS = (
    "id", "tenant", "code", "off", "duration", "duration_in_periods", "max_redemptions", "times_redeemed",
    "redeem_by", "plans", "created_at",
)  # fmt: skip


@admin.register(Coupon)
class CouponAdmin(CatalogEntryAdmin):
    list_display = ["code", "name", "off", "duration", "redemptions", "redeem_by", "active", "tenant", "created_at"]
    list_filter = ["active", "duration"]
    list_select_related = ["tenant"]
    search_fields = ["code", "name", "tenant__name"]
    fields = [*COUPON_TERMS[:3], "name", *COUPON_TERMS[3:], "active"]
    readonly_fields = COUPON_TERMS
    show_full_result_count = False

    def update(self, stored: Coupon, changes: dict[str, Any]) -> None:
        coupon_services.coupon_update(tenant=stored.tenant, coupon=stored, data=changes)

    @admin.display(description="off")
    def off(self, coupon: Coupon) -> str:
        return coupon.off

    @admin.display(description="redeemed", ordering="times_redeemed")
    def redemptions(self, coupon: Coupon) -> str:
        """ "3 of 100", or "3" without a limit."""
        limit = "" if coupon.max_redemptions is None else f" of {coupon.max_redemptions}"
        return f"{coupon.times_redeemed}{limit}"

    @admin.display(description="plans")
    def plans(self, coupon: Coupon) -> str:
        codes = Plan.objects.filter(pk__in=coupon.plan_ids).order_by("code").values_list("code", flat=True)
        return ", ".join(codes) or "- (every plan)"
