"""Factories of usage events, and `use`, the one way tests record usage.

The tenant is shared: `UsageEventFactory(tenant=t)` makes the customer and the meter in
`t`, and `UsageEventFactory(customer=c)` or `(meter=m)` takes that object's tenant.
An event happened now (or at `timestamp`) and was stored a second later, unless
`created_at` says otherwise. Whether it is late usage is the order of storage (its
`seq`, taken when the row is made), not `created_at`: an event made after the invoice
of its period is late, whatever its `created_at` says.

    use(sub, "api_calls", "1500", at(2026, 1, 3))                              # on time
    bill(tenant, at(2026, 2, 1))
    use(sub, "api_calls", "600", at(2026, 1, 20), created_at=at(2026, 2, 10))  # late
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import factory
from django.utils import timezone

from plans.models import Meter
from plans.tests.factories import MeterFactory
from subscriptions.models import Subscription
from subscriptions.tests.factories import CustomerFactory
from tenants.tests.factories import TenantOwnedFactory, in_tenant
from usage.models import UsageEvent


class UsageEventFactory(TenantOwnedFactory[UsageEvent]):
    """One event of value 1, with no properties, on a new customer and a new count meter."""

    class Meta:
        model = UsageEvent

    customer = in_tenant(CustomerFactory)
    meter = in_tenant(MeterFactory)
    idempotency_key = factory.Sequence(lambda n: f"evt_{n}")
    value = Decimal(1)
    timestamp = factory.LazyFunction(timezone.now)
    properties = factory.LazyFunction(dict)
    fingerprint = "0" * 64
    created_at = factory.LazyAttribute(lambda o: o.timestamp + timedelta(seconds=1))


def use(
    sub: Subscription,
    meter_code: str,
    value: str | int | Decimal,
    when: datetime,
    created_at: datetime | None = None,
    **properties: Any,
) -> UsageEvent:
    """`value` of `sub`'s customer on the meter `meter_code` of its tenant, at `when`,
    stored a second later (or at `created_at`); keyword arguments are its properties."""
    fields = {} if created_at is None else {"created_at": created_at}
    return UsageEventFactory.create(
        tenant=sub.tenant,
        customer=sub.customer,
        meter=Meter.objects.for_tenant(sub.tenant_id).get(code=meter_code),
        value=Decimal(value),
        timestamp=when,
        properties=properties,
        **fields,
    )
