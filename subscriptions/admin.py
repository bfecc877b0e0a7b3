"""Support staff: find customers and subscriptions; changes go through the services' rules."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from subscriptions.models import Customer, Subscription
from tenants.admin_mixins import ReadOnlyAdminMixin


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


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: subscriptions change only through the services (create, invoicing,
    cancel), which keep the periods, the meter rule and the webhooks consistent."""

    list_display = ["id", "customer", "plan", "status", "current_period_start", "current_period_end", "tenant"]
    list_filter = ["status", "cancel_at_period_end"]
    search_fields = ["=id", "customer__external_id", "customer__name", "customer__email", "plan__code"]
    list_select_related = ["customer", "plan", "tenant"]
    date_hierarchy = "created_at"
    show_full_result_count = False
