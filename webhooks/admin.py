"""Support staff's view of outbound webhooks: endpoints (secret masked, never editable),
events and deliveries (read only: nothing adds, changes or deletes them here, so the
history of what a tenant was sent stays whole). A delivery's page shows the body it
sends (indented), links to the object the event is about, and has a Retry button (a
POST to `<id>/retry/`, `services.webhook_delivery_retry`); the list has the same as
an action for many. `?object=<id>` lists the deliveries of one object's events (an
invoice's page links there)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse

from tenants.admin_mixins import OBJECT_PARAM, ReadOnlyAdminMixin, object_link, pretty_json
from tenants.errors import ConflictError
from webhooks import services
from webhooks.api import DELIVERY_STATE_FIELDS
from webhooks.models import Event, WebhookDelivery, WebhookEndpoint
from webhooks.signing import event_body
from webhooks.url_guard import UnsafeUrlError, check_webhook_url

RETRY_DONE = "Queued {queued} deliveries again; {skipped} were already pending and left as they are."
RETRIED = "Queued the delivery of {event} to {url} again."
NOT_RETRIED = "The delivery was not queued again: {reason}"

DELIVERY_FIELDS = ("tenant", "event", "about", "endpoint", *DELIVERY_STATE_FIELDS, "payload")

# The admin page of the object an event is about, by the event type's prefix.
EVENT_OBJECTS = {
    "invoice": "invoices_invoice",
    "credit_note": "invoices_creditnote",
    "subscription": "subscriptions_subscription",
    "discount": "subscriptions_discount",
}


def event_object_link(event: Event) -> str:
    """A link to the admin page of the object in the event's `data` ("invoice INV-000001")."""
    kind = event.type.partition(".")[0]
    pk = event.data.get("id") if isinstance(event.data, dict) else None
    if kind not in EVENT_OBJECTS or not pk:
        return "-"
    label = event.data.get("number") or pk
    return object_link(EVENT_OBJECTS[kind], pk, f"{kind.replace('_', ' ')} {label}")


class EventObjectFilter(admin.SimpleListFilter):
    """`?object=<id>`: the rows of the events about that object (its id in the event's
    data). Shown in the sidebar only while it filters."""

    title = "object"
    parameter_name = OBJECT_PARAM
    event_path = "event__data__id"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        value = self.value()
        return [(value, value)] if value else []

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if not value:
            return queryset
        return queryset.filter(**{self.event_path: value})


class EventAboutFilter(EventObjectFilter):
    event_path = "data__id"


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
    list_filter = ["tenant", "active"]
    search_fields = ["url", "description", "tenant__name", "id"]
    fields = ["tenant", "url", "event_types", "description", "active", "masked_secret", "created_at", "updated_at"]
    readonly_fields = ["tenant", "masked_secret", "created_at", "updated_at"]

    @admin.display(description="secret")
    def masked_secret(self, endpoint: WebhookEndpoint) -> str:
        return mask_secret(endpoint.secret)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Event)
class EventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["public_id", "type", "tenant", "created_at"]
    list_filter = ["tenant", "type", EventAboutFilter]
    search_fields = ["id", "tenant__name"]
    fields = readonly_fields = ("id", "tenant", "type", "about", "pretty_data", "created_at")
    date_hierarchy = "created_at"

    @admin.display(description="about")
    def about(self, event: Event) -> str:
        return event_object_link(event)

    @admin.display(description="data")
    def pretty_data(self, event: Event) -> str:
        return pretty_json(event.data)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "event", "endpoint", "tenant", "status", "attempts", "next_attempt_at", "last_status_code"]
    list_filter = ["tenant", "status", "event__type", EventObjectFilter]
    list_select_related = ["event", "endpoint", "tenant"]
    search_fields = ["id", "event__id", "endpoint__url", "tenant__name"]
    fields = readonly_fields = DELIVERY_FIELDS
    actions = ["retry_selected"]
    change_form_template = "admin/webhooks/webhookdelivery/change_form.html"

    def get_urls(self) -> list[URLPattern]:
        retry = path(
            "<uuid:delivery_id>/retry/",
            self.admin_site.admin_view(self.retry_view),
            name="webhooks_webhookdelivery_retry",
        )
        return [retry, *super().get_urls()]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        context = {**(extra_context or {}), "can_retry": self.has_retry_permission(request)}
        return super().change_view(request, object_id, form_url, context)

    @admin.display(description="about")
    def about(self, delivery: WebhookDelivery) -> str:
        return event_object_link(delivery.event)

    @admin.display(description="payload (the body sent)")
    def payload(self, delivery: WebhookDelivery) -> str:
        return pretty_json(json.loads(event_body(delivery.event)))

    def retry_view(self, request: HttpRequest, delivery_id: uuid.UUID) -> HttpResponse:
        """The Retry button: a POST (the page's form, with its CSRF token), then back to the page."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_retry_permission(request):
            raise PermissionDenied
        delivery = get_object_or_404(WebhookDelivery.unscoped().select_related("event", "endpoint"), pk=delivery_id)
        try:
            services.webhook_delivery_retry(tenant=delivery.tenant_id, delivery_id=delivery.pk)
        except ConflictError as exc:
            self.message_user(request, NOT_RETRIED.format(reason=exc), messages.WARNING)
        else:
            shown = RETRIED.format(event=delivery.event.public_id, url=delivery.endpoint.url)
            self.message_user(request, shown, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:webhooks_webhookdelivery_change", args=[delivery.pk]))

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
