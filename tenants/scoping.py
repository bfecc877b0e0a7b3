"""The one base class of every route under `/v1/tenants/{tenant_id}/`.

The path's tenant must be the caller's tenant (else 403, whether or not that tenant
exists), the caller's role must allow the method, and querysets come from
`scoped()`, which filters by the path tenant. `__init_subclass__` refuses a subclass
that drops the membership permission, so scoping cannot be bypassed by accident, and
wraps its `post` and `delete` in the `Idempotency-Key` handling of tenants.idempotency
(every tenant route gets it, unless a class opts out with `generic_idempotency = False`).
The request runs in the path tenant's scope (`tenants.isolation`): a query of a
tenant-owned model sees that tenant's rows only, whatever filter it forgot.

Schema generation (drf-spectacular) builds views without a request or a path tenant
and calls `get_queryset()` only to learn the model: it gets `model.objects.none()`,
also from a subclass's own `get_queryset` (wrapped by `__init_subclass__`).
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from functools import cached_property
from typing import Any, ClassVar

import structlog
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponseBase
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from tenants import idempotency
from tenants.actors import actor_of_caller, actor_set
from tenants.errors import NotFound
from tenants.inputs import JsonInput
from tenants.isolation import tenant_scope
from tenants.models import Role, Tenant
from tenants.replica import replica_reads

ROLE_RANK: dict[str, int] = {Role.VIEWER: 0, Role.MEMBER: 1, Role.ADMIN: 2}
NOT_YOUR_TENANT = "You do not belong to this tenant."
ROLE_TOO_LOW = "Your role ({role}) may not do this; it needs {needed}."


class IsTenantMember(BasePermission):
    message = NOT_YOUR_TENANT

    def has_permission(self, request: Request, view: Any) -> bool:
        caller_tenant = getattr(request.user, "tenant_id", None)
        return caller_tenant is not None and str(caller_tenant) == str(view.kwargs.get("tenant_id"))


class HasRole(BasePermission):
    """Safe methods need `view.read_role`, the others `view.write_role`."""

    def has_permission(self, request: Request, view: Any) -> bool:
        needed = view.read_role if request.method in SAFE_METHODS else view.write_role
        role = str(getattr(request.user, "role", ""))
        if ROLE_RANK.get(role, -1) >= ROLE_RANK[needed]:
            return True
        self.message = ROLE_TOO_LOW.format(role=role, needed=Role(needed).value)
        return False


def schema_safe(get_queryset: Callable[[Any], QuerySet[Any]]) -> Callable[[Any], QuerySet[Any]]:
    """`get_queryset` that answers `model.objects.none()` to drf-spectacular's fake view."""

    @functools.wraps(get_queryset)
    def wrapper(self: Any) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False) and self.model is not None:
            return self.model._default_manager.none()
        return get_queryset(self)

    return wrapper


def idempotent(handler: Callable[..., Response]) -> Callable[..., Response]:
    """A `post`/`delete` handler that honours `Idempotency-Key` (tenants.idempotency).
    Runs after authentication and permissions: a refused caller never reaches a record."""

    @functools.wraps(handler)
    def wrapper(self: TenantScopedApi, request: Request, *args: Any, **kwargs: Any) -> Response:
        scope = idempotency.scope_for(request, tenant_id=self.tenant_id)
        if scope is None:
            return handler(self, request, *args, **kwargs)

        def respond() -> Response:
            # Rendered here, inside the savepoint, so that the answer can be kept or not.
            try:
                return handler(self, request, *args, **kwargs)
            except Exception as exc:
                return self.handle_exception(exc)

        return idempotency.run_once(scope, respond, sealed=self.idempotency_sealed_fields)

    return wrapper


class TenantScopedApi(GenericAPIView):
    """Base API class of tenant routes. Set `model` (for `get_queryset`) and, when
    the route is not for every member, `read_role` / `write_role`."""

    permission_classes: ClassVar[list[type[BasePermission]]] = [IsAuthenticated, IsTenantMember, HasRole]  # type: ignore[misc]
    read_role: ClassVar[str] = Role.VIEWER
    write_role: ClassVar[str] = Role.MEMBER
    model: ClassVar[type[Model] | None] = None
    generic_idempotency: ClassVar[bool] = True
    # Top-level fields of an answer that are secrets: kept encrypted for replays.
    idempotency_sealed_fields: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if IsTenantMember not in cls.permission_classes:
            raise TypeError(f"{cls.__name__} must keep IsTenantMember in permission_classes")
        own = cls.__dict__.get("get_queryset")
        if own is not None:
            cls.get_queryset = schema_safe(own)  # type: ignore[method-assign]
        for method in ("post", "delete"):
            handler = cls.__dict__.get(method)
            if handler is not None and cls.generic_idempotency:
                setattr(cls, method, idempotent(handler))

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        # Authentication and permissions run inside too: they read no tenant-owned rows
        # of the path tenant (the API key lookup is unscoped), and a caller of another
        # tenant is refused before any handler runs.
        with tenant_scope(kwargs["tenant_id"]):
            return super().dispatch(request, *args, **kwargs)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        actor_set(actor_of_caller(request.user))
        structlog.contextvars.bind_contextvars(tenant_id=str(self.tenant_id), user_id=str(request.user.pk))

    @property
    def tenant_id(self) -> uuid.UUID:
        return self.kwargs["tenant_id"]

    @cached_property
    def tenant(self) -> Tenant:
        return Tenant.objects.get(pk=self.tenant_id)

    def scoped(self, model: type[Model] | None = None) -> QuerySet[Any]:
        target = model or self.model
        if target is None:
            raise TypeError(f"{type(self).__name__} has no model to scope")
        return target._default_manager.filter(tenant_id=self.tenant_id)

    def found(self, pk: Any, missing: str) -> Any:
        """The object `pk` of `get_queryset()`, or a 404 saying `missing` (one answer for
        an unknown id, a malformed one and another tenant's)."""
        try:
            obj = self.get_queryset().filter(pk=pk).first()
        except (ValueError, ValidationError):  # not a UUID
            obj = None
        if obj is None:
            raise NotFound(missing)
        return obj

    def list_response(self, render: Callable[[list[Any]], Any], queryset: QuerySet[Any] | None = None) -> Response:
        """One page of `queryset` (default `get_queryset()`), narrowed by the view's
        filterset, rendered by `render` in the list envelope of API.md. Read from the
        read replica when one is configured (tenants/replica.py): a page may be a moment
        behind the primary, as any list is by the time it is shown."""
        with replica_reads():
            page = self.paginate_queryset(self.filter_queryset(self.get_queryset() if queryset is None else queryset))
            return self.get_paginated_response(render(page or []))

    @schema_safe
    def get_queryset(self) -> QuerySet[Any]:
        return self.scoped()


class ListCreateApi(TenantScopedApi):
    # A collection route: `GET` answers a page of `get_queryset()` (narrowed by
    # `filterset_class`) rendered by `serializer_class`; `POST` validates `Input`, calls
    # `create` (one service) and answers 201 with `created_serializer_class` (default:
    # `serializer_class`). The schema of both operations follows from these attributes
    # (`list_operation_id` names the `GET` where the generated name would collide).
    # No docstring: drf-spectacular would show it as the operations' description.

    Input: ClassVar[type[JsonInput]]
    created_serializer_class: ClassVar[type[serializers.BaseSerializer] | None] = None
    list_operation_id: ClassVar[str | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        extend_schema_view(
            get=extend_schema(operation_id=cls.list_operation_id, responses=cls._output()(many=True)),
            post=extend_schema(request=cls.Input, responses={201: cls._output(created=True)}),
        )(cls)

    @classmethod
    def _output(cls, *, created: bool = False) -> type[serializers.BaseSerializer]:
        output = (cls.created_serializer_class if created else None) or cls.serializer_class
        if output is None:
            raise TypeError(f"{cls.__name__} has no serializer_class")
        return output

    def create(self, data: dict[str, Any]) -> Any:
        """The object that the service made of the validated `data`."""
        raise NotImplementedError

    def get(self, request: Request, tenant_id: uuid.UUID) -> Response:
        return self.list_response(lambda page: self._output()(page, many=True).data)

    def post(self, request: Request, tenant_id: uuid.UUID) -> Response:
        created = self.create(self.Input.valid(request.data))
        return Response(self._output(created=True)(created).data, status=status.HTTP_201_CREATED)


class DetailApi(TenantScopedApi):
    # An object route: `GET` answers `render(get_object())`, the object rendered by
    # `serializer_class` (a document route answers a file instead): the object of the
    # path's `lookup_url_kwarg` in `get_queryset()`, else a 404 saying `not_found`
    # (`found`). `retrieve_operation_id` names the `GET` where the generated
    # name would collide. No docstring: drf-spectacular would show it as the operations'
    # description.
    not_found: ClassVar[str]
    retrieve_operation_id: ClassVar[str | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.retrieve_operation_id is not None:
            extend_schema_view(get=extend_schema(operation_id=cls.retrieve_operation_id))(cls)

    def get_object(self) -> Any:
        return self.found(self.kwargs[self.lookup_url_kwarg], self.not_found)

    def render(self, obj: Any) -> Response:
        if self.serializer_class is None:
            raise TypeError(f"{type(self).__name__} has no serializer_class")
        return Response(self.serializer_class(obj).data)

    def get(self, request: Request, tenant_id: uuid.UUID, **kwargs: Any) -> HttpResponseBase:
        return self.render(self.get_object())


class DetailUpdateApi(DetailApi):
    # A `DetailApi` whose `PATCH` validates `PatchInput` (partially: only the fields
    # sent), calls `update` (one service) and answers the object.
    PatchInput: ClassVar[type[JsonInput]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        extend_schema_view(patch=extend_schema(request=cls.PatchInput, responses={200: cls.serializer_class}))(cls)

    def update(self, obj: Any, data: dict[str, Any]) -> Any:
        """`obj` as the service changed it by the validated `data`."""
        raise NotImplementedError

    def patch(self, request: Request, tenant_id: uuid.UUID, **kwargs: Any) -> Response:
        obj = self.get_object()
        return self.render(self.update(obj, self.PatchInput.valid(request.data, partial=True)))
