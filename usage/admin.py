from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from plans.admin_display import quantity_field
from tenants.admin_mixins import ReadOnlyAdminMixin, pretty_json, related_links
from usage.models import UsageEvent, UsageEventRevision, UsageLateMonth


class UsageEventRevisionInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = UsageEventRevision
    extra = 0
    can_delete = False
    fields = readonly_fields = ("revision", "action", "amount", "properties", "actor", "reason", "created_at", "seq")
    ordering = ["revision"]

    amount = quantity_field("value", description="value")

    def get_queryset(self, request: HttpRequest) -> QuerySet[UsageEventRevision]:
        return UsageEventRevision.unscoped().order_by("revision")


@admin.register(UsageEvent)
class UsageEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: usage is evidence for invoices; corrections go through the API's void
    and amend (usage.services), which keep every revision (shown below the event)."""

    list_display = [
        "id", "tenant", "customer", "meter", "amount", "timestamp", "idempotency_key", "revision", "voided_at",
        "created_at",
    ]  # fmt: skip
    list_filter = ["tenant", "timestamp"]
    search_fields = ["idempotency_key", "customer__external_id", "meter__code"]
    list_select_related = ["tenant", "customer", "meter"]
    show_full_result_count = False
    date_hierarchy = "timestamp"
    inlines = [UsageEventRevisionInline]
    fields = readonly_fields = (
        "id", "tenant", "customer", "meter", "amount", "properties_shown", "timestamp", "idempotency_key", "revision",
        "voided_at", "created_at", "related",
    )  # fmt: skip

    amount = quantity_field("value", description="value")

    @admin.display(description="related")
    def related(self, event: UsageEvent) -> str:
        """The customer's invoice whose period holds the event (late usage is billed on a
        later one: the customer's invoices), and the customer's other events."""
        when = event.timestamp.isoformat()
        return related_links(
            (
                "invoices_invoice",
                {"customer": event.customer_id, "period_start__lte": when, "period_end__gt": when},
                "the invoice of its period",
            ),
            ("invoices_invoice", {"customer": event.customer_id}, "invoices of the customer"),
            ("usage_usageevent", {"customer": event.customer_id}, "usage events of the customer"),
        )

    @admin.display(description="properties")
    def properties_shown(self, event: UsageEvent) -> str:
        return pretty_json(event.properties)

    def get_queryset(self, request: HttpRequest) -> Any:
        return UsageEvent.unscoped().all()


@admin.register(UsageLateMonth)
class UsageLateMonthAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: the months that got events when already old (written by the events
    table's trigger), which the late-usage detection reads besides the recent months.
    The idempotency keys (`UsageIdempotencyKey`) have no page: the admin does not take
    a composite primary key; an event's page shows its key."""

    list_display = ["tenant", "month", "seq"]
    list_filter = ["tenant"]
    fields = readonly_fields = ("tenant", "month", "seq")

    def get_queryset(self, request: HttpRequest) -> Any:
        return UsageLateMonth.unscoped().all()
