"""The audit log in the admin: read-only (the database refuses changes anyway), each
entry linked to its object's admin page where the object has one."""

from __future__ import annotations

from functools import cache

from django.contrib import admin
from django.db.models import Model
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html

from audit.models import AuditEntry
from audit.services import object_type_of
from tenants.admin_mixins import ReadOnlyAdminMixin


@cache
def _admin_models() -> dict[str, type[Model]]:
    """The models the admin shows, by the object_type their entries carry."""
    return {object_type_of(model): model for model in admin.site._registry}


def object_admin_url(entry: AuditEntry) -> str | None:
    model = _admin_models().get(entry.object_type)
    if model is None:
        return None
    try:
        return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[entry.object_id])
    except NoReverseMatch:
        return None


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["at", "tenant", "actor_type", "actor_label", "action", "object_link", "request_id"]
    list_filter = ["actor_type", "object_type", "action", "tenant"]
    search_fields = ["=object_id", "=request_id", "actor_email"]
    list_select_related = ["tenant"]
    date_hierarchy = "at"
    ordering = ["-at", "-id"]
    fields = (
        "id", "tenant", "at", "actor_type", "actor_id", "actor_email", "action",
        "object_type", "object_id", "object_link", "changes", "reason", "request_id",
    )  # fmt: skip
    readonly_fields = fields

    @admin.display(description="actor")
    def actor_label(self, entry: AuditEntry) -> str:
        return entry.actor_email or entry.actor_id

    @admin.display(description="object")
    def object_link(self, entry: AuditEntry) -> str:
        url = object_admin_url(entry)
        label = f"{entry.object_type} {entry.object_id}"
        return format_html('<a href="{}">{}</a>', url, label) if url else label
