"""Admin pieces that several apps share."""

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join

from tenants.errors import DomainError

# The query parameter of the webhook deliveries' changelist that picks the deliveries
# of one object's events (`?object=<invoice id>`): the object's id in the event's data.
OBJECT_PARAM = "object"


class ReadOnlyAdminMixin:
    """Staff can look, not add, edit or delete: finalized or derived data (invoices,
    usage events, payment events) changes only through services."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def viewable_object(model_admin: Any, request: HttpRequest, object_id: str) -> Any:
    """The object of an admin's own page (`object_id` as in its URL): 404 when there is
    none, 403 for staff who may not view it."""
    obj = model_admin.get_object(request, unquote(object_id))
    if obj is None:
        raise Http404(f"No {model_admin.opts.verbose_name} {object_id}.")
    if not model_admin.has_view_permission(request, obj):
        raise PermissionDenied
    return obj


def action_confirmation(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    *,
    template: str,
    title: str,
    chosen: Sequence[Any],
    skipped: Sequence[Any],
) -> TemplateResponse:
    """The page that asks before a destructive action runs, like Django's "delete
    selected": what the action will change (`chosen`) and what it will leave
    (`skipped`), and a form that posts the same action again with `post=yes`.
    `template` extends "admin/action_confirmation.html" with the model's words."""
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "opts": model_admin.model._meta,
        "media": model_admin.media,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "action": request.POST.get("action", ""),
        "chosen": chosen,
        "skipped": skipped,
    }
    return TemplateResponse(request, template, context)


def apply_each(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    objects: Iterable[Any],
    action: Callable[[Any], object],
    *,
    done: str,
    refused: Callable[[Any, DomainError], str],
) -> None:
    """An admin action's work: `action` (a service call) on each object; each one a
    service refuses (a 409, or a 404 when it is gone meanwhile) is named in a warning
    (`refused(obj, error)`), and `done` (with `{count}`) says how many went through."""
    count = 0
    for obj in objects:
        try:
            action(obj)
        except DomainError as exc:
            model_admin.message_user(request, refused(obj, exc), messages.WARNING)
        else:
            count += 1
    if count:
        model_admin.message_user(request, done.format(count=count), messages.SUCCESS)


def object_link(url_name: str, pk: Any, text: object) -> str:
    """A link to an object's admin page (`url_name` like "invoices_invoice"), or the
    bare text when that admin is not registered (apps link forward by URL name, not
    by import: billing_project/tests/test_layering.py)."""
    try:
        url = reverse(f"admin:{url_name}_change", args=[pk])
    except NoReverseMatch:
        return str(text)
    return format_html('<a href="{}">{}</a>', url, text)


def changelist_url(url_name: str, params: Mapping[str, object]) -> str | None:
    """The URL of a changelist filtered by `params` (`{"invoice": id}`), or None when
    that admin is not registered."""
    try:
        url = reverse(f"admin:{url_name}_changelist")
    except NoReverseMatch:
        return None
    return f"{url}?{urlencode({key: str(value) for key, value in params.items()})}"


def related_links(*links: tuple[str, Mapping[str, object], str]) -> str:
    """Links to the changelists of an object's related rows, " · " between them:
    `(url_name, filter params, text)` each; one whose admin is not registered (an app
    not installed) is left out."""
    urls = [(url, text) for name, params, text in links if (url := changelist_url(name, params)) is not None]
    return format_html_join(" · ", '<a href="{}">{}</a>', urls) or "-"


def pretty_json(value: Any) -> str:
    """A JSON document indented, keys sorted, in a <pre>: payloads as support staff read them."""
    return format_html('<pre class="json">{}</pre>', json.dumps(value, indent=2, sort_keys=True, cls=DjangoJSONEncoder))
