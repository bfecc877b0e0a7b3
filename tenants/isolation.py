"""Tenant scopes: where the queries of tenant-owned models get their tenant.

The manager of every tenant-owned model (`tenants.models.TenantManager`, built on
django-scopes) runs a query only inside a tenant scope, and adds the tenant's filter
to it; without one it raises `ScopeError`, so a forgotten filter fails loudly instead
of reading every tenant's rows. Scopes are entered where work starts:

- a request: `TenantScopedApi`, the path's tenant (the permissions refuse a caller of
  another tenant before any handler runs); every request starts without one
  (`TenantScopeMiddleware`), the admin excepted: staff see every tenant, so the admin
  runs `unscoped()`;
- a customer portal page: the tenant its signed token names (`portal.views`), once
  the signature holds;
- a Celery task: `@tenant_task`, from its first argument (tasks take `tenant_id` first);
  every task starts without one (`ScopedTask`, the Celery app's task class);
- a management command: `with tenant_scope(tenant):` around each tenant's work, inside
  `@scope_boundary()` on `handle`.

`unscoped()` (and `Model.unscoped()` for one query) is the one escape, for the few
jobs that cross tenants on purpose: the beat fan-out and the sweepers, the admin, the
payment webhook until it knows the invoice's tenant, the API key lookup. Grep for it.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cached_property
from typing import ParamSpec, TypeVar

from celery import Task
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django_scopes import ScopeError, scope, scopes_disabled

from tenants.actors import Actor, acting_as
from tenants.models import TenantRef, tenant_pk

__all__ = ["ScopeError", "ScopedTask", "scope_boundary", "tenant_scope", "tenant_task", "unscoped"]

P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def tenant_scope(tenant: TenantRef) -> Iterator[None]:
    """Queries of tenant-owned models inside see this tenant's rows, and only those."""
    pk = tenant_pk(tenant)
    if pk is None:  # django-scopes reads a None scope as "no filter": every tenant
        raise ScopeError("tenant_scope needs a tenant, not None")
    with scope(tenant=pk):
        yield


@contextmanager
def unscoped() -> Iterator[None]:
    """The escape for cross-tenant jobs: queries inside see every tenant's rows."""
    with scopes_disabled():
        yield


@contextmanager
def scope_boundary() -> Iterator[None]:
    """Where work starts (a request, a command): queries refuse to run until a tenant
    scope is entered, whatever the caller's context was (tests run their own code
    unscoped; the code they call must not inherit that). Also a decorator."""
    with scope():  # enabled, and no tenant unless the caller had one
        yield


def tenant_task(task: Callable[P, R]) -> Callable[P, R]:
    """A Celery task body that runs in the scope of its first argument, the tenant id:

    @shared_task
    @tenant_task
    def webhook_delivery_attempt(tenant_id: str, delivery_id: str) -> None: ...
    """

    @functools.wraps(task)
    def in_scope(*args: P.args, **kwargs: P.kwargs) -> R:
        tenant_id = args[0] if args else kwargs["tenant_id"]
        with tenant_scope(uuid.UUID(str(tenant_id))):
            return task(*args, **kwargs)

    return in_scope


class ScopedTask(Task):
    """The Celery app's task class: a task runs from a `scope_boundary()`, in a worker
    as in an eager call from a test that runs unscoped, and acts as the system (the
    audit log's actor, named by the task)."""

    def __call__(self, *args: object, **kwargs: object) -> object:
        with scope_boundary(), acting_as(Actor(type="system", id=f"task:{self.name}")):
            return super().__call__(*args, **kwargs)


class TenantScopeMiddleware:
    """Every request starts outside any tenant scope (`scope_boundary`); requests to the
    admin run `unscoped()`: staff see every tenant (the admin itself refuses non-staff)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    @cached_property
    def admin_prefix(self) -> str:
        return reverse("admin:index")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with unscoped() if request.path.startswith(self.admin_prefix) else scope_boundary():
            return self.get_response(request)
