"""Invoicing as a step of a sandbox's clock advance (tenants.sandbox): registered by
`InvoicesConfig.ready`.

At each moment the advance stops at, the step does what the invoice run does with
`as_of` = that moment (and `now` = that moment, the clock it runs in): end trials,
bill every period that ended, cancel at period end, bill the late usage of canceled
subscriptions. Its next moment is the earliest end of a live subscription's current
period (a trial's end, or a period's) after the last one. Plan changes that wait for a
period's end happen in the run that bills that period, so they ride this step; work
that falls due at moments of its own (grant expiry, dunning, alerts) registers steps
of its own, with an `order` that says what goes first at one moment.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from invoices.services import invoice_due_subscriptions
from subscriptions.selectors import subscription_next_period_end
from tenants.sandbox import AdvanceStep

ORDER = 100  # invoicing first at a moment: later steps (dunning, expiry) see its invoices


def _next_due(tenant_id: uuid.UUID, after: datetime) -> datetime | None:
    return subscription_next_period_end(tenant=tenant_id, after=after)


def _run(tenant_id: uuid.UUID, at: datetime) -> None:
    invoice_due_subscriptions(tenant=tenant_id, as_of=at)


INVOICING_STEP = AdvanceStep(name="invoicing", order=ORDER, next_due=_next_due, run=_run)
