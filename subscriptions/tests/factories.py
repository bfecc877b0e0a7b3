"""Factories of customers and subscriptions, with valid boring defaults.

Related objects share one tenant: `SubscriptionFactory(tenant=t)` makes the customer
and the plan in `t` too, and `SubscriptionFactory(customer=c)` uses `c`'s tenant.
"""

from __future__ import annotations

import factory
from django.utils import timezone

from subscriptions.models import Customer
from tenants.tests.factories import TenantFactory


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    tenant = factory.SubFactory(TenantFactory)
    external_id = factory.Sequence(lambda n: f"cus_{n}")
    name = factory.Sequence(lambda n: f"Customer {n}")
    email = factory.LazyAttribute(lambda c: f"{c.external_id}@example.test")
    metadata = factory.LazyFunction(dict)
    created_at = factory.LazyFunction(timezone.now)
