"""Signals of usage, for the apps after it (they listen; usage never imports them).

`usage_stored` is sent by `usage.services` once events are committed (a single event,
a batch, a void or an amend), with `tenant_id` and `customer_ids` (a set: the
customers whose usage changed). Sent with `send_robust`: a failing receiver is logged
and never fails the ingestion that sent it. It is on the ingestion path, so a
receiver does no query per call: metrics (alerts) and invoices (progressive billing) keep what it needs in memory and
does at most one Redis round trip.
"""

from django.dispatch import Signal

usage_stored = Signal()
