"""Usage ingestion (single and batch), the event list and a customer's usage totals."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_serializer, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from plans.models import Meter
from plans.money import format_quantity
from subscriptions.models import Customer
from subscriptions.services import CUSTOMER_NOT_FOUND
from tenants import clock
from tenants.formats import format_time
from tenants.openapi import ErrorResponseSerializer, idempotency_key_parameter
from tenants.params import from_to_parameters, from_to_params, from_to_range
from tenants.scoping import TenantScopedApi
from usage import selectors, services
from usage.filtersets import UsageEventFilterSet
from usage.instruments import USAGE_EVENTS
from usage.models import UsageEvent, UsageEventRevision
from usage.parsing import (
    MISSING_IDEMPOTENCY_KEY,
    REASON_MAX_LENGTH,
    BatchUsageEventInput,
    FieldErrors,
    UsageEventInput,
    ValueDoc,
    parse_amendment,
    parse_reason,
    usage_events_prepare,
    validate_idempotency_key,
)

MAX_BATCH = 1000
BATCH_SHAPE = "events must be a list of 1 to {max} event objects."
EVENT_KEY_DESCRIPTION = (
    "Required: the event's key, unique in the tenant forever (1 to 255 printable ASCII characters). "
    "The same key and body again answer 200 with the stored event (header `Idempotent-Replayed: true`); "
    "another body is a 422; while the first request still runs, a 409."
)


class UsageEventOutput(serializers.Serializer):
    id = serializers.IntegerField()
    idempotency_key = serializers.CharField()
    external_customer_id = serializers.CharField()
    meter = serializers.CharField()
    value = serializers.CharField()
    timestamp = serializers.DateTimeField()
    properties = serializers.DictField()
    created_at = serializers.DateTimeField()
    revision = serializers.IntegerField(help_text="1 as stored; each amend or void adds one")
    voided_at = serializers.DateTimeField(allow_null=True, help_text="Real time of the void; null when not voided")
    void_reason = serializers.CharField(help_text='"" when not voided')

    def to_representation(self, instance: Any) -> dict[str, Any]:
        event, external_customer_id, meter_code = instance
        return {
            "id": event.pk,
            "idempotency_key": event.idempotency_key,
            "external_customer_id": external_customer_id,
            "meter": meter_code,
            "value": format_quantity(event.value),
            "timestamp": format_time(event.timestamp),
            "properties": event.properties,
            "created_at": format_time(event.created_at),
            "revision": event.revision,
            "voided_at": format_time(event.voided_at) if event.voided_at else None,
            "void_reason": event.void_reason,
        }


def _event_body(event: UsageEvent) -> Any:
    return UsageEventOutput((event, event.customer.external_id, event.meter.code)).data


def _rejected(errors: Any, count: int = 1) -> ValidationError:
    USAGE_EVENTS.labels(outcome="rejected").inc(count)
    return ValidationError(errors)


class UsageEventListIngestApi(TenantScopedApi):
    model = UsageEvent
    # Ingestion has its own, faster mechanism (usage.services): the key is the event's
    # unique key, required, and remembered forever. The batch route takes the generic one.
    generic_idempotency = False
    filterset_class = UsageEventFilterSet
    cursor_ordering = ("-timestamp", "-id")

    def get_queryset(self) -> Any:
        start, end = from_to_params(self.request)
        return selectors.usage_event_list(tenant=self.tenant_id, start=start, end=end)

    @extend_schema(
        parameters=from_to_parameters("Default: no lower bound.", "Default: no upper bound."),
        responses={200: UsageEventOutput(many=True)},
    )
    def get(self, request: Request, tenant_id: str) -> Response:
        return self.list_response(lambda page: [_event_body(e) for e in page])

    @extend_schema(
        request=UsageEventInput,
        responses={201: UsageEventOutput, 200: UsageEventOutput, 422: ErrorResponseSerializer},
        parameters=[idempotency_key_parameter(required=True, description=EVENT_KEY_DESCRIPTION)],
    )
    def post(self, request: Request, tenant_id: str) -> Response:
        key = request.headers.get("Idempotency-Key")
        if key is None:
            raise _rejected({"Idempotency-Key": [MISSING_IDEMPOTENCY_KEY]})
        problem = validate_idempotency_key(key)
        if problem:
            raise _rejected({"Idempotency-Key": [problem]})
        prepared = usage_events_prepare(
            tenant=self.tenant_id, raws=[request.data], now=clock.now(self.tenant_id), key=key
        )
        event = prepared.events[0]
        if event is None:
            raise _rejected(prepared.errors[0])
        result = services.usage_event_ingest(tenant=self.tenant_id, event=event)
        body = UsageEventOutput((result.event, event.external_customer_id, event.meter_code)).data
        if result.created:
            return Response(body, status=status.HTTP_201_CREATED)
        return Response(body, status=status.HTTP_200_OK, headers={"Idempotent-Replayed": "true"})


class UsageBatchIngestApi(TenantScopedApi):
    @extend_schema_serializer(component_name="UsageBatchInput")
    class Input(serializers.Serializer):
        """Documents the body; `parse_batch` validates it."""

        events = serializers.ListField(child=BatchUsageEventInput(), min_length=1, max_length=MAX_BATCH)

    @extend_schema_serializer(component_name="UsageBatchOutput")
    class Output(serializers.Serializer):
        accepted = serializers.IntegerField()
        duplicates = serializers.IntegerField()

    @extend_schema(request=Input, responses={200: Output, 422: ErrorResponseSerializer})
    def post(self, request: Request, tenant_id: str) -> Response:
        raw_events = _batch_events(request.data)
        prepared = usage_events_prepare(tenant=self.tenant_id, raws=raw_events, now=clock.now(self.tenant_id))
        if prepared.failed:
            raise _rejected({"events": {str(i): e for i, e in prepared.failed.items()}}, len(raw_events))
        result = services.usage_events_ingest_batch(tenant=self.tenant_id, events=prepared.ready)
        return Response(self.Output(result).data)


def _batch_events(payload: Any) -> list[Any]:
    events = payload.get("events") if isinstance(payload, dict) else None
    if not isinstance(events, list) or not 1 <= len(events) <= MAX_BATCH:
        raise _rejected({"events": [BATCH_SHAPE.format(max=MAX_BATCH)]})
    return events


class CustomerUsageMeterOutput(serializers.Serializer):
    meter = serializers.CharField(help_text="The meter's code")
    aggregation = serializers.ChoiceField(choices=Meter.Aggregation.choices)
    quantity = serializers.CharField(help_text='A decimal string, like "1234"')


# "from" is a Python keyword, so the documented shape is built from a dict of fields.
CustomerUsageOutput = inline_serializer(
    "CustomerUsageOutput",
    {
        "from": serializers.DateTimeField(),
        "to": serializers.DateTimeField(),
        "meters": CustomerUsageMeterOutput(many=True),
    },
)


class CustomerUsageApi(TenantScopedApi):
    @extend_schema(
        parameters=from_to_parameters("Default: the start of the current UTC month.", "Default: now."),
        responses={200: CustomerUsageOutput},
    )
    def get(self, request: Request, tenant_id: str, customer_id: str) -> Response:
        customer = self.scoped(Customer).filter(pk=customer_id).first()
        if customer is None:
            raise NotFound(CUSTOMER_NOT_FOUND)
        now = clock.now(self.tenant_id, reading=True)
        start, end = from_to_range(request, now=now, default_from=lambda _: _month_start(now))
        totals = selectors.usage_totals_for_customer(
            tenant=self.tenant_id, customer_id=customer.pk, start=start, end=end
        )
        return Response(
            {
                "from": format_time(start),
                "to": format_time(end),
                "meters": [
                    {"meter": m.code, "aggregation": m.aggregation, "quantity": format_quantity(q)} for m, q in totals
                ],
            }
        )


def _month_start(now: datetime) -> datetime:
    """The start of `now`'s UTC month (whatever `to` is: a `to` before it is an error)."""
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


# Corrections


def _actor(request: Request) -> str:
    """Who made a correction: `user:<id>` for a user's JWT, `apikey:<id>` for a key."""
    pk = str(request.user.pk)
    return pk if pk.startswith("apikey:") else f"user:{pk}"


class UsageEventCorrectionApi(TenantScopedApi):
    # Base of the void and amend routes: the event by its id, its answer the event as
    # it is now. No docstring: drf-spectacular would show it as the operations' description.
    model = UsageEvent

    def get_queryset(self) -> Any:
        return self.scoped().select_related("customer", "meter")


class UsageVoidInput(serializers.Serializer):
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH, trim_whitespace=False)


class UsageAmendInput(serializers.Serializer):
    """The documented shape of an amendment (OpenAPI only: `parse_amendment`
    validates). `timestamp`, `external_customer_id` and `meter` are refused (400)."""

    value = ValueDoc(required=False, allow_null=True)
    properties = serializers.DictField(required=False, allow_null=True, help_text="Replace the event's properties")
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH, trim_whitespace=False)


def _refuse(errors: FieldErrors) -> None:
    if errors:
        raise ValidationError(errors)


class UsageEventVoidApi(UsageEventCorrectionApi):
    @extend_schema(request=UsageVoidInput, responses={200: UsageEventOutput})
    def post(self, request: Request, tenant_id: str, event_id: int) -> Response:
        errors: FieldErrors = {}
        reason = parse_reason(request.data, errors)
        _refuse(errors)
        services.usage_event_void(tenant=self.tenant_id, event_id=event_id, actor=_actor(request), reason=reason)
        return Response(_event_body(self.found(event_id, services.USAGE_EVENT_NOT_FOUND)))


class UsageEventAmendApi(UsageEventCorrectionApi):
    @extend_schema(request=UsageAmendInput, responses={200: UsageEventOutput})
    def post(self, request: Request, tenant_id: str, event_id: int) -> Response:
        data, errors = parse_amendment(request.data)
        _refuse(errors)
        services.usage_event_amend(tenant=self.tenant_id, event_id=event_id, actor=_actor(request), **data)
        return Response(_event_body(self.found(event_id, services.USAGE_EVENT_NOT_FOUND)))


class UsageEventRevisionOutput(serializers.Serializer):
    revision = serializers.IntegerField()
    action = serializers.ChoiceField(choices=UsageEventRevision.Action.choices)
    value = serializers.CharField()
    properties = serializers.DictField()
    actor = serializers.CharField(help_text='"user:<id>" or "apikey:<id>"; "" for revision 1 (ingestion)')
    reason = serializers.CharField()
    created_at = serializers.DateTimeField(help_text="Real time")

    def to_representation(self, instance: Any) -> dict[str, Any]:
        return {
            "revision": instance.revision,
            "action": instance.action,
            "value": format_quantity(instance.value),
            "properties": instance.properties,
            "actor": instance.actor,
            "reason": instance.reason,
            "created_at": format_time(instance.created_at),
        }


UsageEventRevisionList = inline_serializer(
    "UsageEventRevisionList",
    {
        "results": UsageEventRevisionOutput(many=True),
        "next": serializers.CharField(allow_null=True, help_text="Always null: every revision is on one page"),
        "previous": serializers.CharField(allow_null=True, help_text="Always null"),
    },
)


class UsageEventRevisionListApi(UsageEventCorrectionApi):
    pagination_class = None

    @extend_schema(responses={200: UsageEventRevisionList})
    def get(self, request: Request, tenant_id: str, event_id: int) -> Response:
        event = self.found(event_id, services.USAGE_EVENT_NOT_FOUND)
        revisions = selectors.usage_event_revisions(tenant=self.tenant_id, event=event)
        return Response(
            {"results": UsageEventRevisionOutput(revisions, many=True).data, "next": None, "previous": None}
        )
