"""Support staff's view of credit grants: every tenant's grants with their ledger
(read only: entries are written by the services that cause them), the grants inline
on a customer's page (`invoices.admin.CustomerAdmin`), and "Void selected credit
grants", which first shows a confirmation page, then calls
`grant_services.credit_grant_void` for each (a refused one is named in a warning)."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse

from invoices import grant_services
from invoices.models import CreditGrant, CreditGrantEntry
from plans.money import format_price
from tenants.admin_mixins import ReadOnlyAdminMixin, action_confirmation, apply_each

VOIDED = "Voided {count} credit grant(s)."
NOT_VOIDED = "{grant} was not voided: {reason}"
CLOSED = (CreditGrant.Status.EXPIRED, CreditGrant.Status.VOIDED)
GRANT_FIELDS = (
    "id", "tenant", "customer", "name", "category", "currency", "amount", "remaining_amount", "used", "expired",
    "voided", "priority", "status", "effective_at", "expires_at", "invoice", "created_at",
)  # fmt: skip


class RemainingMixin:
    @admin.display(description="remaining")
    def remaining_amount(self, grant: CreditGrant) -> str:
        return f"{format_price(grant.remaining, grant.currency)} {grant.currency}"


class CreditGrantEntryInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = CreditGrantEntry
    extra = 0
    can_delete = False
    fields = readonly_fields = ("created_at", "kind", "amount", "invoice", "credit_note", "description")
    verbose_name_plural = "ledger (in the order written)"

    def get_queryset(self, request: HttpRequest) -> QuerySet[CreditGrantEntry]:
        return CreditGrantEntry.unscoped().select_related("invoice", "credit_note").order_by("id")


class CreditGrantInline(RemainingMixin, ReadOnlyAdminMixin, admin.TabularInline):
    """A customer's grants on its page, each a link to its own page (with the ledger)."""

    model = CreditGrant
    extra = 0
    can_delete = False
    show_change_link = True
    fields = readonly_fields = (
        "name", "category", "amount", "remaining_amount", "status", "priority", "effective_at", "expires_at",
    )  # fmt: skip
    verbose_name_plural = "credit grants"

    def get_queryset(self, request: HttpRequest) -> QuerySet[CreditGrant]:
        return CreditGrant.unscoped().order_by("-created_at")


@admin.register(CreditGrant)
class CreditGrantAdmin(RemainingMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "customer", "status", "remaining_amount", "expires_at", "tenant"]
    list_filter = ["tenant", "status", "category", "currency"]
    list_select_related = ["customer", "tenant"]
    search_fields = ["name", "customer__external_id", "customer__name", "=id"]
    show_full_result_count = False
    fields = readonly_fields = GRANT_FIELDS
    inlines = [CreditGrantEntryInline]
    actions = ["void_selected"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[CreditGrant]:
        return CreditGrant.unscoped().select_related("customer", "tenant", "invoice").order_by("-created_at")

    def has_void_permission(self, request: HttpRequest) -> bool:
        # Grants are read only, so the action asks for the model's change permission itself.
        return request.user.has_perm("invoices.change_creditgrant")

    @admin.action(description="Void selected credit grants", permissions=["void"])
    def void_selected(self, request: HttpRequest, queryset: QuerySet[CreditGrant]) -> TemplateResponse | None:
        """First a confirmation page, then, once confirmed (`post=yes`), the service for each."""
        grants = list(queryset.order_by("created_at"))
        if request.POST.get("post") != "yes":
            return action_confirmation(
                self,
                request,
                template="admin/invoices/creditgrant/void_confirmation.html",
                title="Void credit grants?",
                chosen=[g for g in grants if g.status not in CLOSED],
                skipped=[g for g in grants if g.status in CLOSED],
            )
        apply_each(
            self,
            request,
            grants,
            lambda grant: grant_services.credit_grant_void(tenant=grant.tenant_id, grant_id=grant.pk),
            done=VOIDED,
            refused=lambda grant, exc: NOT_VOIDED.format(grant=grant, reason=exc),
        )
        return None
