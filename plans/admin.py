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

from plans import coupon_services, services
from plans.admin_display import money_field, money_text, quantity_text, tier_table
from plans.api import PLAN_FIELDS
from plans.models import Charge, Coupon, DefaultTaxRate, Meter, Plan, TaxRate


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
    list_filter = ["tenant", "aggregation"]
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
        "unit_amount_shown",
        "package_size",
        "package_amount_shown",
        "tier_table",
        "dimensions",
    )
    ordering = ["position"]

    unit_amount_shown = money_field("unit_amount", description="unit amount")
    package_amount_shown = money_field("package_amount", description="package amount")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="tiers")
    def tier_table(self, charge: Charge) -> str:
        """A table with a row per tier: from, up to (∞ for the last), per unit, flat fee."""
        rows, start = [], 0
        for tier in charge.tiers:
            rows.append({"from": start, **tier})
            start = tier["up_to"] or start
        return tier_table(rows, charge.currency)

    @admin.display(description="filters / group by")
    def dimensions(self, charge: Charge) -> str:
        """Each filter (name: properties → its model), then the group_by; "—" without."""
        dims = charge.dimensions()
        if dims is None:
            return "—"
        parts = []
        for f in dims.filters:
            matches = "; ".join(f"{key} in {', '.join(values)}" for key, values in f.properties)
            parts.append(f"{f.name}: {matches} → {f.spec.model.value}")
        if dims.group_by:
            parts.append(f"group by {', '.join(dims.group_by)}")
        return " | ".join(parts)


@admin.register(Plan)
class PlanAdmin(CatalogEntryAdmin):
    list_display = ["code", "name", "tenant", "currency", "interval", "fee", "trial_days", "active", "created_at"]
    list_filter = ["tenant", "active", "interval", "currency"]
    search_fields = ["code", "name", "tenant__name"]
    fields = ["id", "tenant", *("fee" if name == "amount" else name for name in PLAN_FIELDS), "thresholds", "minimum"]
    readonly_fields = [
        "id", "tenant", "code", "currency", "interval", "fee", "trial_days", "created_at", "thresholds", "minimum",
    ]  # fmt: skip
    inlines = [ChargeInline]
    actions = ["deactivate"]

    fee = money_field("amount", description="amount")
    minimum = money_field("minimum_amount", description="minimum amount (per period)")

    @admin.display(description="usage thresholds (progressive billing)")
    def thresholds(self, plan: Plan) -> str:
        return ", ".join(money_text(amount, plan.currency) for amount in plan.usage_thresholds) or "—"

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
    list_filter = ["tenant", "active"]
    list_select_related = ["tenant"]
    search_fields = ["code", "name", "tenant__name"]
    fields = ["id", "tenant", "code", "name", "shown_percentage", "active", "created_at"]
    readonly_fields = ["id", "tenant", "code", "shown_percentage", "created_at"]
    show_full_result_count = False

    def update(self, stored: TaxRate, changes: dict[str, Any]) -> None:
        services.tax_rate_update(tenant=stored.tenant, tax_rate=stored, data=changes)

    @admin.display(description="percentage", ordering="percentage")
    def shown_percentage(self, rate: TaxRate) -> str:
        return f"{quantity_text(rate.percentage)} %"

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
    list_filter = ["tenant", "active", "duration"]
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
