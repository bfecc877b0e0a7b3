"""Evaluating alerts (API.md Part 2, "Alerts"): read each alert's value, insert a
trigger per threshold it reached, publish `alert.triggered` for the triggers that
were new. docs/alerts.md says what fires when.

Exactly once: a trigger is inserted with `ON CONFLICT DO NOTHING RETURNING`, and
`alert.triggered` is published only for the rows that came back, in the same
transaction. The unique constraints of `AlertTrigger` decide; evaluations that race
(a debounced task, an invoice run, a clock advance) each insert what they see and
only one of them gets the row back.

Values (business time: the tenant's clock):
- `usage_amount`: the usage lines of the subscription's upcoming invoice, priced by
  the invoice run's own code (`invoices.billing.upcoming_bill`, `price_bills`), so
  the current segment's usage so far, before discount and tax; a trial's is that of
  the first billed period (0: the trial is free);
- `meter_quantity`: the meter's aggregate in [current period start, period end),
  clipped to the subscription's life (`usage_totals_for_period`);
- `credit_balance`: Σ remaining of the customer's active grants in the plan's
  currency that are in effect now.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import structlog
from django.db import connection, transaction
from django.db.models import F, Q, Sum

from invoices import billing
from invoices.models import CreditGrant, InvoiceLine
from metrics.models import Alert, AlertTrigger
from plans.money import format_price, format_quantity
from subscriptions.models import Subscription
from tenants import clock
from tenants.formats import format_time
from tenants.models import TenantRef, tenant_pk
from usage.selectors import UsageWindow, usage_totals_for_period
from webhooks.models import EventType
from webhooks.services import events_publish

log = structlog.get_logger(__name__)

# A value far beyond the largest threshold with a small step would cross thousands of
# steps at once: only the highest STEP_LEVELS_MAX of them fire (docs/alerts.md).
STEP_LEVELS_MAX = 100
EVALUATION_BATCH = 500

_INSERT_TRIGGERS_SQL = """
INSERT INTO metrics_alerttrigger (tenant_id, alert_id, alert_type, threshold, period_start, value, triggered_at)
SELECT %(tenant)s, r.alert_id, r.alert_type, r.threshold, r.period_start, r.value, %(now)s
FROM unnest(%(alerts)s::uuid[], %(types)s::text[], %(thresholds)s::numeric[], %(starts)s::timestamptz[],
            %(values)s::numeric[]) AS r(alert_id, alert_type, threshold, period_start, value)
ON CONFLICT DO NOTHING
RETURNING alert_id, threshold, period_start, value
"""


@dataclass(frozen=True)
class Reading:
    """An alert's value now, and the period it belongs to."""

    value: Decimal
    period_start: datetime


def levels_reached(alert: Alert, value: Decimal) -> list[Decimal]:
    """The thresholds (and step levels) that `value` reaches, ascending.

    >>> levels_reached(Alert(type="usage_amount", thresholds=[Decimal(100)], step=Decimal(50)), Decimal(210))
    [Decimal('100'), Decimal('150'), Decimal('200')]
    """
    if alert.type == Alert.Type.CREDIT_BALANCE:
        return sorted(t for t in alert.thresholds if value <= t)
    levels = sorted(t for t in alert.thresholds if value >= t)
    if alert.step and alert.thresholds:
        top = max(alert.thresholds)
        steps = int((value - top) // alert.step) if value > top else 0
        levels += [top + k * alert.step for k in range(max(1, steps - STEP_LEVELS_MAX + 1), steps + 1)]
    return levels


def _usage_amounts(tenant_id: uuid.UUID, subs: Sequence[Subscription]) -> dict[uuid.UUID, Decimal]:
    """The usage lines of each one's upcoming invoice (one grouped usage query)."""
    walked = [copy.copy(sub) for sub in subs]  # upcoming_bill walks the instance forward
    walk = billing.Walk.of(tenant_id, walked)
    bills = [bill for sub in walked if (bill := billing.upcoming_bill(sub, walk)) is not None]
    billing.price_bills(tenant=tenant_id, bills=bills, late=False)
    amounts = {}
    for bill in bills:
        if bill.error:
            log.warning("alert_usage_not_priced", subscription_id=str(bill.subscription.pk), error=bill.error)
            continue
        usage = (line.amount for line in bill.lines if line.kind == InvoiceLine.Kind.USAGE)
        amounts[bill.subscription.pk] = sum(usage, Decimal(0))
    return amounts


def _window(sub: Subscription) -> UsageWindow:
    end = sub.current_period_end if sub.canceled_at is None else min(sub.current_period_end, sub.canceled_at)
    return UsageWindow(sub.customer_id, max(sub.current_period_start, sub.start_at), end)


def _meter_quantities(tenant_id: uuid.UUID, alerts: Sequence[Alert]) -> dict[uuid.UUID, Decimal]:
    """{alert id: its meter's aggregate this period} (two queries at most)."""
    meters = {a.meter_id: a.meter for a in alerts if a.meter is not None}
    windows = {_window(a.subscription) for a in alerts}
    totals = usage_totals_for_period(tenant=tenant_id, windows=list(windows), meters=list(meters.values()))
    return {a.pk: totals[(_window(a.subscription), a.meter_id)] for a in alerts if a.meter_id is not None}


def _credit_balances(tenant_id: uuid.UUID, subs: Sequence[Subscription], now: datetime) -> dict[uuid.UUID, Decimal]:
    """{subscription id: remaining of its customer's grants in its currency in effect now}."""
    grants = CreditGrant.objects.for_tenant(tenant_id).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now),
        customer_id__in={s.customer_id for s in subs},
        status=CreditGrant.Status.ACTIVE,
        effective_at__lte=now,
    )
    rows = grants.values("customer_id", "currency").annotate(
        left=Sum(F("amount") - F("used") - F("expired") - F("voided"))
    )
    left = {(r["customer_id"], r["currency"]): r["left"] for r in rows}
    return {s.pk: left.get((s.customer_id, s.plan.currency), Decimal(0)) for s in subs}


def alert_readings(*, tenant: TenantRef, alerts: Sequence[Alert], now: datetime) -> dict[uuid.UUID, Reading]:
    """{alert id: its Reading}, a few queries for any number of alerts (of live
    subscriptions, with `subscription__plan` and `meter` loaded)."""
    tenant_id = tenant_pk(tenant)
    of_type = {kind: [a for a in alerts if a.type == kind] for kind in Alert.Type.values}
    subs_of = {kind: list({a.subscription_id: a.subscription for a in of_type[kind]}.values()) for kind in of_type}
    usage = subs_of[Alert.Type.USAGE_AMOUNT]
    credit = subs_of[Alert.Type.CREDIT_BALANCE]
    meters = of_type[Alert.Type.METER_QUANTITY]
    # {subscription id: value} for the types whose value is the subscription's; by alert for meters
    per_sub = {
        Alert.Type.USAGE_AMOUNT: _usage_amounts(tenant_id, usage) if usage else {},
        Alert.Type.CREDIT_BALANCE: _credit_balances(tenant_id, credit, now) if credit else {},
    }
    per_alert = _meter_quantities(tenant_id, meters) if meters else {}
    readings = {}
    for alert in alerts:
        if alert.type == Alert.Type.METER_QUANTITY:
            value = per_alert.get(alert.pk)
        else:
            value = per_sub[Alert.Type(alert.type)].get(alert.subscription_id)
        if value is not None:
            readings[alert.pk] = Reading(value, alert.subscription.current_period_start)
    return readings


def _rearm(alerts: Sequence[Alert], readings: dict[uuid.UUID, Reading], now: datetime) -> None:
    """Re-arm each credit_balance threshold that the balance is above again."""
    above = Q()
    for alert in alerts:
        reading = readings.get(alert.pk)
        if alert.type == Alert.Type.CREDIT_BALANCE and reading is not None:
            risen = [t for t in alert.thresholds if reading.value > t]
            if risen:
                above |= Q(alert_id=alert.pk, threshold__in=risen)
    if above:
        AlertTrigger.objects.filter(above, rearmed_at__isnull=True).update(rearmed_at=now)


def _insert(tenant_id: uuid.UUID, rows: list[tuple[Alert, Decimal, Reading]], now: datetime) -> list[tuple[Any, ...]]:
    params: dict[str, Any] = {
        "tenant": tenant_id,
        "now": now,
        "alerts": [a.pk for a, _, _ in rows],
        "types": [a.type for a, _, _ in rows],
        "thresholds": [t for _, t, _ in rows],
        "starts": [r.period_start for _, _, r in rows],
        "values": [r.value for _, _, r in rows],
    }
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_TRIGGERS_SQL, params)
        return cursor.fetchall()


def _render(value: Decimal, alert: Alert) -> str:
    """Money in the plan's currency for usage_amount and credit_balance, else a quantity."""
    if alert.type == Alert.Type.METER_QUANTITY:
        return format_quantity(value)
    return format_price(value, alert.subscription.plan.currency)


def alert_triggered_body(alert: Alert, threshold: Decimal, value: Decimal, period_start: datetime) -> dict[str, Any]:
    """The `data` of `alert.triggered`: API.md's four fields, and what the alert is."""
    return {
        "alert_id": str(alert.pk),
        "threshold": _render(threshold, alert),
        "value": _render(value, alert),
        "period_start": format_time(period_start),
        "type": alert.type,
        "subscription_id": str(alert.subscription_id),
        "customer_id": str(alert.subscription.customer_id),
        "meter": alert.meter.code if alert.meter is not None else None,
    }


def _alerts_of(tenant_id: uuid.UUID, subscription_ids: Sequence[uuid.UUID] | None) -> list[Alert]:
    rows = Alert.objects.for_tenant(tenant_id).select_related(
        "subscription__plan", "subscription__pending_plan", "meter"
    )
    if subscription_ids is not None:
        rows = rows.filter(subscription_id__in=subscription_ids)
    return [a for a in rows.order_by("subscription_id", "created_at") if a.subscription.is_live]


def alerting_subscription_ids(*, tenant: TenantRef, customer_ids: Sequence[uuid.UUID]) -> list[uuid.UUID]:
    rows = Alert.objects.for_tenant(tenant_pk(tenant)).filter(subscription__customer_id__in=customer_ids)
    return list(rows.values_list("subscription_id", flat=True).distinct())


def alerts_evaluate(*, tenant: TenantRef, subscription_ids: Sequence[uuid.UUID] | None = None) -> int:
    """Evaluate the alerts of these subscriptions (default: every one of the tenant,
    in batches): re-arm credit thresholds risen above, insert the triggers reached,
    publish `alert.triggered` for the new ones. Returns how many fired. Safe to run
    any number of times, concurrently too."""
    tenant_id = tenant_pk(tenant)
    alerts = _alerts_of(tenant_id, subscription_ids)
    fired = 0
    for first in range(0, len(alerts), EVALUATION_BATCH):
        fired += _evaluate_batch(tenant_id, alerts[first : first + EVALUATION_BATCH])
    return fired


def _evaluate_batch(tenant_id: uuid.UUID, alerts: list[Alert]) -> int:
    now = clock.now(tenant_id, reading=True)  # an advancing sandbox still reads its clock
    readings = alert_readings(tenant=tenant_id, alerts=alerts, now=now)
    rows = [
        (a, level, readings[a.pk])
        for a in alerts
        if a.pk in readings
        for level in levels_reached(a, readings[a.pk].value)
    ]
    with transaction.atomic():
        _rearm(alerts, readings, now)
        inserted = _insert(tenant_id, rows, now) if rows else []
        by_id = {a.pk: a for a in alerts}
        events = [
            (EventType.ALERT_TRIGGERED, alert_triggered_body(by_id[alert_id], threshold, value, start))
            for alert_id, threshold, start, value in sorted(inserted, key=lambda r: (str(r[0]), r[1]))
        ]
        if events:
            events_publish(tenant=tenant_id, events=events)
    if inserted:
        log.info("alerts_triggered", tenant_id=str(tenant_id), count=len(inserted))
    return len(inserted)
