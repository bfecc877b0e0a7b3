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

    list_display = ["external_id", "name", "email", "tenant", "created_at"]
    list_filter = ["tenant"]
    search_fields = ["external_id", "name", "email"]
    fields = ["id", "tenant", "external_id", "name", "email", "metadata", "created_at"]
    readonly_fields = ["id", "tenant", "external_id", "created_at"]
    list_select_related = ["tenant"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


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
