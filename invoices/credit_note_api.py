"""Credit notes (API.md Part 2, "Credit notes"): issue one on an invoice, list, detail."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from invoices import credit_notes
from invoices.filtersets import CreditNoteFilterSet
from invoices.models import AMOUNT_DECIMAL_PLACES, AMOUNT_MAX_DIGITS, CreditNote
from invoices.serializers import CreditNoteOutput, credit_note_body
from tenants.fields import StrictDecimalField
from tenants.inputs import JsonInput
from tenants.scoping import DetailApi, TenantScopedApi

AMOUNT_INVALID = 'Amounts are decimal strings, like "12.50".'


def money_input(help_text: str, *, required: bool = True) -> StrictDecimalField:
    return StrictDecimalField(
        integer_digits=AMOUNT_MAX_DIGITS - AMOUNT_DECIMAL_PLACES,
        decimal_places=AMOUNT_DECIMAL_PLACES,
        strings_only=True,
        required=required,
        error_messages={"invalid": AMOUNT_INVALID},
        help_text=help_text,
    )


class CreditNoteCreateApi(TenantScopedApi):
    @extend_schema_serializer(component_name="CreditNoteCreateInput")
    class Input(JsonInput):
        amount = money_input("> 0, in the invoice's currency (at most its minor unit)")
        reason = serializers.ChoiceField(choices=CreditNote.Reason.choices)
        memo = serializers.CharField(max_length=500, required=False, allow_blank=True)
        refund_amount = money_input("Paid invoices only: paid back through the provider", required=False)
        credit_amount = money_input("Paid invoices only: credited to the customer balance", required=False)

    @extend_schema(request=Input, responses={201: CreditNoteOutput})
    def post(self, request: Request, tenant_id: str, invoice_id: str) -> Response:
        data = self.Input.valid(request.data)
        note = credit_notes.credit_note_create(
            tenant=self.tenant_id,
            invoice_id=invoice_id,  # type: ignore[arg-type]
            request=credit_notes.CreditNoteRequest(**data),
        )
        return Response(credit_note_body(note), status=status.HTTP_201_CREATED)


class CreditNoteListApi(TenantScopedApi):
    model = CreditNote
    filterset_class = CreditNoteFilterSet
    serializer_class = CreditNoteOutput
    # Notes issued in one instant are told apart by their number.
    cursor_ordering = ("-created_at", "-number")

    def get_queryset(self) -> Any:
        return credit_notes.credit_note_list(tenant=self.tenant_id)

    @extend_schema(responses=CreditNoteOutput(many=True))
    def get(self, request: Request, tenant_id: str) -> Response:
        return self.list_response(lambda page: [credit_note_body(note) for note in page])


class CreditNoteDetailApi(DetailApi):
    model = CreditNote
    serializer_class = CreditNoteOutput
    lookup_url_kwarg = "credit_note_id"
    not_found = credit_notes.CREDIT_NOTE_NOT_FOUND

    def render(self, obj: Any) -> Response:
        return Response(credit_note_body(obj))
