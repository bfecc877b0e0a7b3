"""Signals of the tenants app, for the apps after it (they listen; tenants never imports them).

`clock_advanced` is sent by `tenants.sandbox.clock_advance_execute` once a sandbox's
clock reads the advance's `to`, with `tenant_id` and `time`, with `send_robust`: a
failing receiver is logged and never fails the advance. A receiver that starts work
elsewhere should do it on commit (the revenue view's refresh, in metrics).
"""

from typing import Any

from django.dispatch import Signal

clock_advanced = Signal()

# `audited` is sent (with `send`: a failing receiver fails the change) by the tenants
# app's services after each change of state, with `tenant`, `action`, `obj`, `changes`
# and `reason`, the arguments of `audit.services.audit_record`, which receives it: the
# audit log is an app after tenants, which cannot import it.
audited = Signal()


def audit(**kwargs: Any) -> None:
    """`audited.send` for the tenants app's services: `audit(tenant=…, action=…, obj=…,
    changes=…, reason=…)`, the arguments of `audit.services.audit_record`."""
    audited.send(sender=type(kwargs["obj"]), **kwargs)
