"""Factories of tenants and users, and `TenantOwnedFactory`, the base of every factory
whose related objects must share one tenant."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

import factory
from django.db.models import Model
from django.utils import timezone

from tenants import clock
from tenants.models import Role, Tenant, User

PASSWORD = "correct-horse-battery-staple"

T = TypeVar("T", bound=Model)


class TenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenant

    name = factory.Sequence(lambda n: f"Tenant {n}")
    default_currency = "USD"
    created_at = factory.LazyFunction(timezone.now)


class SandboxTenantFactory(TenantFactory):
    """A sandbox tenant whose clock reads `clock_time` (default 2026-01-01T00:00:00Z)."""

    sandbox = True
    clock_time = factory.LazyFunction(lambda: datetime(2026, 1, 1, tzinfo=UTC))


def make_sandbox(tenant: Tenant, clock_time: datetime) -> Tenant:
    """Turn a test's live tenant into a sandbox (which sign-up alone does in the service),
    forgetting that this process had seen it live."""
    Tenant.objects.filter(pk=tenant.pk).update(sandbox=True, clock_time=clock_time)
    clock._LIVE.discard(tenant.pk)
    tenant.refresh_from_db()
    return tenant


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    tenant = factory.SubFactory(TenantFactory)
    role = Role.ADMIN
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @classmethod
    def _after_postgeneration(cls, instance: User, create: bool, results: object = None) -> None:
        if create:
            instance.save()


class InTenant(factory.SubFactory):
    """A related object made in the tenant of the object being made (`in_tenant`)."""


def in_tenant(factory_class: type[factory.Factory], **kwargs: Any) -> InTenant:
    return InTenant(factory_class, tenant=factory.SelfAttribute("..tenant"), **kwargs)


class TenantOwnedFactory(factory.django.DjangoModelFactory[T], Generic[T]):
    """A factory of a tenant-owned model: a new tenant by default, and related objects
    (declared with `in_tenant`) in the same tenant. When a caller passes no tenant,
    the first related object it passes decides it: `SubscriptionFactory(customer=c)`
    puts the new plan in `c.tenant`."""

    class Meta:
        abstract = True

    tenant = factory.SubFactory(TenantFactory)

    @classmethod
    def _generate(cls, strategy: str, params: dict[str, Any]) -> T:
        if "tenant" not in params:
            declarations = cls._meta.declarations.items()
            given = (params[n] for n, d in declarations if isinstance(d, InTenant) and params.get(n) is not None)
            related = next(given, None)
            if related is not None:
                params = {**params, "tenant": related.tenant}
        return super()._generate(strategy, params)
