"""Who is acting, for the audit log: the caller of the request or the job that runs.

A context variable holds the `Actor` where work starts: the API sets the user or API
key once authenticated (`TenantScopedApi.initial`), the admin its staff user
(`StaffActorMiddleware`), a Celery task the system under its task's name
(`tenants.isolation.ScopedTask`). Anything else (a management command, a shell) is the
system. Every request starts with none (`RequestIdMiddleware`), so nothing of a
previous request on the same thread is ever taken for this one's caller.

The request id is the one `RequestIdMiddleware` binds for the logs (structlog's
context), which django-structlog also carries into the Celery tasks a request queued.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

import structlog
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

ActorType = Literal["user", "api_key", "staff", "system"]


@dataclass(frozen=True)
class Actor:
    type: ActorType
    id: str
    email: str | None = None

    def as_json(self) -> dict[str, str | None]:
        return {"type": self.type, "id": self.id, "email": self.email}


SYSTEM = Actor(type="system", id="system")

_actor: ContextVar[Actor | None] = ContextVar("audit_actor", default=None)


def current_actor() -> Actor:
    return _actor.get() or SYSTEM


def current_request_id() -> str:
    return str(structlog.contextvars.get_contextvars().get("request_id") or "")


def actor_set(actor: Actor | None) -> None:
    """Set the actor of the work under way (the caller once authenticated); a
    surrounding `acting_as` restores what was before when it ends."""
    _actor.set(actor)


@contextmanager
def acting_as(actor: Actor | None) -> Iterator[None]:
    token = _actor.set(actor)
    try:
        yield
    finally:
        _actor.reset(token)


def actor_of_caller(user: Any, *, staff: bool = False) -> Actor:
    """The actor of an authenticated `request.user`: an API key's caller, a user, or
    (in the admin) a staff user."""
    api_key_id = getattr(user, "api_key_id", None)
    if api_key_id is not None:
        return Actor(type="api_key", id=str(api_key_id))
    return Actor(type="staff" if staff else "user", id=str(user.pk), email=getattr(user, "email", None))


class StaffActorMiddleware:
    """After Django's authentication: a staff user working in the admin is the actor
    of what the admin changes."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    @cached_property
    def admin_prefix(self) -> str:
        return reverse("admin:index")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if request.path.startswith(self.admin_prefix) and user is not None and user.is_staff:
            with acting_as(actor_of_caller(user, staff=True)):
                return self.get_response(request)
        return self.get_response(request)
