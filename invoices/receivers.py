"""Progressive billing after ingestion: `usage.signals.usage_stored` → a debounced
threshold check per customer, run by one `invoice_thresholds_check` task per ingest
call (per CHECK_TASK_BATCH customers), not one per customer: a batch naming 1,000
customers queued 1,000 tasks, about 3 ms of the request's CPU each (as the alerts'
evaluation, `metrics.alert_watch`). Connected by `InvoicesConfig.ready`.

Never a query per event: whether the tenant has a plan with usage thresholds is
remembered in the process for `TENANT_FLAG_SECONDS` (a plan created since is checked
at the next run, or once the flag is read again), and a customer's check is queued
at a time (`tenants.pending`: one pipelined `SET NX` for all of a batch's customers, in the
cache's Redis): the first events of a quiet customer
queue a task that runs `DEBOUNCE_SECONDS` later; the task deletes the key as it starts
(`threshold_check_started`), before it reads usage. Events whose receiver found the key
were committed before that, so the task counts them; events after it queue the next
task. Usage is thus checked within DEBOUNCE_SECONDS (plus the queue's delay) of being
stored, with at most one task waiting per customer. The key expires after
`KEY_TTL_SECONDS` should its task be lost.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Collection
from typing import Any

import structlog
from django.conf import settings
from django.dispatch import receiver

from plans.selectors import tenant_has_usage_thresholds
from tenants import pending
from usage.signals import usage_stored

log = structlog.get_logger(__name__)

DEBOUNCE_SECONDS = 15
KEY_TTL_SECONDS = 60
CHECK_TASK_BATCH = 500
TENANT_FLAG_SECONDS = 30.0
_tenant_flags: dict[uuid.UUID, tuple[float, bool]] = {}


def _bills_progressively(tenant_id: uuid.UUID) -> bool:
    now = time.monotonic()
    cached = _tenant_flags.get(tenant_id)
    if cached is None or cached[0] < now:
        cached = (now + TENANT_FLAG_SECONDS, tenant_has_usage_thresholds(tenant=tenant_id))
        _tenant_flags[tenant_id] = cached
    return cached[1]


def _marks_url() -> str:
    """The Redis of the marks: the cache's, where they were kept as cache keys before."""
    return str(settings.CACHES["default"]["LOCATION"])


def _debounce_key(tenant_id: uuid.UUID, customer_id: uuid.UUID) -> str:
    return f"billing:threshold-check:{tenant_id}:{customer_id}"


@receiver(usage_stored, dispatch_uid="invoices.thresholds_after_usage")
def queue_threshold_checks(*, tenant_id: uuid.UUID, customer_ids: Collection[uuid.UUID], **kwargs: Any) -> None:
    if not _bills_progressively(tenant_id):
        return
    from invoices.tasks import invoice_thresholds_check  # tasks import the services; this module loads first

    ids = list(dict.fromkeys(customer_ids))
    was_set = pending.mark_pending(_marks_url(), [_debounce_key(tenant_id, c) for c in ids], KEY_TTL_SECONDS)
    marked = [str(customer_id) for customer_id, set_now in zip(ids, was_set, strict=True) if set_now]
    for first in range(0, len(marked), CHECK_TASK_BATCH):
        chunk = marked[first : first + CHECK_TASK_BATCH]
        invoice_thresholds_check.apply_async((str(tenant_id), chunk), countdown=DEBOUNCE_SECONDS)


def threshold_check_started(tenant_id: uuid.UUID, customer_ids: Collection[uuid.UUID]) -> None:
    """The queued check starts: usage stored from now on queues the next one."""
    pending.clear_pending(_marks_url(), *(_debounce_key(tenant_id, c) for c in customer_ids))
