"""Sandbox tenants' clocks, and the advance (API.md Part 2, "Billing clock").

A sandbox tenant's business time is its clock (`tenants.clock.now`), which moves only
when advanced: `clock_advance_request` checks `to` and marks the clock advancing (a
409 for anything that writes with the time meanwhile), and the Celery task
`clock_advance_execute` does the work, in business-time order:

    at = the clock
    run every step at `at`                     (what was due already: a backdated subscription)
    while the earliest moment a step has work, after `at`, is at or before `to`:
        at = that moment; the clock reads `at`
        run every step at `at`                 (each in `clock.at(tenant, at)`: now() is `at`)
    the clock reads `to`; ready

**Steps** are what falls due at a moment of business time. The apps that own the work
register them (`advance_step_register`, in their `AppConfig.ready`; tenants, the first
app, imports none of them): invoicing registers one (`invoices.clock_step`) that ends
trials, bills each period at its end, cancels at period end and bills late usage of
canceled subscriptions, as the run does. Grant expiry, dunning and alerts plug in the
same way. A step's `run(tenant_id, at)` does everything due at or before `at` and is
safe to run twice; its `next_due(tenant_id, after)` names the earliest moment after
`after` at which it will have work. At one moment the steps run by `order`.

Because each moment's work happens at that moment, one advance to T and any series of
advances ending at T do the same things at the same business times: the same
invoices, numbers and ledgers.

**Exactly one worker.** A task claims the advance by its heartbeat (real time): free
(none) or stale (INVOICE_RUN_STALE_SECONDS, the run's own limit) is claimable, and
every move of the clock checks that the heartbeat is still its own, so a worker that
lost its claim stops. A failed attempt frees the claim for the task's retry; the retry
(or the sweeper's message, `clock_advances_sweep`) starts again at the moment the
clock reads, whose steps run again, harmlessly.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import transaction
from django.db.models import Q

from tenants import clock
from tenants.errors import Conflict, Invalid, NotFound
from tenants.models import Tenant, TenantRef, tenant_pk
from tenants.signals import audit, clock_advanced

log = structlog.get_logger(__name__)

NOT_A_SANDBOX = "This tenant is not a sandbox: its time is real time, and it has no clock."
TO_NOT_AFTER_CLOCK = "to must be after the clock, {time}."
TO_TOO_FAR = "to may be at most 3 years after the clock, {time}."
CLOCK_OUT_OF_RANGE = "A sandbox's clock must be from 1970-01-01 to 2899-12-31 (UTC)."
CLOCK_TIME_WITHOUT_SANDBOX = "clock_time is only for a sandbox tenant (sandbox: true)."
ADVANCE_MAX = relativedelta(years=3)
CLOCK_MIN = datetime(1970, 1, 1, tzinfo=UTC)
# Far below what a subscription or an event may hold (3000): room for what the clock's
# last years schedule beyond it.
CLOCK_MAX = datetime(2900, 1, 1, tzinfo=UTC)


# Steps


@dataclass(frozen=True)
class AdvanceStep:
    """One kind of work that falls due at moments of business time (module docstring)."""

    name: str
    order: int
    next_due: Callable[[uuid.UUID, datetime], datetime | None]
    run: Callable[[uuid.UUID, datetime], None]


_STEPS: dict[str, AdvanceStep] = {}


def advance_step_register(step: AdvanceStep) -> None:
    """Add (or replace, by name) a step of every advance; call it in `AppConfig.ready`."""
    _STEPS[step.name] = step


def advance_steps() -> list[AdvanceStep]:
    return sorted(_STEPS.values(), key=lambda step: (step.order, step.name))


# The clock


@dataclass(frozen=True)
class ClockState:
    time: datetime
    advancing_to: datetime | None

    @property
    def status(self) -> str:
        return "ready" if self.advancing_to is None else "advancing"


def _sandbox(tenant_id: uuid.UUID, *, lock: bool = False) -> Tenant:
    rows = Tenant.objects.select_for_update() if lock else Tenant.objects
    found = rows.filter(pk=tenant_id, sandbox=True).first()
    if found is None:
        raise NotFound(NOT_A_SANDBOX)
    return found


def _state(tenant: Tenant) -> ClockState:
    assert tenant.clock_time is not None  # a database constraint: a sandbox has a clock
    return ClockState(tenant.clock_time, tenant.clock_advancing_to)


def clock_get(*, tenant: TenantRef) -> ClockState:
    """The sandbox's clock; NotFound for a live tenant (its time is real time)."""
    return _state(_sandbox(tenant_pk(tenant)))


def clock_time_check(value: datetime, field: str) -> datetime:
    """A time a sandbox's clock may read, or 400 naming `field`."""
    if not CLOCK_MIN <= value < CLOCK_MAX:
        raise Invalid({field: [CLOCK_OUT_OF_RANGE]}, code="out_of_range")
    return value.astimezone(UTC)


def sandbox_clock_start(*, sandbox: bool, clock_time: datetime | None) -> datetime | None:
    """A new tenant's clock: for a sandbox `clock_time` (default: now, real time), else none."""
    if not sandbox:
        if clock_time is not None:
            raise Invalid({"clock_time": [CLOCK_TIME_WITHOUT_SANDBOX]}, code="not_a_sandbox")
        return None
    return clock_time_check(clock.real_now() if clock_time is None else clock_time, "clock_time")


def clock_advance_request(*, tenant: TenantRef, to: datetime) -> ClockState:
    """Start moving the sandbox's clock to `to` (after it, at most 3 years ahead): the
    Celery task does the work once this commits. 409 while an advance runs."""
    with transaction.atomic():
        found = _sandbox(tenant_pk(tenant), lock=True)
        if found.clock_advancing_to is not None:
            to_text = found.clock_advancing_to.isoformat()
            raise Conflict(clock.CLOCK_ADVANCING.format(to=to_text), code="clock_advancing")
        time = _state(found).time
        to = clock_time_check(to, "to")
        if to <= time:
            raise Invalid({"to": [TO_NOT_AFTER_CLOCK.format(time=time.isoformat())]}, code="not_after_clock")
        if to > time + ADVANCE_MAX:
            raise Invalid({"to": [TO_TOO_FAR.format(time=time.isoformat())]}, code="too_far")
        found.clock_advancing_to, found.clock_heartbeat_at = to, None
        found.save(update_fields=["clock_advancing_to", "clock_heartbeat_at"])
        audit(tenant=found, action="tenant.clock_advance_requested", obj=found, changes={"clock_time": [time, to]})
        _queue_advance_on_commit(found.pk)
    return _state(found)


def _queue_advance_on_commit(tenant_id: uuid.UUID) -> None:
    from tenants import tasks  # tasks import this module

    def queue_clock_advance() -> None:
        tasks.clock_advance_execute.delay(str(tenant_id))

    # robust: with the broker down the clock stays advancing and the API still answers;
    # clock_advances_sweep sends the task again.
    transaction.on_commit(queue_clock_advance, robust=True)


# The advance


def _claimable(now: datetime) -> Q:
    stale_before = now - timedelta(seconds=settings.INVOICE_RUN_STALE_SECONDS)
    return Q(clock_advancing_to__isnull=False) & (
        Q(clock_heartbeat_at__isnull=True) | Q(clock_heartbeat_at__lt=stale_before)
    )


def _move(tenant_id: uuid.UUID, claim: datetime, to: datetime, *, done: bool = False) -> datetime | None:
    """The clock reads `to` (and is ready when `done`) if the claim is still ours: the
    new claim (a fresh heartbeat), or None when another worker took the advance over."""
    beat = clock.real_now()
    fields: dict[str, datetime | None] = {"clock_time": to, "clock_heartbeat_at": None if done else beat}
    if done:
        fields["clock_advancing_to"] = None
    return beat if Tenant.objects.filter(pk=tenant_id, clock_heartbeat_at=claim).update(**fields) else None


@transaction.atomic
def _finish(tenant: Tenant, claim: datetime, to: datetime) -> datetime | None:
    """The clock reads `to` and is ready (`_move`), with its audit entry."""
    moved = _move(tenant.pk, claim, to, done=True)
    if moved is not None:
        audit(
            tenant=tenant, action="tenant.clock_advanced", obj=tenant, changes={"clock_time": [tenant.clock_time, to]}
        )
    return moved


def _run_moment(tenant_id: uuid.UUID, at: datetime) -> None:
    with clock.at(tenant_id, at):
        for step in advance_steps():
            step.run(tenant_id, at)


def _next_moment(tenant_id: uuid.UUID, after: datetime) -> datetime | None:
    moments = [due for step in advance_steps() if (due := step.next_due(tenant_id, after)) is not None]
    return min(moments, default=None)


def clock_advance_execute(*, tenant: TenantRef) -> bool:
    """Carry out the sandbox's advance (module docstring); False when there is none to
    claim (none requested, done, or held by a live worker) or the claim was lost."""
    tenant_id, now = tenant_pk(tenant), clock.real_now()
    if not Tenant.objects.filter(_claimable(now), pk=tenant_id).update(clock_heartbeat_at=now):
        return False
    claim: datetime | None = now
    row = Tenant.objects.get(pk=tenant_id)
    at, to = row.clock_time, row.clock_advancing_to
    assert at is not None and to is not None
    try:
        _run_moment(tenant_id, at)
        while claim is not None and (due := _next_moment(tenant_id, at)) is not None and due <= to:
            claim = _move(tenant_id, claim, due)
            at = due
            if claim is not None:
                _run_moment(tenant_id, at)
        if claim is None or _finish(row, claim, to) is None:
            log.warning("clock_advance_claim_lost", tenant_id=str(tenant_id), at=at.isoformat())
            return False
    except Exception:
        if claim is not None:  # free the claim: the task's retry goes on from the clock
            Tenant.objects.filter(pk=tenant_id, clock_heartbeat_at=claim).update(clock_heartbeat_at=None)
        raise
    clock_advanced.send_robust(sender=Tenant, tenant_id=tenant_id, time=to)
    log.info("clock_advanced", tenant_id=str(tenant_id), to=to.isoformat())
    return True


def clock_advances_sweep(*, now: datetime | None = None, limit: int = 1000) -> int:
    """Send again the task of every advance no worker holds (its message was lost with
    the broker, or its worker died, or its retries ran out); how many were sent. A
    message for an advance some worker holds does nothing, so a duplicate is harmless."""
    tenant_ids = list(Tenant.objects.filter(_claimable(now or clock.real_now())).values_list("pk", flat=True)[:limit])
    for tenant_id in tenant_ids:
        _queue_advance_on_commit(tenant_id)
    if tenant_ids:
        log.warning("clock_advances_requeued", tenants=[str(pk) for pk in tenant_ids])
    return len(tenant_ids)
