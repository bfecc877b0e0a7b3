"""Line provenance in the admin: on an invoice's page, each usage, late_usage and
correction line links to its events (`LineEventsAdminMixin`): a read-only page with the
events as they were when the invoice was finalized, each linked to the event's own page
(its revisions), and the quantity recomputed (the API's route, for staff; the rules are
in `invoices.provenance`). Staff see every tenant: the page reads in the invoice's
tenant's scope. A page shows at most `ADMIN_EVENTS_SHOWN` events (the API pages through all)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from invoices.models import InvoiceLine
from invoices.provenance import EVENT_KINDS, invoice_line_provenance
from invoices.provenance_api import event_body
from tenants.admin_mixins import viewable_object
from tenants.errors import NotFound
from tenants.isolation import tenant_scope

ADMIN_EVENTS_SHOWN = 500
LINE_EVENTS_URL = "invoices_invoice_line_events"


@admin.display(description="events")
def line_events_link(line: InvoiceLine) -> str:
    """A link to the line's events page, for the lines that count events."""
    if line.pk is None or line.kind not in EVENT_KINDS:
        return "–"
    url = reverse(f"admin:{LINE_EVENTS_URL}", args=[line.invoice_id, line.pk])
    return format_html('<a href="{}">events</a>', url)


class LineEventsAdminMixin:
    """`<id>/lines/<line_id>/events/` on the invoice admin: the line's provenance."""

    admin_site: admin.AdminSite
    opts: Any

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.line_events_view)
        own = [path("<path:object_id>/lines/<int:line_id>/events/", view, name=LINE_EVENTS_URL)]
        return own + super().get_urls()  # type: ignore[misc]

    def line_events_view(self, request: HttpRequest, object_id: str, line_id: int) -> HttpResponse:
        invoice = viewable_object(self, request, object_id)
        with tenant_scope(invoice.tenant_id):
            try:
                found = invoice_line_provenance(tenant=invoice.tenant_id, invoice=invoice, line_id=line_id)
            except NotFound as exc:
                raise Http404(str(exc)) from exc
            events = [
                event_body(found, event) for event in found.events.order_by("timestamp", "id")[:ADMIN_EVENTS_SHOWN]
            ]
        context = {
            **self.admin_site.each_context(request),
            "title": f"Events of {found.line.description}",
            "opts": self.opts,
            "original": invoice,
            "found": found,
            "events": events,
            "truncated": len(events) == ADMIN_EVENTS_SHOWN,
        }
        return TemplateResponse(request, "admin/invoices/invoice/line_events.html", context)
