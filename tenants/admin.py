from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db.models import QuerySet
from django.http import HttpRequest

from tenants.models import ApiKey, Tenant, User
from tenants.services import tenant_delete


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = ["name", "id", "default_currency", "sandbox", "clock_time", "created_at"]
    list_filter = ["sandbox"]
    search_fields = ["name", "id"]
    # A sandbox is chosen at sign-up and its clock moves only by advancing it (the API).
    readonly_fields = ["id", "sandbox", "clock_time", "clock_advancing_to", "clock_heartbeat_at", "created_at"]

    # Through the service: the audit log's trigger lets only it delete a tenant's entries.
    def delete_model(self, request: HttpRequest, obj: Tenant) -> None:
        tenant_delete(tenant=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Tenant]) -> None:
        for tenant in queryset:
            tenant_delete(tenant=tenant)


class UserCreateForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "tenant", "role")


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserEditForm
    add_form = UserCreateForm
    ordering = ["email"]
    list_display = ["email", "tenant", "role", "is_staff", "is_active", "created_at"]
    list_filter = ["tenant", "role", "is_staff", "is_active"]
    search_fields = ["email", "tenant__name"]
    autocomplete_fields = ["tenant"]
    readonly_fields = ["created_at", "last_login"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Tenant", {"fields": ("tenant", "role")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "created_at")}),
    )
    add_fieldsets = (
        (
            None,
            {"classes": ("wide",), "fields": ("email", "tenant", "role", "usable_password", "password1", "password2")},
        ),
    )


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """The hash is never shown; staff can only see, name and revoke keys."""

    list_display = ["name", "prefix", "tenant", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["tenant", "revoked_at"]
    search_fields = ["name", "prefix", "tenant__name"]
    fields = ["tenant", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["tenant", "prefix", "created_at", "last_used_at"]

    def has_add_permission(self, request: object) -> bool:
        return False
