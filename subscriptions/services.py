"""Writes of the subscriptions app: customers and subscriptions.

Every service takes `*, tenant` first and stamps or checks it; none reads a request.
Errors are the domain errors of `tenants.errors` with module-level message constants,
so the API renders them as they are and the tests assert the very texts.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, connection, transaction

from audit.services import as_created, audit_record, changed_since, snapshot
from billing_project.lookups import array_literal
from plans import selectors as plan_selectors
from plans import services as plan_services
from plans.models import Plan, TaxRate
from subscriptions import periods, selectors
from subscriptions.models import Customer, CustomerTaxRate, Subscription, SubscriptionSegment
from subscriptions.payloads import subscription_body
from subscriptions.validators import validate_metadata
from tenants import clock
from tenants.errors import Conflict, Invalid, NotFound
from tenants.models import TenantRef, tenant_pk
from tenants.updates import model_update
from webhooks.models import EventType
from webhooks.services import event_publish

CUSTOMER_NOT_FOUND = "No customer with this id in this tenant."
CUSTOMER_EXTERNAL_ID_TAKEN = "A customer with external_id {external_id!r} already exists in this tenant."
CUSTOMER_EXTERNAL_ID_IMMUTABLE = "external_id cannot change once the customer exists; create another customer."
CUSTOMER_UPDATABLE_FIELDS = ("name", "email", "metadata", "tax_exempt")
# What the audit entry of a creation shows (docs/audit.md).
CUSTOMER_FIELDS = ("external_id", "name", "email", "tax_exempt")
SUBSCRIPTION_FIELDS = ("customer_id", "plan_id", "status", "start_at", "trial_end")


def _check_metadata(metadata: Any) -> dict[str, Any]:
    try:
        validate_metadata(metadata)
    except DjangoValidationError as exc:
        raise Invalid({"metadata": exc.messages}, code=exc.code) from exc
    return metadata


def _check_owned(tenant: TenantRef, customer: Customer) -> None:
    # Fail closed: a caller that fetched the customer without scoping gets a 404, not a write.
    if customer.tenant_id != tenant_pk(tenant):
        raise NotFound(CUSTOMER_NOT_FOUND)


def customer_create(
    *,
    tenant: TenantRef,
    external_id: str,
    name: str,
    email: str | None = "",
    metadata: dict[str, Any] | None = None,
    tax_rates: Sequence[str] = (),
    tax_exempt: bool = False,
) -> Customer:
    """Create a customer; 409 (on `external_id`) if the tenant already has that external_id.

    `tax_rates` names active tax rates of the tenant by code (400 at `tax_rates.N`
    otherwise); when not empty, they replace the tenant's default rates for this
    customer. The unique constraint decides, so two concurrent creates give one 201
    and one 409.
    """
    rates = plan_services.tax_rates_from_codes(tenant=tenant, codes=tax_rates, field="tax_rates")
    customer = Customer(
        tenant_id=tenant_pk(tenant),
        external_id=external_id,
        name=name,
        email=email or "",
        metadata=_check_metadata({} if metadata is None else metadata),
        tax_exempt=tax_exempt,
    )
    try:
        with transaction.atomic():
            customer.save(force_insert=True)
            _set_tax_rates(customer, rates)
            changes = {**as_created(customer, *CUSTOMER_FIELDS), "tax_rates": [None, list(tax_rates)]}
            audit_record(tenant=tenant, action="customer.created", obj=customer, changes=changes)
    except IntegrityError as exc:
        taken = CUSTOMER_EXTERNAL_ID_TAKEN.format(external_id=external_id)
        raise Conflict({"external_id": taken}, code="external_id_taken") from exc
    return customer


def _tax_rate_codes(customer: Customer) -> list[str]:
    return list(
        CustomerTaxRate.objects.filter(customer=customer).order_by("position").values_list("tax_rate__code", flat=True)
    )


def _set_tax_rates(customer: Customer, rates: Sequence[TaxRate]) -> None:
    CustomerTaxRate.objects.filter(customer=customer).delete()
    CustomerTaxRate.objects.bulk_create(
        CustomerTaxRate(tenant_id=customer.tenant_id, customer=customer, tax_rate=rate, position=position)
        for position, rate in enumerate(rates)
    )


@transaction.atomic
def customer_update(*, tenant: TenantRef, customer: Customer, data: Mapping[str, Any]) -> Customer:
    """Change `name`, `email`, `metadata` (replaced whole, not merged), `tax_exempt`
    and/or `tax_rates` (codes, replacing the list; [] for the tenant's defaults).

    `external_id` is fixed: usage events already name the customer by it.
    """
    _check_owned(tenant, customer)
    if "external_id" in data and data["external_id"] != customer.external_id:
        raise Invalid({"external_id": CUSTOMER_EXTERNAL_ID_IMMUTABLE}, code="immutable")
    # A body's other keys (a tenant_id, say) are the caller's noise: ignored, never written.
    changes = {key: value for key, value in data.items() if key in CUSTOMER_UPDATABLE_FIELDS}
    if "metadata" in changes:
        _check_metadata(changes["metadata"])
    if "email" in changes:
        changes["email"] = changes["email"] or ""
    before, codes = snapshot(customer, changes), list(data.get("tax_rates", []))
    if "tax_rates" in data:
        rates = plan_services.tax_rates_from_codes(tenant=tenant, codes=codes, field="tax_rates")
        # Under the customer's lock: concurrent replacements take turns.
        Customer.objects.select_for_update().filter(pk=customer.pk).first()
        codes_before = _tax_rate_codes(customer)
        _set_tax_rates(customer, rates)
    customer = model_update(instance=customer, fields=CUSTOMER_UPDATABLE_FIELDS, data=changes)[0]
    diff = changed_since(before, customer)
    if "tax_rates" in data and codes_before != codes:
        diff["tax_rates"] = [codes_before, codes]
    if diff:
        audit_record(tenant=tenant, action="customer.updated", obj=customer, changes=diff)
    if "tax_rates" in data:  # the links prefetched with the customer are stale now
        return selectors.customer_get(tenant=tenant, customer_id=customer.pk) or customer
    return customer


# Subscriptions

SUBSCRIPTION_NOT_FOUND = "No subscription with this id in this tenant."
SUBSCRIPTION_CUSTOMER_NOT_FOUND = "No customer with this id in this tenant."
SUBSCRIPTION_PLAN_NOT_FOUND = "No plan with this id in this tenant."
SUBSCRIPTION_PLAN_INACTIVE = "Plan {code!r} is inactive and takes no new subscriptions."
SUBSCRIPTION_METER_TAKEN = (
    "Subscription {subscription_id} of the customer charges meter {meter!r} during the time this one "
    "would cover; a usage event belongs to one subscription, so lives on a meter may not overlap."
)
START_AT_OUT_OF_RANGE = "start_at must be from 1970-01-01 to 2999-12-31 (UTC)."
TRIAL_DAYS_MAX = 730
TRIAL_DAYS_OUT_OF_RANGE = "trial_days must be from 0 to 730."
START_AT_MIN = datetime(1970, 1, 1, tzinfo=UTC)
START_AT_MAX = datetime(3000, 1, 1, tzinfo=UTC)


@transaction.atomic
def subscription_create(
    *,
    tenant: TenantRef,
    customer_id: uuid.UUID,
    plan_id: uuid.UUID,
    start_at: datetime | None = None,
    trial_days: int | None = None,
) -> Subscription:
    """Subscribe a customer of the tenant to a plan of the tenant and publish
    `subscription.created`.

    - `start_at` defaults to now; a past one is a backfill (the current period is the
      first period, and the invoice run catches up every period that ended since).
    - `trial_days` (default: the plan's) > 0 gives a `trialing` subscription whose
      current period is the trial window; 0 gives an `active` one.
    - 400 on `customer_id` / `plan_id` when not in the tenant; 409 when the plan is
      inactive or when a live subscription of the customer already charges one of
      the plan's meters.

    The customer row is locked for the transaction, so two concurrent requests for the
    same customer are checked one after the other and cannot both pass the meter rule.
    """
    now = clock.now(tenant)  # also when start_at is given: a 409 while a sandbox's clock advances
    start = _check_start_at(now if start_at is None else start_at)
    _check_trial_days(trial_days)
    customer, plan = _customer_and_plan(tenant, customer_id, plan_id)
    if not plan.active:
        raise Conflict({"plan_id": SUBSCRIPTION_PLAN_INACTIVE.format(code=plan.code)}, code="plan_inactive")
    _check_meters_free(tenant, customer, plan, start)
    trial_end = periods.trial_end_for(start, plan.trial_days if trial_days is None else trial_days)
    period_start, period_end = periods.first_period(start, trial_end, plan.interval)
    subscription = Subscription.objects.create(
        tenant_id=tenant_pk(tenant),
        customer=customer,
        plan=plan,
        status=Subscription.Status.ACTIVE if trial_end is None else Subscription.Status.TRIALING,
        start_at=start,
        trial_end=trial_end,
        billing_anchor=periods.billing_anchor(start, trial_end),
        period_index=0 if trial_end is None else None,
        current_period_start=period_start,
        current_period_end=period_end,
    )
    SubscriptionSegment.objects.create(
        tenant_id=subscription.tenant_id, subscription=subscription, plan=plan, start_at=start,
        billing_anchor=subscription.billing_anchor,
    )  # fmt: skip
    changes = as_created(subscription, *SUBSCRIPTION_FIELDS)
    audit_record(tenant=tenant, action="subscription.created", obj=subscription, changes=changes)
    event_publish(tenant=tenant, type=EventType.SUBSCRIPTION_CREATED, data=subscription_body(subscription))
    return subscription


def _customer_and_plan(tenant: TenantRef, customer_id: uuid.UUID, plan_id: uuid.UUID) -> tuple[Customer, Plan]:
    # Unknown and other tenants' ids get the same answer: nothing leaks across tenants.
    customer = Customer.objects.for_tenant(tenant).select_for_update().filter(pk=customer_id).first()
    plan = plan_selectors.plan_get(tenant=tenant, plan_id=plan_id)
    errors = {}
    if customer is None:
        errors["customer_id"] = [SUBSCRIPTION_CUSTOMER_NOT_FOUND]
    if plan is None:
        errors["plan_id"] = [SUBSCRIPTION_PLAN_NOT_FOUND]
    if errors:
        raise Invalid(errors, code="does_not_exist")
    assert customer is not None and plan is not None
    return customer, plan


def _check_meters_free(
    tenant: TenantRef, customer: Customer, plan: Plan, start: datetime, exclude: Subscription | None = None
) -> None:
    """409 if a subscription of the customer (other than `exclude`), whatever its
    status, charges a meter that `plan` charges at some time from `start` on (by a
    plan of its history, its current plan or its pending change): every usage event
    then belongs to exactly one subscription, and a backdated subscription cannot bill
    the events that another one billed (`selectors.plans_held_from`)."""
    wanted = {charge.meter_id for charge in plan_selectors.plan_charges(tenant=tenant, plan=plan)}
    if not wanted:
        return
    held = selectors.plans_held_from(tenant=tenant, customer=customer, start=start, exclude=exclude)
    charges = plan_selectors.charges_by_plan(tenant=tenant, plan_ids={plan_id for _, plan_id in held})
    for other_id, plan_id in held:
        for charge in charges[plan_id]:
            if charge.meter_id in wanted:
                message = SUBSCRIPTION_METER_TAKEN.format(subscription_id=other_id, meter=charge.meter.code)
                raise Conflict({"plan_id": message}, code="meter_taken")


def _check_start_at(start_at: datetime) -> datetime:
    if not START_AT_MIN <= start_at < START_AT_MAX:
        raise Invalid({"start_at": [START_AT_OUT_OF_RANGE]}, code="out_of_range")
    return start_at.astimezone(UTC)


def _check_trial_days(trial_days: int | None) -> None:
    if trial_days is not None and not 0 <= trial_days <= TRIAL_DAYS_MAX:
        raise Invalid({"trial_days": [TRIAL_DAYS_OUT_OF_RANGE]}, code="out_of_range")


_SAVE_STATES_SQL = """
UPDATE subscriptions_subscription AS s
SET status = v.status, period_index = v.period_index, current_period_start = v.period_start,
    current_period_end = v.period_end, canceled_at = v.canceled_at, plan_id = v.plan_id,
    billing_anchor = v.anchor, pending_plan_id = v.pending_plan_id
FROM unnest(%(ids)s::uuid[], %(statuses)s::text[], %(indexes)s::int[], %(starts)s::timestamptz[],
            %(ends)s::timestamptz[], %(canceled)s::timestamptz[], %(plans)s::uuid[], %(anchors)s::timestamptz[],
            %(pending)s::uuid[])
     AS v(id, status, period_index, period_start, period_end, canceled_at, plan_id, anchor, pending_plan_id)
WHERE s.id = v.id AND s.tenant_id = %(tenant)s
"""


def subscriptions_save_state(*, tenant: TenantRef, subscriptions: list[Subscription]) -> int:
    """Store the billing state (status, current period, cancellation, plan and pending
    change) of many subscriptions that the invoice run moved forward, in one UPDATE.

    Django's bulk_update builds a CASE per row and field, which cost more than
    the invoicing itself on a batch of 500.
    """
    if not subscriptions:
        return 0
    params: dict[str, Any] = {
        "tenant": tenant_pk(tenant),
        "ids": array_literal(s.pk for s in subscriptions),
        "statuses": array_literal(s.status for s in subscriptions),
        "indexes": array_literal(s.period_index for s in subscriptions),
        "starts": array_literal(s.current_period_start for s in subscriptions),
        "ends": array_literal(s.current_period_end for s in subscriptions),
        "canceled": array_literal(s.canceled_at for s in subscriptions),
        "plans": array_literal(s.plan_id for s in subscriptions),
        "anchors": array_literal(s.billing_anchor for s in subscriptions),
        "pending": array_literal(s.pending_plan_id for s in subscriptions),
    }
    with connection.cursor() as cursor:
        cursor.execute(_SAVE_STATES_SQL, params)
        return cursor.rowcount


# Plan changes (API.md, "Plan changes"): the rules and the plan history. Billing a
# change is the invoicing engine's (`invoices.plan_changes`).

SUBSCRIPTION_CANCELED = "This subscription is canceled."
CHANGE_SAME_PLAN = "The subscription is already on plan {code!r}."
CHANGE_OTHER_CURRENCY = (
    "Plan {code!r} bills in {currency} and this subscription in {current}; a change keeps the currency."
)
CHANGE_ALREADY_PENDING = (
    "A change to plan {code!r} is already pending for the end of the period; delete it first (DELETE …/pending-change)."
)
CHANGE_WHILE_CANCELING = "The subscription cancels at the end of its period, so it cannot change plans."
NO_PENDING_CHANGE = "This subscription has no pending plan change."
PENDING_CHANGE_IN_EFFECT = (
    "The pending change took effect at the end of the period ({at}); the next invoice run applies it."
)


def subscription_change_target(
    *, tenant: TenantRef, subscription: Subscription, plan_id: uuid.UUID, at: datetime
) -> Plan:
    """The plan that `subscription` may change to from `at` on, or the error that says
    why not: 400 on `plan_id` when it is not a plan of the tenant; 409 when the
    subscription is canceled, cancels at period end or has a change pending, and on
    `plan_id` for the same plan, an inactive one, another currency, or a meter that
    another subscription of the customer holds from `at` on (`meter_taken`)."""
    plan = plan_selectors.plan_get(tenant=tenant, plan_id=plan_id)
    if plan is None:
        raise Invalid({"plan_id": [SUBSCRIPTION_PLAN_NOT_FOUND]}, code="does_not_exist")
    if not subscription.is_live:
        raise Conflict(SUBSCRIPTION_CANCELED, code="subscription_canceled")
    if subscription.cancel_at_period_end:
        raise Conflict(CHANGE_WHILE_CANCELING, code="cancel_at_period_end")
    if subscription.pending_plan is not None:
        raise Conflict(CHANGE_ALREADY_PENDING.format(code=subscription.pending_plan.code), code="change_pending")
    current = subscription.plan
    if plan.pk == current.pk:
        raise Conflict({"plan_id": CHANGE_SAME_PLAN.format(code=plan.code)}, code="same_plan")
    if not plan.active:
        raise Conflict({"plan_id": SUBSCRIPTION_PLAN_INACTIVE.format(code=plan.code)}, code="plan_inactive")
    if plan.currency != current.currency:
        message = CHANGE_OTHER_CURRENCY.format(code=plan.code, currency=plan.currency, current=current.currency)
        raise Conflict({"plan_id": message}, code="currency_mismatch")
    _check_meters_free(tenant, subscription.customer, plan, at, exclude=subscription)
    return plan


@dataclass(frozen=True)
class PlanSwitch:
    """`subscription` moved from `previous_plan_id` to `plan_id` at `at`, where its
    new segment starts (its periods counting from `billing_anchor`)."""

    subscription_id: uuid.UUID
    previous_plan_id: uuid.UUID
    plan_id: uuid.UUID
    at: datetime
    billing_anchor: datetime

    @classmethod
    def of(cls, subscription: Subscription, previous_plan_id: uuid.UUID, at: datetime) -> PlanSwitch:
        """The switch that `subscription.switch_plan(plan, at)` just made."""
        return cls(subscription.pk, previous_plan_id, subscription.plan_id, at, subscription.billing_anchor)


# End the current segment of each subscription at its switch; a current segment that
# starts there (a plan it never had for a moment) is dropped instead.
_END_SEGMENTS_SQL = """
WITH v AS (SELECT * FROM unnest(%(ids)s::uuid[], %(ats)s::timestamptz[]) AS v(id, at)),
dropped AS (
    DELETE FROM subscriptions_subscriptionsegment g USING v
    WHERE g.tenant_id = %(tenant)s AND g.subscription_id = v.id AND g.end_at IS NULL AND g.start_at >= v.at
)
UPDATE subscriptions_subscriptionsegment g SET end_at = v.at FROM v
WHERE g.tenant_id = %(tenant)s AND g.subscription_id = v.id AND g.end_at IS NULL AND g.start_at < v.at
"""


def subscription_segments_switch(*, tenant: TenantRef, switches: Sequence[PlanSwitch]) -> None:
    """Write the plan history of `switches` (in the order they happened): each ends
    its subscription's current segment and starts the next. A statement each for any
    number of subscriptions; a subscription that switched twice takes two rounds."""
    rounds: list[dict[uuid.UUID, PlanSwitch]] = []
    for switch in switches:
        free = next((r for r in rounds if switch.subscription_id not in r), None)
        if free is None:
            rounds.append(free := {})
        free[switch.subscription_id] = switch
    tenant_id = tenant_pk(tenant)
    for batch in rounds:
        params: dict[str, Any] = {
            "tenant": tenant_id, "ids": list(batch), "ats": [s.at for s in batch.values()],
        }  # fmt: skip
        with connection.cursor() as cursor:
            cursor.execute(_END_SEGMENTS_SQL, params)
        SubscriptionSegment.objects.bulk_create(
            SubscriptionSegment(
                tenant_id=tenant_id, subscription_id=s.subscription_id, plan_id=s.plan_id, start_at=s.at,
                billing_anchor=s.billing_anchor,
            )
            for s in batch.values()
        )  # fmt: skip


def subscription_updated_body(subscription: Subscription, previous_plan_id: uuid.UUID) -> dict[str, Any]:
    """`data` of `subscription.updated`: the subscription and the plan it had before."""
    return {**subscription_body(subscription), "previous_plan_id": str(previous_plan_id)}


@transaction.atomic
def subscription_pending_change_delete(*, tenant: TenantRef, subscription_id: uuid.UUID) -> Subscription:
    """Drop the subscription's pending plan change and publish `subscription.updated`.
    404 when it has none; 409 once the period it waited for has ended (the change took
    effect then; the next invoice run applies it)."""
    subscription = selectors.subscription_get_for_update(tenant=tenant, subscription_id=subscription_id)
    if subscription is None:
        raise NotFound(SUBSCRIPTION_NOT_FOUND)
    if subscription.pending_plan_id is None:
        raise NotFound(NO_PENDING_CHANGE)
    if subscription.current_period_end <= clock.now(tenant):
        at = subscription.current_period_end.isoformat()
        raise Conflict(PENDING_CHANGE_IN_EFFECT.format(at=at), code="change_in_effect")
    pending, subscription.pending_plan = subscription.pending_plan_id, None
    subscription.save(update_fields=["pending_plan"])
    changes = {"pending_plan_id": [pending, None]}
    audit_record(tenant=tenant, action="subscription.pending_change_deleted", obj=subscription, changes=changes)
    body = subscription_updated_body(subscription, subscription.plan_id)
    event_publish(tenant=tenant, type=EventType.SUBSCRIPTION_UPDATED, data=body)
    return subscription
