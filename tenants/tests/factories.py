"""Factories of tenants and users, and `TenantSharedFactory`, the base of every factory
whose related objects must share one tenant."""

from __future__ import annotations

from typing import Any, ClassVar, Generic, TypeVar

import factory
from django.db.models import Model
from django.utils import timezone

from tenants.models import Role, Tenant, User

PASSWORD = "correct-horse-battery-staple"

T = TypeVar("T", bound=Model)


class TenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenant

    name = factory.Sequence(lambda n: f"Tenant {n}")
    default_currency = "USD"
    created_at = factory.LazyFunction(timezone.now)


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


class TenantSharedFactory(factory.django.DjangoModelFactory[T], Generic[T]):
    """A factory whose related objects live in one tenant. Declare `tenant` and give
    the SubFactories `tenant=factory.SelfAttribute("..tenant")`; when a caller passes no
    tenant, the first related object it passes among `_tenant_from` decides it:
    `SubscriptionFactory(customer=c)` puts the new plan in `c.tenant`."""

    class Meta:
        abstract = True

    # A leading underscore keeps it out of the model's fields (factory_boy's rule).
    _tenant_from: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def _generate(cls, strategy: str, params: dict[str, Any]) -> T:
        if "tenant" not in params:
            given = (params[name] for name in cls._tenant_from if params.get(name) is not None)
            related = next(given, None)
            if related is not None:
                params = {**params, "tenant": related.tenant}
        return super()._generate(strategy, params)
