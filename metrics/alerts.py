"""Writes and reads of alerts (API.md Part 2, "Alerts"): create one on a subscription,
delete it, list them. Their evaluation is `metrics.alert_evaluation`.

Decisions where the contract is silent (as Stripe's billing alerts and Lago's usage
alerts do):
- `meter` names a meter of the tenant by its code, like a plan's charges; it is
  required for `meter_quantity` and refused for the other types;
- `thresholds`: 1 to 20 decimals ≥ 0, no two equal (100 and "100.0" are equal), kept
  ascending; `step` > 0, for the usage types only (a balance falls: "every step
  beyond the largest threshold" has no meaning for it);
- a canceled subscription takes no new alert (409), and its alerts stop evaluating;
- creating an alert evaluates it soon after (a value already past a threshold fires,
  as Lago's alerts do), and deleting one deletes its triggers (the events sent stay).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from audit.services import as_created, audit_record
from metrics import alert_watch
from metrics.models import Alert
from plans.models import Meter
from subscriptions.models import Subscription
from subscriptions.selectors import subscription_get
from subscriptions.services import SUBSCRIPTION_NOT_FOUND
from tenants.errors import Conflict, Invalid, Message, NotFound
from tenants.models import TenantRef, tenant_pk

MAX_THRESHOLDS = 20
ALERT_NOT_FOUND = "No such alert."
METER_REQUIRED = "meter is required for meter_quantity alerts."
METER_NOT_ALLOWED = "meter is only for meter_quantity alerts."
METER_UNKNOWN = "No meter with code {code!r}."
THRESHOLDS_EMPTY = "Give at least one threshold."
THRESHOLDS_TOO_MANY = f"Give at most {MAX_THRESHOLDS} thresholds."
THRESHOLD_NEGATIVE = "Thresholds must be 0 or more."
THRESHOLD_DUPLICATE = "Threshold {value} is given twice."
STEP_NOT_POSITIVE = "step must be greater than 0."
STEP_NOT_ALLOWED = "step is only for usage_amount and meter_quantity alerts: a balance falls."
SUBSCRIPTION_CANCELED = "This subscription is canceled: its alerts would never fire."


def _threshold_problems(thresholds: Sequence[Decimal]) -> dict[str, list[Message]]:
    if not thresholds:
        return {"thresholds": [Message(THRESHOLDS_EMPTY, "empty")]}
    if len(thresholds) > MAX_THRESHOLDS:
        return {"thresholds": [Message(THRESHOLDS_TOO_MANY, "max_length")]}
    errors: dict[str, list[Message]] = {}
    seen: set[Decimal] = set()
    for index, value in enumerate(thresholds):
        if value < 0:
            errors[f"thresholds.{index}"] = [Message(THRESHOLD_NEGATIVE, "min_value")]
        elif value in seen:
            text = THRESHOLD_DUPLICATE.format(value=f"{value.normalize():f}")
            errors[f"thresholds.{index}"] = [Message(text, "duplicate")]
        seen.add(value)
    return errors


def _check(
    tenant_id: uuid.UUID, type: str, meter: str | None, thresholds: Sequence[Decimal], step: Decimal | None
) -> Meter | None:
    """400 naming every field that breaks a rule; the meter when it is one's alert."""
    errors = _threshold_problems(thresholds)
    found = None
    if type == Alert.Type.METER_QUANTITY and not meter:
        errors["meter"] = [Message(METER_REQUIRED, "required")]
    elif type != Alert.Type.METER_QUANTITY and meter:
        errors["meter"] = [Message(METER_NOT_ALLOWED, "not_allowed")]
    elif meter:
        found = Meter.objects.for_tenant(tenant_id).filter(code=meter).first()
        if found is None:
            errors["meter"] = [Message(METER_UNKNOWN.format(code=meter), "does_not_exist")]
    if step is not None and type == Alert.Type.CREDIT_BALANCE:
        errors["step"] = [Message(STEP_NOT_ALLOWED, "not_allowed")]
    elif step is not None and step <= 0:
        errors["step"] = [Message(STEP_NOT_POSITIVE, "min_value")]
    if errors:
        raise Invalid(errors)
    return found


def _live_subscription(tenant_id: uuid.UUID, subscription_id: uuid.UUID) -> Subscription:
    sub = subscription_get(tenant=tenant_id, subscription_id=subscription_id)
    if sub is None:
        raise NotFound(SUBSCRIPTION_NOT_FOUND)
    if not sub.is_live:
        raise Conflict(SUBSCRIPTION_CANCELED, code="subscription_canceled")
    return sub


def _changed(tenant_id: uuid.UUID, subscription_id: uuid.UUID) -> None:
    """After the commit: this process forgets which subscriptions have alerts, and the
    subscription's alerts are evaluated soon (metrics.tasks)."""

    def evaluate_soon() -> None:
        from metrics import tasks  # tasks import this module's neighbours

        alert_watch.alerting_subscriptions_forget(tenant_id)
        alert_watch.alerts_schedule(tenant_id, [subscription_id], tasks.alerts_evaluate_later(tenant_id))

    transaction.on_commit(evaluate_soon, robust=True)


def alert_create(
    *,
    tenant: TenantRef,
    subscription_id: uuid.UUID,
    type: str,
    thresholds: Sequence[Decimal],
    meter: str | None = None,
    step: Decimal | None = None,
) -> Alert:
    """An alert on the subscription (see the module's docstring for the rules)."""
    tenant_id = tenant_pk(tenant)
    found_meter = _check(tenant_id, type, meter, thresholds, step)
    with transaction.atomic():
        sub = _live_subscription(tenant_id, subscription_id)
        alert = Alert.objects.create(
            tenant_id=tenant_id,
            subscription=sub,
            type=type,
            meter=found_meter,
            thresholds=sorted(thresholds),
            step=step,
        )
        changes = as_created(alert, "subscription_id", "type", "meter_id", "thresholds", "step")
        audit_record(tenant=tenant_id, action="alert.created", obj=alert, changes=changes)
        _changed(tenant_id, sub.pk)
    return alert


def alert_delete(*, tenant: TenantRef, subscription_id: uuid.UUID, alert_id: uuid.UUID) -> None:
    """Delete the alert and its triggers (404 when it is not this subscription's)."""
    tenant_id = tenant_pk(tenant)
    with transaction.atomic():
        alert = (
            alert_list(tenant=tenant_id, subscription_id=subscription_id)
            .select_for_update(of=("self",))
            .filter(pk=alert_id)
            .first()
        )
        if alert is None:
            raise NotFound(ALERT_NOT_FOUND)
        changes: dict[str, list[Any]] = {
            "type": [alert.type, None],
            "thresholds": [[str(t) for t in alert.thresholds], None],
        }
        audit_record(tenant=tenant_id, action="alert.deleted", obj=alert, changes=changes)
        alert.delete()
        _changed(tenant_id, subscription_id)


def alert_list(*, tenant: TenantRef, subscription_id: uuid.UUID) -> QuerySet[Alert]:
    """The subscription's alerts, oldest first."""
    rows = Alert.objects.for_tenant(tenant_pk(tenant)).filter(subscription_id=subscription_id)
    return rows.select_related("meter", "subscription__plan").order_by("created_at", "id")


def alert_get(*, tenant: TenantRef, subscription_id: uuid.UUID, alert_id: uuid.UUID | str) -> Alert | None:
    return alert_list(tenant=tenant, subscription_id=subscription_id).filter(pk=alert_id).first()
