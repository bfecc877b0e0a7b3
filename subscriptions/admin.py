"""Support staff: find customers and subscriptions; changes go through the services' rules."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from subscriptions.models import Customer, Subscription, SubscriptionSegment
from tenants.admin_mixins import ReadOnlyAdminMixin
from tenants.formats import format_time


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    """Customers are created through the API (the tenant's own ids); staff may fix a
    name, an email or metadata, never the external_id that usage events refer to."""

    list_display = ["external_id", "name", "email", "tax_exempt", "tenant", "created_at"]
    list_filter = ["tenant", "tax_exempt"]
    search_fields = ["external_id", "name", "email"]
    fields = ["id", "tenant", "external_id", "name", "email", "metadata", "tax_exempt", "tax_rates", "created_at"]
    readonly_fields = ["id", "tenant", "external_id", "tax_rates", "created_at"]
    list_select_related = ["tenant"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="tax rates")
    def tax_rates(self, customer: Customer) -> str:
        """Its own rates, in order (set through the API); none: the tenant's defaults."""
        links = customer.tax_rate_links.select_related("tax_rate").order_by("position")
        return ", ".join(link.tax_rate.code for link in links) or "- (the tenant's defaults)"


class SegmentInline(ReadOnlyAdminMixin, admin.TabularInline):
    """The plan history: one row per plan the subscription had, oldest first."""

    model = SubscriptionSegment
    verbose_name_plural = "plan history (segments)"
    extra = 0
    can_delete = False
    fields = readonly_fields = ("plan", "start_at", "end_at", "billing_anchor")

    def get_queryset(self, request: HttpRequest) -> QuerySet[SubscriptionSegment]:
        return SubscriptionSegment.unscoped().select_related("plan").order_by("start_at")


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: subscriptions change only through the services (create, invoicing,
    cancel, plan changes), which keep the periods, the meter rule, the plan history
    and the webhooks consistent."""

    list_display = [
        "id", "customer", "plan", "status", "current_period_start", "current_period_end", "pending_change", "tenant",
    ]  # fmt: skip
    list_filter = ["status", "cancel_at_period_end"]
    search_fields = ["=id", "customer__external_id", "customer__name", "customer__email", "plan__code"]
    list_select_related = ["customer", "plan", "pending_plan", "tenant"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    inlines = [SegmentInline]

    @admin.display(description="pending change")
    def pending_change(self, subscription: Subscription) -> str:
        """The plan the next period starts on: "pro from 2026-02-01T00:00:00.000000Z"."""
        if subscription.pending_plan is None:
            return "-"
        return f"{subscription.pending_plan.code} from {format_time(subscription.current_period_end)}"
