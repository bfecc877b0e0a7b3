"""Support staff's view of alerts: every tenant's alerts with the thresholds that fired
(read only: alerts are created and deleted through the API, whose services audit them;
triggers are written by the evaluation alone)."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from metrics.models import Alert, AlertTrigger
from tenants.admin_mixins import ReadOnlyAdminMixin


class AlertTriggerInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = AlertTrigger
    extra = 0
    can_delete = False
    fields = readonly_fields = ("period_start", "threshold", "value", "triggered_at", "rearmed_at")
    verbose_name_plural = "fired (newest first)"

    def get_queryset(self, request: HttpRequest) -> QuerySet[AlertTrigger]:
        return AlertTrigger.unscoped().order_by("-id")


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "type", "meter", "thresholds", "step", "created_at", "tenant"]
    list_filter = ["tenant", "type"]
    list_select_related = ["meter", "tenant"]
    search_fields = ["=id", "=subscription__id", "subscription__customer__external_id"]
    show_full_result_count = False
    fields = readonly_fields = ("id", "tenant", "subscription", "type", "meter", "thresholds", "step", "created_at")
    inlines = [AlertTriggerInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Alert]:
        return Alert.unscoped().select_related("meter", "tenant", "subscription").order_by("-created_at")


@admin.register(AlertTrigger)
class AlertTriggerAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "__str__",
        "alert_type",
        "threshold",
        "value",
        "period_start",
        "triggered_at",
        "rearmed_at",
        "tenant",
    ]
    list_filter = ["tenant", "alert_type"]
    list_select_related = ["tenant"]
    search_fields = ["=alert__id"]
    show_full_result_count = False
    fields = readonly_fields = (
        "alert", "tenant", "alert_type", "threshold", "value", "period_start", "triggered_at", "rearmed_at",
    )  # fmt: skip

    def get_queryset(self, request: HttpRequest) -> QuerySet[AlertTrigger]:
        return AlertTrigger.unscoped().select_related("tenant").order_by("-id")
