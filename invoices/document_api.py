"""Documents and the export (API.md Part 2, "Documents, portal, export"): an invoice's
or a credit note's PDF and page, and the invoices as CSV. These routes answer a file,
not JSON; their errors are the JSON envelope of every route."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, ClassVar

from django.http import HttpResponse, StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.request import Request

from invoices import documents, export, selectors
from invoices.credit_notes import CREDIT_NOTE_NOT_FOUND
from invoices.models import CreditNote, Invoice
from invoices.services import INVOICE_NOT_FOUND
from tenants.openapi import ErrorResponseSerializer
from tenants.params import from_to_parameters, from_to_params
from tenants.scoping import DetailApi, TenantScopedApi

EXPORT_FORMATS = ("csv",)


class FileNegotiation(BaseContentNegotiation):
    """A file route answers its one media type whatever the client accepts (a browser's
    Accept, DRF's `?format=`, which would otherwise be a 406 or a 404); the renderer
    chosen here only renders errors: the JSON envelope."""

    def select_parser(self, request: Request, parsers: Any) -> Any:
        return parsers[0] if parsers else None

    def select_renderer(self, request: Request, renderers: Any, format_suffix: str | None = None) -> Any:
        return renderers[0], renderers[0].media_type


class DocumentApi(DetailApi):
    # A document route: `GET` answers `build(obj)` as `fmt` (a PDF or a page), obj the
    # object of the path (DetailApi's `get_object`). A base per kind of object (invoice,
    # credit note) says what its document holds; `document_views` makes its routes, one
    # per format. The schema states the one media type; the operation is named after the
    # model and the format (`invoices_pdf`). No docstring: drf-spectacular would show it.
    content_negotiation_class = FileNegotiation
    build: ClassVar[Callable[[Any], documents.Document]]
    fmt: ClassVar[documents.DocumentFormat | None] = None
    # What the document reads besides the object: selected, and prefetched.
    related: ClassVar[tuple[str, ...]] = ()
    prefetched: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.fmt is not None and cls.model is not None:
            body = OpenApiTypes.BINARY if cls.fmt is documents.PDF else OpenApiTypes.STR
            prefix = str(cls.model._meta.verbose_name_plural).replace(" ", "_")  # invoices, credit_notes
            operation = extend_schema(
                operation_id=f"{prefix}_{cls.fmt.name}", responses={(200, cls.fmt.media_type): body}
            )
            extend_schema_view(get=operation)(cls)

    def get_queryset(self) -> Any:
        return super().get_queryset().select_related(*self.related).prefetch_related(*self.prefetched)

    def get(self, request: Request, tenant_id: uuid.UUID, **kwargs: Any) -> HttpResponse:
        if self.fmt is None:
            raise TypeError(f"{type(self).__name__} has no fmt")
        return documents.document_response(type(self).build(self.get_object()), self.fmt)


def document_views(base: type[DocumentApi], subject: str, holds: str) -> dict[str, type[DocumentApi]]:
    """`base`'s routes by format name: `{"pdf": <subject> as a PDF, "html": as a page}`;
    `holds` says what the document shows (the operations' descriptions)."""
    descriptions = {
        documents.PDF: f"{subject} as a PDF: {holds}.",
        documents.HTML: f"{subject} as a page: the same document as its PDF.",
    }
    name = base.__name__.removesuffix("DocumentApi")
    return {
        fmt.name: type(f"{name}{fmt.name.title()}Api", (base,), {"fmt": fmt, "__doc__": text, "__module__": __name__})
        for fmt, text in descriptions.items()
    }


class InvoiceDocumentApi(DocumentApi):
    model, lookup_url_kwarg, not_found = Invoice, "invoice_id", INVOICE_NOT_FOUND
    build = documents.invoice_document
    related, prefetched = ("tenant", "customer"), ("lines", "credit_notes")


class CreditNoteDocumentApi(DocumentApi):
    model, lookup_url_kwarg, not_found = CreditNote, "credit_note_id", CREDIT_NOTE_NOT_FOUND
    build = documents.credit_note_document
    related = ("tenant", "customer", "invoice")


INVOICE_DOCUMENTS = document_views(
    InvoiceDocumentApi,
    "The invoice",
    "tenant, customer, number, dates, every line with its tier breakdown, discounts, taxes, credits and the amount due",
)
CREDIT_NOTE_DOCUMENTS = document_views(
    CreditNoteDocumentApi,
    "The credit note",
    "tenant, customer, the invoice it credits, its amount and tax, its reason and memo, and how it was settled",
)


class InvoiceExportQuery(serializers.Serializer):
    format = serializers.ChoiceField(choices=EXPORT_FORMATS, default="csv")


class InvoiceExportApi(TenantScopedApi):
    """The invoices issued in [from, to) as CSV, streamed: one row per invoice line (an
    invoice without lines: one row), the invoice's number, dates, status and totals
    repeated on each row; oldest first."""

    content_negotiation_class = FileNegotiation

    @extend_schema(
        operation_id="invoices_export",
        parameters=[
            OpenApiParameter("format", str, enum=list(EXPORT_FORMATS), default="csv", description="The file's format"),
            *from_to_parameters(
                "Issued at or after; default: no lower bound.", "Issued before; default: no upper bound."
            ),
        ],
        responses={(200, export.CONTENT_TYPE.split(";")[0]): OpenApiTypes.STR, 400: ErrorResponseSerializer},
    )
    def get(self, request: Request, tenant_id: str) -> StreamingHttpResponse:
        errors: dict[str, Any] = {}
        # A plain dict: from a QueryDict, DRF would read `?format=` as absent (the default).
        query = InvoiceExportQuery(data=request.query_params.dict())
        if not query.is_valid():
            errors.update(query.errors)
        try:
            start, end = from_to_params(request)
        except ValidationError as exc:
            errors.update(exc.detail if isinstance(exc.detail, dict) else {})
        if errors:
            raise ValidationError(errors)
        invoices = selectors.invoice_list_issued(tenant=self.tenant_id, start=start, end=end)
        return export.invoice_export_response(invoices)
