"""Invoicing as a step of a sandbox's clock advance (tenants.sandbox): registered by
`InvoicesConfig.ready`.

At each moment the advance stops at, the step does what the invoice run does with
`as_of` = that moment (and `now` = that moment, the clock it runs in): end trials,
bill every period that ended, cancel at period end, bill the late usage of canceled
subscriptions. Its next moment is the earliest end of a live subscription's current
period (a trial's end, or a period's) after the last one. Plan changes that wait for a
period's end happen in the run that bills that period, so they ride this step; work
that falls due at moments of its own (grant expiry, below; dunning, alerts) registers
steps of its own, with an `order` that says what goes first at one moment.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from invoices.grants import grant_next_expiry, grants_expire
from invoices.services import invoice_due_subscriptions
from subscriptions.selectors import subscription_next_period_end
from tenants.sandbox import AdvanceStep

ORDER = 100  # invoicing first at a moment: later steps (dunning, expiry) see its invoices


def _next_due(tenant_id: uuid.UUID, after: datetime) -> datetime | None:
    return subscription_next_period_end(tenant=tenant_id, after=after)


def _run(tenant_id: uuid.UUID, at: datetime) -> None:
    invoice_due_subscriptions(tenant=tenant_id, as_of=at)


INVOICING_STEP = AdvanceStep(name="invoicing", order=ORDER, next_due=_next_due, run=_run)


# Grant expiry: at each grant's `expires_at`, after invoicing at that moment (an invoice
# whose period ends at `expires_at` could not use the grant anyway: period_end <
# expires_at) and before dunning.
EXPIRY_ORDER = 150


def _next_expiry(tenant_id: uuid.UUID, after: datetime) -> datetime | None:
    return grant_next_expiry(tenant=tenant_id, after=after)


def _expire(tenant_id: uuid.UUID, at: datetime) -> None:
    grants_expire(tenant=tenant_id, at=at)


GRANT_EXPIRY_STEP = AdvanceStep(name="grant_expiry", order=EXPIRY_ORDER, next_due=_next_expiry, run=_expire)
