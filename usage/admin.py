from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from tenants.admin_mixins import ReadOnlyAdminMixin
from usage.models import UsageEvent, UsageEventRevision


class UsageEventRevisionInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = UsageEventRevision
    extra = 0
    can_delete = False
    fields = readonly_fields = ("revision", "action", "value", "properties", "actor", "reason", "created_at", "seq")
    ordering = ["revision"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[UsageEventRevision]:
        return UsageEventRevision.unscoped().order_by("revision")


@admin.register(UsageEvent)
class UsageEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: usage is evidence for invoices; corrections go through the API's void
    and amend (usage.services), which keep every revision (shown below the event)."""

    list_display = [
        "id", "tenant", "customer", "meter", "value", "timestamp", "idempotency_key", "revision", "voided_at",
        "created_at",
    ]  # fmt: skip
    list_filter = ["timestamp"]
    search_fields = ["idempotency_key", "customer__external_id", "meter__code"]
    list_select_related = ["tenant", "customer", "meter"]
    show_full_result_count = False
    date_hierarchy = "timestamp"
    inlines = [UsageEventRevisionInline]

    def get_queryset(self, request: HttpRequest) -> Any:
        return UsageEvent.unscoped().all()
