"""Admin pieces that several apps share."""

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.template.response import TemplateResponse

from tenants.errors import DomainError


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
