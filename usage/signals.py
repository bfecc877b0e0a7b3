"""Signals of usage, for the apps after it in the dependency order (invoices' progressive
billing): they listen, and usage never imports them.

`usage_recorded` is sent after ingestion stored new events (a single event or a batch,
once its transaction committed) with `tenant_id` and `customer_ids` (the customers of the
new events, each once). Sent with `send_robust`: the events are stored already, so a
failing receiver is logged and never fails the request. A receiver must stay cheap (no
query per call: it runs on the ingestion path) and defer its work to a task.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

import structlog
from django.dispatch import Signal

log = structlog.get_logger(__name__)

usage_recorded = Signal()


def usage_recorded_send(tenant_id: uuid.UUID, customer_ids: Iterable[uuid.UUID]) -> None:
    for receiver, outcome in usage_recorded.send_robust(
        sender=None, tenant_id=tenant_id, customer_ids=frozenset(customer_ids)
    ):
        if isinstance(outcome, Exception):
            log.error("usage_recorded_receiver_failed", receiver=str(receiver), error=repr(outcome))
