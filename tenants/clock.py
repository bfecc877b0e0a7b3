"""The one clock: every "now" of the service comes from here.

Two kinds of time (API.md, "Billing clock"):

- **Business time**, `now(tenant)`: what billing decides by. The defaults of a
  subscription's `start_at` and of a usage event's `timestamp`, the 5-minute future
  limits, a run's `as_of`, cancellation, the upcoming invoice, `issued_at`, `due_at`,
  `paid_at`, `voided_at`, the default ranges of the usage and revenue reports. For a
  live tenant it is real time; a sandbox tenant's is its own clock (`Tenant.clock_time`),
  frozen until an advance moves it (`tenants.sandbox`).
- **Real time**, `real_now()`: what happened when on this machine. `created_at` (model
  defaults stay `default=timezone.now`), tokens and API keys, signatures and their
  tolerance, idempotency windows, webhook delivery and its retries, invoice-run
  bookkeeping (heartbeats, staleness), the refresh of the revenue view.

While a sandbox's clock advances, what the advance does is the only business: a
caller that asks for the time to write with it gets a 409 (`clock_advancing`), and a
report's default range asks with `reading=True` and sees the clock where it stands.
The advance's own steps run `at(tenant, moment)`, so the services they call read the
moment being processed.

Cost: a live tenant's answer is real time without a query once this process has
seen the tenant (`sandbox` never changes, so that is cached for good); a sandbox's is
one primary-key read, since its clock moves.

Nothing else calls `timezone.now()` (a test checks it); model fields keep their
`default=timezone.now`, which is real time. Tests move real time with time-machine.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from django.utils import timezone

from tenants.errors import Conflict
from tenants.models import Tenant, TenantRef, tenant_pk

CLOCK_ADVANCING = (
    "This sandbox tenant's clock is advancing to {to}: what depends on its time waits until it is "
    "done (GET …/clock says when)."
)

# Tenants known to be live in this process. A set of ids, bounded in case a process
# outlives a great many tenants (it is only a cache: clearing it costs a query each).
_LIVE: set[uuid.UUID] = set()
_LIVE_MAX = 100_000
# (tenant id, moment) while an advance runs the steps of that moment in this context.
_STEPPING: ContextVar[tuple[uuid.UUID, datetime] | None] = ContextVar("clock_stepping", default=None)


def now(tenant: TenantRef, *, reading: bool = False) -> datetime:
    """The tenant's business time: real time for a live tenant, its clock for a
    sandbox. While a sandbox's clock advances, Conflict (409 `clock_advancing`) unless
    `reading` (what only shows data, such as a report's default range)."""
    pk = tenant_pk(tenant)
    if pk in _LIVE or (isinstance(tenant, Tenant) and not tenant.sandbox):
        return timezone.now()
    stepping = _STEPPING.get()
    if stepping is not None and stepping[0] == pk:
        return stepping[1]
    row = Tenant.objects.filter(pk=pk).values_list("sandbox", "clock_time", "clock_advancing_to").first()
    if row is None:  # no such tenant (yet): nothing of it can depend on a clock
        return timezone.now()
    sandbox, clock_time, advancing_to = row
    if not sandbox:
        if len(_LIVE) >= _LIVE_MAX:
            _LIVE.clear()
        _LIVE.add(pk)
        return timezone.now()
    if advancing_to is not None and not reading:
        raise Conflict(CLOCK_ADVANCING.format(to=advancing_to.isoformat()), code="clock_advancing")
    assert clock_time is not None  # a database constraint: a sandbox has a clock
    return clock_time


@contextmanager
def at(tenant: TenantRef, moment: datetime) -> Iterator[None]:
    """Inside, `now(tenant)` is `moment`: the advance (tenants.sandbox) runs the steps
    of each moment it passes in this context, and only it."""
    token = _STEPPING.set((tenant_pk(tenant), moment))
    try:
        yield
    finally:
        _STEPPING.reset(token)


def real_now() -> datetime:
    """Real time, for what is not business time (see the module docstring)."""
    return timezone.now()
