"""Documents in the admin: the PDF and the page of an invoice or a credit note, linked
from its admin page (`DocumentAdminMixin`: the API's documents, for staff, who have no
tenant's credentials). Staff see every tenant; a document is built in its own tenant's
scope. "Export selected as CSV" is an action of the invoice admin (invoices.admin).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html_join

from invoices.documents import FORMATS, Document, document_response
from tenants.admin_mixins import viewable_object
from tenants.isolation import tenant_scope


class DocumentAdminMixin:
    """`<id>/pdf/` and `<id>/html/` on a model admin: `build_document(obj)` in that
    format; the read-only field `documents` links to both."""

    admin_site: admin.AdminSite
    opts: Any  # the model's _meta (ModelAdmin's)
    build_document: ClassVar[Callable[[Any], Document]]

    def _url_name(self, fmt_name: str) -> str:
        return f"{self.opts.app_label}_{self.opts.model_name}_{fmt_name}"

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.document_view)
        own = [
            path(f"<path:object_id>/{name}/", view, {"fmt_name": name}, name=self._url_name(name)) for name in FORMATS
        ]
        return own + super().get_urls()  # type: ignore[misc]

    @admin.display(description="documents")
    def documents(self, obj: Any) -> str:
        links = [(reverse(f"admin:{self._url_name(name)}", args=[obj.pk]), name.upper()) for name in FORMATS]
        return format_html_join(" · ", '<a href="{}" target="_blank" rel="noopener">{}</a>', links)

    def document_view(self, request: HttpRequest, object_id: str, fmt_name: str) -> HttpResponse:
        obj = viewable_object(self, request, object_id)
        with tenant_scope(obj.tenant_id):
            document = type(self).build_document(obj)
        return document_response(document, FORMATS[fmt_name])
