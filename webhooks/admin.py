"""Support staff's view of outbound webhooks: endpoints (secret masked, never editable),
events (read only) and deliveries (read only, with a retry action)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from tenants.errors import ConflictError
from webhooks import services
from webhooks.api import DELIVERY_STATE_FIELDS
from webhooks.models import Event, WebhookDelivery, WebhookEndpoint
from webhooks.url_guard import UnsafeUrlError, check_webhook_url

RETRY_DONE = "Queued {queued} deliveries again; {skipped} were already pending and left as they are."

DELIVERY_FIELDS = ("tenant", "event", "endpoint", *DELIVERY_STATE_FIELDS)


def mask_secret(secret: str) -> str:
    return f"{secret[:10]}…" if secret else ""


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(max_length=2048, assume_scheme="https")

    class Meta:
        model = WebhookEndpoint
        fields = ["url", "event_types", "description", "active"]

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        try:
            check_webhook_url(url)
        except UnsafeUrlError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return url


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    """Tenants create endpoints through the API (the only place the secret is shown)."""

    form = WebhookEndpointForm
    list_display = ["url", "tenant", "active", "event_types", "created_at"]
    list_filter = ["active"]
    search_fields = ["url", "description", "tenant__name", "id"]
    fields = ["tenant", "url", "event_types", "description", "active", "masked_secret", "created_at", "updated_at"]
    readonly_fields = ["tenant", "masked_secret", "created_at", "updated_at"]

    @admin.display(description="secret")
    def masked_secret(self, endpoint: WebhookEndpoint) -> str:
        return mask_secret(endpoint.secret)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["public_id", "type", "tenant", "created_at"]
    list_filter = ["type"]
    search_fields = ["id", "tenant__name"]
    fields = ["id", "tenant", "type", "data", "created_at"]
    readonly_fields = ["id", "tenant", "type", "data", "created_at"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["id", "event", "endpoint", "tenant", "status", "attempts", "next_attempt_at", "last_status_code"]
    list_filter = ["status", "event__type"]
    list_select_related = ["event", "endpoint", "tenant"]
    search_fields = ["id", "event__id", "endpoint__url", "tenant__name"]
    fields = readonly_fields = DELIVERY_FIELDS
    actions = ["retry_selected"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_retry_permission(self, request: HttpRequest) -> bool:
        # The rows are read only, so the action asks for the model's change permission itself.
        return request.user.has_perm("webhooks.change_webhookdelivery")

    @admin.action(description="Retry selected deliveries", permissions=["retry"])
    def retry_selected(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        queued = skipped = 0
        for delivery in queryset:
            try:
                services.webhook_delivery_retry(tenant=delivery.tenant_id, delivery_id=delivery.pk)
            except ConflictError:
                skipped += 1  # already pending
            else:
                queued += 1
        level = messages.WARNING if skipped else messages.SUCCESS
        self.message_user(request, RETRY_DONE.format(queued=queued, skipped=skipped), level)
