"""Support staff: find customers, subscriptions and discounts; changes go through the
services' rules. A customer's page lists its discounts; a discount ends through
`subscriptions.discount_services.discount_end` (after a confirmation page), as `DELETE`
does in the API."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse

from plans.admin_display import money_field
from subscriptions import discount_services
from subscriptions.models import Customer, Discount, Subscription, SubscriptionSegment
from tenants.admin_mixins import ReadOnlyAdminMixin, action_confirmation, apply_each
from tenants.formats import format_time

ENDED = "Ended {count} discount(s)."
NOT_ENDED = "The discount of {coupon} for {customer} was not ended: {reason}"
DISCOUNT_FIELDS = (
    "position", "coupon", "subscription", "periods_used", "remaining", "created_at", "ended_at", "end_reason",
)  # fmt: skip


class DiscountAmountMixin:
    remaining = money_field("amount_remaining", currency="coupon.currency", description="amount remaining")


class DiscountInline(DiscountAmountMixin, ReadOnlyAdminMixin, admin.TabularInline):
    """The customer's discounts, in the order they apply, ended ones too."""

    model = Discount
    extra = 0
    can_delete = False
    fields = readonly_fields = DISCOUNT_FIELDS
    ordering = ["position"]


class CustomerSubscriptionInline(ReadOnlyAdminMixin, admin.TabularInline):
    """The customer's subscriptions, newest first, each linked to its page."""

    model = Subscription
    extra = 0
    can_delete = False
    show_change_link = True
    fields = readonly_fields = (
        "plan", "status", "current_period_start", "current_period_end", "cancel_at_period_end", "created_at",
    )  # fmt: skip
    verbose_name_plural = "subscriptions (newest first)"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Subscription]:
        return Subscription.unscoped().select_related("plan").order_by("-created_at")


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
    inlines = [CustomerSubscriptionInline, DiscountInline]

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
    list_filter = ["tenant", "status", "cancel_at_period_end"]
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


class DiscountActiveFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("active", "Active"), ("ended", "Ended")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Discount]) -> QuerySet[Discount]:
        if self.value() is None:
            return queryset
        return queryset.filter(ended_at__isnull=self.value() == "active")


@admin.register(Discount)
class DiscountAdmin(DiscountAmountMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: the run keeps periods used and the amount remaining; staff may end
    discounts (the action), nothing else."""

    list_display = ["coupon", "customer", "subscription", "periods_used", "remaining", "ended_at", "tenant"]
    list_filter = ["tenant", DiscountActiveFilter, "end_reason"]
    list_select_related = ["coupon", "customer", "subscription", "tenant"]
    search_fields = ["coupon__code", "customer__external_id", "customer__name", "=subscription__id"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    fields = readonly_fields = ("id", "tenant", "customer", *DISCOUNT_FIELDS)
    actions = ["end_selected"]

    def has_end_permission(self, request: HttpRequest) -> bool:
        # Read only, so the action asks for the model's change permission itself.
        return request.user.has_perm("subscriptions.change_discount")

    @admin.action(description="End selected discounts", permissions=["end"])
    def end_selected(self, request: HttpRequest, queryset: QuerySet[Discount]) -> TemplateResponse | None:
        """First a confirmation page, then, once confirmed (`post=yes`), the service
        for each discount."""
        discounts = list(queryset.select_related("coupon", "customer", "tenant").order_by("created_at"))
        if request.POST.get("post") != "yes":
            return action_confirmation(
                self,
                request,
                template="admin/subscriptions/discount/end_confirmation.html",
                title="End discounts?",
                chosen=[d for d in discounts if d.is_active],
                skipped=[d for d in discounts if not d.is_active],
            )
        apply_each(
            self,
            request,
            discounts,
            lambda d: discount_services.discount_end(tenant=d.tenant_id, customer_id=d.customer_id, discount_id=d.pk),
            done=ENDED,
            refused=lambda d, exc: NOT_ENDED.format(coupon=d.coupon, customer=d.customer, reason=exc),
        )
        return None
