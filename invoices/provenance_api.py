"""`GET …/invoices/{id}/lines/{line_id}/events`: the usage events behind a line, as
they were when its invoice was finalized (API.md Part 2, "Invoice line provenance";
the rules are in `invoices.provenance`)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from invoices import provenance, services
from invoices.models import Invoice
from invoices.provenance import AT, BILLED, LineProvenance
from invoices.serializers import InvoiceLineOutput, line_body
from plans.models import Meter
from plans.money import format_quantity
from tenants.errors import found
from tenants.formats import format_time
from tenants.pagination import LimitPagination
from tenants.scoping import TenantScopedApi
from usage.models import UsageEvent


class EventStateOutput(serializers.Serializer):
    revision = serializers.IntegerField(help_text="The event's revision then (1: as stored)")
    value = serializers.CharField()
    properties = serializers.DictField()
    voided = serializers.BooleanField(help_text="Voided then: it counted nowhere")
    sets_max = serializers.BooleanField(help_text="max meters: the event that set the maximum then")


class LineEventOutput(EventStateOutput):
    id = serializers.IntegerField()
    idempotency_key = serializers.CharField()
    timestamp = serializers.DateTimeField()
    changed = serializers.BooleanField(
        required=False,
        help_text="Delta lines: its revision differs from the one billed (false: unchanged, listed because "
        "the quantities cannot be recomputed without it)",
    )
    billed = EventStateOutput(
        required=False,
        allow_null=True,
        help_text="Delta lines: the event as the window was billed before (null: not stored yet then)",
    )


class LineEventsOutput(serializers.Serializer):
    line = InvoiceLineOutput()
    aggregation = serializers.ChoiceField(choices=Meter.Aggregation.choices)
    usage_seq = serializers.IntegerField(help_text="The usage sequence this invoice counted through")
    billed_usage_seq = serializers.IntegerField(
        allow_null=True, help_text="Delta lines: the sequence the window was billed through before; else null"
    )
    quantity = serializers.CharField(help_text="Recomputed from the events: equals the line's quantity")
    counted_quantity = serializers.CharField(help_text="The window's quantity as this invoice counted it")
    billed_quantity = serializers.CharField(
        allow_null=True, help_text="Delta lines: the window's quantity as billed before (quantity = counted − billed)"
    )
    results = LineEventOutput(many=True, help_text="By timestamp, then id")
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)


def _state(event: UsageEvent, prefix: str, sets_max: int | None) -> dict[str, Any] | None:
    revision = getattr(event, f"{prefix}revision")
    if not revision:
        return None
    return {
        "revision": revision,
        "value": format_quantity(getattr(event, f"{prefix}value")),
        "properties": getattr(event, f"{prefix}properties"),
        "voided": getattr(event, f"{prefix}voided"),
        "sets_max": event.pk == sets_max,
    }


def event_body(found: LineProvenance, event: UsageEvent) -> dict[str, Any]:
    body = {"id": event.pk, "idempotency_key": event.idempotency_key, "timestamp": format_time(event.timestamp)}
    body.update(_state(event, AT, found.sets_max) or {})
    if found.is_delta:
        billed = _state(event, BILLED, found.billed_sets_max)
        body.update(changed=billed is None or billed["revision"] != body["revision"], billed=billed)
    return body


def _optional(quantity: Any) -> str | None:
    return None if quantity is None else format_quantity(quantity)


PAGES = LimitPagination


class InvoiceLineEventsApi(TenantScopedApi):
    """The usage events a `usage`, `late_usage` or `correction` line counted, as they
    were when the invoice was finalized (an amend or void after it changes nothing
    here), by timestamp, and the line's quantity recomputed from them. A delta line
    lists the events changed since its window was billed, each with its state then
    (`billed`). 404 for a line of another kind (it counts no events)."""

    model = UsageEvent
    pagination_class = PAGES
    cursor_ordering = ("timestamp", "id")

    @extend_schema(
        operation_id="invoices_lines_events",
        parameters=[
            OpenApiParameter("cursor", OpenApiTypes.STR, description="Opaque: the `next` or `previous` link"),
            OpenApiParameter(
                "limit",
                {"type": "integer", "minimum": 1, "maximum": PAGES.max_page_size, "default": PAGES.page_size},
                description=f"Page size, {PAGES.page_size} by default",
            ),
        ],
        responses={200: LineEventsOutput},
    )
    def get(self, request: Request, tenant_id: str, invoice_id: str, line_id: int) -> Response:
        invoice = found(self.scoped(Invoice).filter(pk=invoice_id).first(), services.INVOICE_NOT_FOUND)
        line = provenance.invoice_line_provenance(tenant=self.tenant_id, invoice=invoice, line_id=line_id)
        page = self.paginate_queryset(line.events) or []
        envelope = self.get_paginated_response([event_body(line, event) for event in page]).data
        return Response(
            {
                "line": line_body(line.line, invoice.currency),
                "aggregation": line.meter.aggregation,
                "usage_seq": line.usage_seq,
                "billed_usage_seq": line.billed_usage_seq,
                "quantity": format_quantity(line.quantity),
                "counted_quantity": format_quantity(line.counted_quantity),
                "billed_quantity": _optional(line.billed_quantity),
                **envelope,
            }
        )
