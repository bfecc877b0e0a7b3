"""The one clock: every "now" of the service comes from here.

Two kinds of time (API.md, "Billing clock"):

- **Business time**, `now(tenant)`: what billing decides by. The defaults of a
  subscription's `start_at` and of a usage event's `timestamp`, the 5-minute future
  limits, a run's `as_of`, cancellation, the upcoming invoice, `issued_at`, `due_at`,
  `paid_at`, `voided_at`, the default ranges of the usage and revenue reports. It takes
  the tenant because a sandbox tenant's clock (Part 2) will be its own: that change
  happens here and nowhere else.
- **Real time**, `real_now()`: what happened when on this machine. `created_at` (model
  defaults stay `default=timezone.now`), tokens and API keys, signatures and their
  tolerance, idempotency windows, webhook delivery and its retries, invoice-run
  bookkeeping (heartbeats, staleness), the refresh of the revenue view.

Nothing else calls `timezone.now()` (a test checks it); model fields keep their
`default=timezone.now`, which is real time. Tests move both clocks with time-machine.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from tenants.models import TenantRef


def now(tenant: TenantRef) -> datetime:
    """The tenant's business time (today: real time for every tenant)."""
    return timezone.now()


def real_now() -> datetime:
    """Real time, for what is not business time (see the module docstring)."""
    return timezone.now()
