"""Plan changes (API.md, "Plan changes"): `POST …/subscriptions/{id}/change` and its
preview. The rules and the plan history are the subscriptions app's
(`subscription_change_target`, `SubscriptionSegment`); billing the change is here,
because it calls the invoicing engine, which subscriptions may not import.

A change is walked in memory on the subscription, then written (or, for the preview,
priced and shown), so that the preview and the change share every step:

1. the periods that ended by now are billed first, as the run would (a pending change
   among them takes effect at its period's end);
2. the rules are checked on what that leaves (409s: canceled, canceling at period end,
   a change pending, same plan, inactive plan, other currency, a meter held by
   another subscription of the customer);
3. `now`: the current segment [a, now) is billed on the old plan (a `plan_change`
   invoice: its proration and its usage, and late usage of earlier windows), and the
   new plan runs from now (same anchor with the same interval, else a full new
   period from now); in a trial only the plan changes. `period_end`: the change waits
   for the run that bills the current period (`billing._roll`).

The subscription row is locked for the whole change (`subscription_get_locked`), as
by a cancellation; the run skips locked subscriptions, so a change and a run (or two
changes) take turns and each segment is billed once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from django.db import transaction

from audit.services import audit_record
from invoices import billing
from invoices.models import Invoice
from invoices.services import (
    SUBSCRIPTION_NOT_BILLABLE,
    InvoicePreview,
    previews,
    subscription_get_locked,
    upcoming,
)
from subscriptions.models import Subscription
from subscriptions.services import subscription_change_target, subscription_updated_body
from tenants import clock
from tenants.errors import Conflict
from tenants.models import TenantRef, tenant_pk
from webhooks.models import EventType
from webhooks.services import event_publish

Effective = Literal["now", "period_end"]
NOW: Effective = "now"
PERIOD_END: Effective = "period_end"


@dataclass
class PlanChange:
    """A change walked in memory: the bills it makes now (the periods that had ended,
    then the old plan's segment) and the walk (events, the plan switch)."""

    bills: list[billing.Bill]
    walk: billing.Walk


def _walk_change(
    tenant: TenantRef, sub: Subscription, plan_id: uuid.UUID, effective: Effective, now: datetime
) -> PlanChange:
    walk = billing.Walk.of(tenant, [sub])
    bills = billing.advance(sub, now, walk)
    at = max(now, walk.segment_start(sub)) if effective == NOW else sub.current_period_end
    plan = subscription_change_target(tenant=tenant, subscription=sub, plan_id=plan_id, at=at)
    if effective == PERIOD_END:
        sub.pending_plan = plan
        return PlanChange(bills, walk)
    if not sub.in_trial_window:
        segment = billing.partial_bill(sub, now, walk, reason=Invoice.BillingReason.PLAN_CHANGE)
        bills += [segment] if segment else []
    walk.switch(sub, plan, now)
    return PlanChange(bills, walk)


def subscription_change(
    *,
    tenant: TenantRef,
    subscription_id: uuid.UUID,
    plan_id: uuid.UUID,
    effective: Effective,
    now: datetime | None = None,
) -> tuple[Subscription, Invoice | None]:
    """Change the subscription's plan now or at the end of its period (see the module)
    and publish `subscription.updated` (`previous_plan_id`). Returns the subscription
    and, for `now`, the old segment's `plan_change` invoice (None when nothing was
    billed: a trial, or a segment that had not begun)."""
    tenant_id = tenant_pk(tenant)
    with transaction.atomic():
        sub = subscription_get_locked(tenant_id, subscription_id)
        now = now or clock.now(tenant_id)
        change = _walk_change(tenant_id, sub, plan_id, effective, now)
        try:
            invoices = billing.commit_subscription(
                tenant=tenant_id, subscription=sub, bills=change.bills, walk=change.walk, now=now
            )
        except billing.BillingFailed as exc:
            raise Conflict(SUBSCRIPTION_NOT_BILLABLE.format(error=exc), code="not_billable") from exc
        if effective == PERIOD_END:
            changes = {"pending_plan_id": [None, plan_id]}
            audit_record(tenant=tenant_id, action="subscription.change_scheduled", obj=sub, changes=changes)
            body = subscription_updated_body(sub, sub.plan_id)
            event_publish(tenant=tenant_id, type=EventType.SUBSCRIPTION_UPDATED, data=body)
    segment = next((i for i in invoices if i.billing_reason == Invoice.BillingReason.PLAN_CHANGE), None)
    return sub, segment


@dataclass
class ChangePreview:
    invoice_now: InvoicePreview | None
    upcoming_invoice: InvoicePreview


def subscription_change_preview(
    *,
    tenant: TenantRef,
    subscription_id: uuid.UUID,
    plan_id: uuid.UUID,
    effective: Effective,
    now: datetime | None = None,
) -> ChangePreview:
    """What `subscription_change` with these arguments would bill, computed by the same
    walk and priced by the run's code, storing nothing: `invoice_now`, the old
    segment's `plan_change` invoice (None when the change bills none), and
    `upcoming_invoice`, the next invoice after the change (the new plan's first, or
    for `period_end` the current period's on the old plan)."""
    tenant_id = tenant_pk(tenant)
    sub = subscription_get_locked(tenant_id, subscription_id, lock=False)
    now = now or clock.now(tenant_id)
    change = _walk_change(tenant_id, sub, plan_id, effective, now)
    next_bill = billing.upcoming_bill(sub, change.walk)
    assert next_bill is not None  # a live subscription that does not cancel at period end is billed again
    bills = [*change.bills, next_bill]
    made = previews(tenant=tenant_id, bills=bills, issued_at=[now] * len(change.bills) + [next_bill.end])
    now_bill = next((p for p in made if p.invoice.billing_reason == Invoice.BillingReason.PLAN_CHANGE), None)
    return ChangePreview(invoice_now=now_bill, upcoming_invoice=upcoming(made[-1]))
