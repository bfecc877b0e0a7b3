"""What ingestion costs alerts: nothing for a customer without one, and one Redis round
trip for a request or batch that touches subscriptions with alerts.

Which subscriptions have alerts is kept in this process's memory per tenant for
ALERTS_CACHE_SECONDS (one query per tenant and process that often, never per event;
a service that creates or deletes an alert forgets its tenant's entry at once in its
own process). For each subscription with alerts whose customer's usage was stored,
`SET alerts:pending:<subscription> NX EX` (all of them in one command, tenants.pending);
the subscriptions whose key a request set are evaluated by one task (per
EVALUATION_BATCH of them) ALERTS_EVALUATION_DELAY_SECONDS later, and usage stored
meanwhile schedules nothing more: a debounce per subscription. One task per request
rather than one per subscription: a batch naming 1,000 alerting customers queued
1,000 tasks, about 3 ms of CPU each (bench/alerts.py).

No usage is missed: the task deletes the keys *before* it reads (`alert_pending_clear`),
and ingestion sets it only after its commit, so usage that found the key set was
committed before the evaluation read. A key whose task was lost (a broker restart)
expires after a minute, and the next usage schedules again.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Collection

import structlog
from django.conf import settings

from metrics.models import Alert
from tenants import pending
from tenants.isolation import tenant_scope

log = structlog.get_logger(__name__)

_PENDING_TTL_EXTRA_SECONDS = 60
# {tenant id: (monotonic expiry, {customer id: [subscription ids with alerts]})}
_SUBSCRIPTIONS: dict[uuid.UUID, tuple[float, dict[uuid.UUID, list[uuid.UUID]]]] = {}
_SUBSCRIPTIONS_MAX = 10_000


_client = pending.client


def _pending_key(subscription_id: uuid.UUID) -> str:
    return f"billing:alerts:pending:{subscription_id}"


def alerting_subscriptions(tenant_id: uuid.UUID) -> dict[uuid.UUID, list[uuid.UUID]]:
    """{customer id: ids of its subscriptions that have alerts}, from memory when fresh."""
    cached = _SUBSCRIPTIONS.get(tenant_id)
    now = time.monotonic()
    if cached is not None and cached[0] > now:
        return cached[1]
    by_customer: dict[uuid.UUID, list[uuid.UUID]] = {}
    with tenant_scope(tenant_id):  # a receiver may run where no scope is (the admin)
        rows = Alert.objects.for_tenant(tenant_id).values_list("subscription__customer_id", "subscription_id")
        for customer_id, subscription_id in rows.distinct():
            by_customer.setdefault(customer_id, []).append(subscription_id)
    if len(_SUBSCRIPTIONS) >= _SUBSCRIPTIONS_MAX:
        _SUBSCRIPTIONS.clear()
    _SUBSCRIPTIONS[tenant_id] = (now + settings.ALERTS_CACHE_SECONDS, by_customer)
    return by_customer


def alerting_subscriptions_forget(tenant_id: uuid.UUID) -> None:
    _SUBSCRIPTIONS.pop(tenant_id, None)


Schedule = Callable[[list[uuid.UUID]], None]


def alerts_schedule(
    tenant_id: uuid.UUID, subscription_ids: Collection[uuid.UUID], schedule: Schedule
) -> list[uuid.UUID]:
    """Mark pending those of these subscriptions whose evaluation is not pending yet and
    call `schedule(their ids)` once (nothing when none); returns them. With Redis down,
    every call schedules (only slower)."""
    ids = list(dict.fromkeys(subscription_ids))
    if not ids:
        return []
    ttl = settings.ALERTS_EVALUATION_DELAY_SECONDS + _PENDING_TTL_EXTRA_SECONDS
    keys = [_pending_key(subscription_id) for subscription_id in ids]
    was_set = pending.mark_pending(settings.ALERTS_REDIS_URL, keys, ttl)
    marked = [sid for sid, set_now in zip(ids, was_set, strict=True) if set_now]
    if marked:
        schedule(marked)
    return marked


def alerts_note_usage(tenant_id: uuid.UUID, customer_ids: Collection[uuid.UUID], schedule: Schedule) -> None:
    """Usage of these customers was committed: schedule their alerts' evaluation."""
    by_customer = alerting_subscriptions(tenant_id)
    if not by_customer:
        return
    targets = [sid for customer_id in customer_ids for sid in by_customer.get(customer_id, ())]
    if targets:
        alerts_schedule(tenant_id, targets, schedule)


def alert_pending_clear(subscription_ids: Collection[uuid.UUID]) -> None:
    """Before an evaluation reads: usage stored from now on schedules another one."""
    pending.clear_pending(settings.ALERTS_REDIS_URL, *(_pending_key(sid) for sid in subscription_ids))
