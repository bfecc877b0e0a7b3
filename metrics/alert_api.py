"""Alerts of a subscription (API.md Part 2, "Alerts"): create, list, read, delete.
Thin: parse, call a service or selector, render.

`POST/GET …/subscriptions/{id}/alerts`, `GET/DELETE …/subscriptions/{id}/alerts/{alert_id}`.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from invoices.models import AMOUNT_DECIMAL_PLACES, AMOUNT_MAX_DIGITS
from metrics import alerts as services
from metrics.models import Alert
from plans.money import format_price, format_quantity
from subscriptions.selectors import subscription_get
from subscriptions.services import SUBSCRIPTION_NOT_FOUND
from tenants.errors import found
from tenants.fields import StrictDecimalField
from tenants.formats import format_time
from tenants.inputs import JsonInput
from tenants.scoping import DetailApi, TenantScopedApi

THRESHOLD_INVALID = 'A threshold is a decimal string, such as "100.00".'


def _decimal_input(help_text: str, *, min_value_message: str = "", **kwargs: Any) -> StrictDecimalField:
    messages = {"invalid": THRESHOLD_INVALID}
    if min_value_message:
        messages["min_value"] = min_value_message
    return StrictDecimalField(
        integer_digits=AMOUNT_MAX_DIGITS - AMOUNT_DECIMAL_PLACES,
        decimal_places=AMOUNT_DECIMAL_PLACES,
        strings_only=True,
        error_messages=messages,
        help_text=help_text,
        **kwargs,
    )


class AlertOutput(serializers.Serializer):
    """Documents the alert body; `alert_body` renders it."""

    id = serializers.UUIDField()
    subscription_id = serializers.UUIDField()
    type = serializers.ChoiceField(choices=Alert.Type.choices)
    meter = serializers.CharField(allow_null=True, help_text="The meter's code (meter_quantity)")
    thresholds = serializers.ListField(child=serializers.CharField(), help_text="Ascending decimal strings")
    step = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()


def _render(value: Decimal, alert: Alert) -> str:
    if alert.type == Alert.Type.METER_QUANTITY:
        return format_quantity(value)
    return format_price(value, alert.subscription.plan.currency)


def alert_body(alert: Alert) -> dict[str, Any]:
    return {
        "id": str(alert.pk),
        "subscription_id": str(alert.subscription_id),
        "type": alert.type,
        "meter": alert.meter.code if alert.meter is not None else None,
        "thresholds": [_render(t, alert) for t in alert.thresholds],
        "step": None if alert.step is None else _render(alert.step, alert),
        "created_at": format_time(alert.created_at),
    }


class AlertApi(TenantScopedApi):
    model = Alert
    serializer_class = AlertOutput

    def get_queryset(self) -> QuerySet[Alert]:
        return services.alert_list(tenant=self.tenant_id, subscription_id=self.kwargs["subscription_id"])


class AlertListCreateApi(AlertApi):
    cursor_ordering = ("created_at", "id")

    @extend_schema_serializer(component_name="AlertCreateInput")
    class Input(JsonInput):
        type = serializers.ChoiceField(choices=Alert.Type.choices)
        meter = serializers.CharField(
            required=False, allow_null=True, max_length=100, help_text="A meter's code: meter_quantity only"
        )
        # The bounds are checked here so that the schema states them (minItems,
        # maxItems, an unsigned pattern); the service checks them again for its callers.
        thresholds = serializers.ListField(
            child=_decimal_input("≥ 0", min_value=Decimal(0), min_value_message=services.THRESHOLD_NEGATIVE),
            min_length=1,
            max_length=services.MAX_THRESHOLDS,
            error_messages={
                "min_length": services.THRESHOLDS_EMPTY,
                "max_length": services.THRESHOLDS_TOO_MANY,
                "empty": services.THRESHOLDS_EMPTY,
            },
            help_text=f"1 to {services.MAX_THRESHOLDS} distinct decimal strings ≥ 0",
        )
        step = _decimal_input(
            "> 0: fires again every step beyond the largest threshold",
            required=False,
            allow_null=True,
            min_value=Decimal(0),
            min_value_message=services.STEP_NOT_POSITIVE,
            positive=True,
        )

    @extend_schema(operation_id="subscription_alerts_list", responses=AlertOutput(many=True))
    def get(self, request: Request, tenant_id: uuid.UUID, subscription_id: uuid.UUID) -> Response:
        found(subscription_get(tenant=self.tenant_id, subscription_id=subscription_id), SUBSCRIPTION_NOT_FOUND)
        return self.list_response(lambda page: [alert_body(alert) for alert in page])

    @extend_schema(operation_id="subscription_alerts_create", request=Input, responses={201: AlertOutput})
    def post(self, request: Request, tenant_id: uuid.UUID, subscription_id: uuid.UUID) -> Response:
        data = self.Input.valid(request.data)
        alert = services.alert_create(tenant=self.tenant_id, subscription_id=subscription_id, **data)
        alert = found(services.alert_get(tenant=self.tenant_id, subscription_id=subscription_id, alert_id=alert.pk), "")
        return Response(alert_body(alert), status=status.HTTP_201_CREATED)


class AlertDetailApi(AlertApi, DetailApi):
    lookup_url_kwarg = "alert_id"
    not_found = services.ALERT_NOT_FOUND
    retrieve_operation_id = "subscription_alerts_retrieve"

    def render(self, obj: Any) -> Response:
        return Response(alert_body(obj))

    @extend_schema(operation_id="subscription_alerts_destroy", request=None, responses={204: None})
    def delete(
        self, request: Request, tenant_id: uuid.UUID, subscription_id: uuid.UUID, alert_id: uuid.UUID
    ) -> Response:
        services.alert_delete(tenant=self.tenant_id, subscription_id=subscription_id, alert_id=alert_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
