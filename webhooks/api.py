"""Webhook endpoints and deliveries (API.md, Payments and webhooks → Outbound webhooks).

Thin: parse, call a service or selector, render. Everything here is for admins: the
contract keeps webhook endpoints from members, and deliveries show endpoint URLs
and receivers' error answers.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from tenants.inputs import JsonInput
from tenants.models import Role
from tenants.scoping import ListCreateApi, TenantScopedApi
from webhooks import selectors, services
from webhooks.filtersets import WebhookDeliveryFilterSet
from webhooks.models import EventType, WebhookDelivery, WebhookEndpoint


class WebhookEndpointOutput(serializers.ModelSerializer):
    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "event_types", "description", "active", "created_at", "updated_at"]


class WebhookEndpointCreatedOutput(serializers.ModelSerializer):
    secret = serializers.CharField(help_text="The signing secret (whsec_…): shown only in this response")

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "event_types", "secret", "description", "active", "created_at", "updated_at"]


# The schemes url_guard lets through (any case: URLs' schemes are case-insensitive).
_URL_SCHEME = r"^[Hh][Tt][Tt][Pp][Ss]?://" if settings.WEBHOOK_ALLOW_PRIVATE_URLS else r"^[Hh][Tt][Tt][Pp][Ss]://"


@extend_schema_field({"type": "string", "format": "uri", "maxLength": 2048, "pattern": _URL_SCHEME})
class WebhookUrlInput(serializers.URLField):
    """https only (http too with WEBHOOK_ALLOW_PRIVATE_URLS); `webhooks.url_guard` also
    refuses hosts that do not resolve to public addresses."""


class WebhookEndpointInput(JsonInput):
    url = WebhookUrlInput(max_length=2048)
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=EventType.choices),
        required=False,
        default=list,
        help_text="Event types to receive; empty or absent means all",
    )
    description = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    active = serializers.BooleanField(required=False, default=True)


class AdminsOnly:
    # Mixed into every route here: the contract keeps webhooks from members.
    read_role: ClassVar[str] = Role.ADMIN
    write_role: ClassVar[str] = Role.ADMIN


class WebhookEndpointListCreateApi(AdminsOnly, ListCreateApi):
    model = WebhookEndpoint
    serializer_class = WebhookEndpointOutput
    created_serializer_class = WebhookEndpointCreatedOutput
    Input = WebhookEndpointInput
    list_operation_id = "webhook_endpoints_list"

    def create(self, data: dict[str, Any]) -> WebhookEndpoint:
        return services.webhook_endpoint_create(tenant=self.tenant_id, **data)


class WebhookEndpointDetailApi(AdminsOnly, TenantScopedApi):
    model = WebhookEndpoint
    serializer_class = WebhookEndpointOutput

    def get(self, request: Request, tenant_id: uuid.UUID, endpoint_id: uuid.UUID) -> Response:
        return Response(WebhookEndpointOutput(self.found(endpoint_id, selectors.ENDPOINT_NOT_FOUND)).data)

    @extend_schema(request=WebhookEndpointInput, responses={200: WebhookEndpointOutput})
    def patch(self, request: Request, tenant_id: uuid.UUID, endpoint_id: uuid.UUID) -> Response:
        data = WebhookEndpointInput.valid(request.data, partial=True)
        endpoint = services.webhook_endpoint_update(tenant=self.tenant_id, endpoint_id=endpoint_id, **data)
        return Response(WebhookEndpointOutput(endpoint).data)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, tenant_id: uuid.UUID, endpoint_id: uuid.UUID) -> Response:
        services.webhook_endpoint_delete(tenant=self.tenant_id, endpoint_id=endpoint_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


# A delivery's progress, as the API and the admin show it.
DELIVERY_STATE_FIELDS = (
    "status",
    "attempts",
    "next_attempt_at",
    "last_attempt_at",
    "last_status_code",
    "last_error",
    "delivered_at",
    "created_at",
    "updated_at",
)


class WebhookDeliveryOutput(serializers.ModelSerializer):
    event_id = serializers.CharField(source="event.public_id", help_text="evt_…, also the webhook-id header")
    event_type = serializers.CharField(source="event.type")
    endpoint_id = serializers.UUIDField()
    url = serializers.CharField(source="endpoint.url")

    class Meta:
        model = WebhookDelivery
        fields = ["id", "event_id", "event_type", "endpoint_id", "url", *DELIVERY_STATE_FIELDS]


class WebhookEventOutput(serializers.Serializer):
    id = serializers.CharField(source="public_id")
    type = serializers.CharField()
    created_at = serializers.DateTimeField()
    data = serializers.JSONField()  # type: ignore[assignment]  # the metaclass pops declared fields


class WebhookDeliveryDetailOutput(WebhookDeliveryOutput):
    event = WebhookEventOutput(help_text="The event as sent (the body's id, type, created_at and data)")

    class Meta(WebhookDeliveryOutput.Meta):
        fields = [*WebhookDeliveryOutput.Meta.fields, "event"]


class WebhookDeliveryApi(AdminsOnly, TenantScopedApi):
    # The delivery routes' base: deliveries with their event and endpoint.
    model = WebhookDelivery
    serializer_class = WebhookDeliveryOutput

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.webhook_delivery_list(tenant=self.tenant_id)

    def delivery(self, delivery_id: uuid.UUID) -> WebhookDelivery:
        return self.found(delivery_id, selectors.DELIVERY_NOT_FOUND)


class WebhookDeliveryListApi(WebhookDeliveryApi):
    filterset_class = WebhookDeliveryFilterSet

    @extend_schema(operation_id="webhook_deliveries_list", responses=WebhookDeliveryOutput(many=True))
    def get(self, request: Request, tenant_id: uuid.UUID) -> Response:
        return self.list_response(lambda page: WebhookDeliveryOutput(page, many=True).data)


class WebhookDeliveryDetailApi(WebhookDeliveryApi):
    serializer_class = WebhookDeliveryDetailOutput

    def get(self, request: Request, tenant_id: uuid.UUID, delivery_id: uuid.UUID) -> Response:
        return Response(WebhookDeliveryDetailOutput(self.delivery(delivery_id)).data)


class WebhookDeliveryRetryApi(WebhookDeliveryApi):
    @extend_schema(request=None, responses={202: WebhookDeliveryOutput})
    def post(self, request: Request, tenant_id: uuid.UUID, delivery_id: uuid.UUID) -> Response:
        services.webhook_delivery_retry(tenant=self.tenant_id, delivery_id=delivery_id)
        return Response(WebhookDeliveryOutput(self.delivery(delivery_id)).data, status=status.HTTP_202_ACCEPTED)
