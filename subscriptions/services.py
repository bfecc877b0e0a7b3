"""Writes of the subscriptions app: customers and subscriptions.

Every service takes `*, tenant` first and stamps or checks it; none reads a request.
Errors are the domain errors of `tenants.errors` with module-level message constants,
so the API renders them as they are and the tests assert the very texts.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, connection, transaction

from plans import selectors as plan_selectors
from plans import services as plan_services
from plans.models import Plan, TaxRate
from subscriptions import periods, selectors
from subscriptions.models import Customer, CustomerTaxRate, Subscription
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
    except IntegrityError as exc:
        taken = CUSTOMER_EXTERNAL_ID_TAKEN.format(external_id=external_id)
        raise Conflict({"external_id": taken}, code="external_id_taken") from exc
    return customer


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
    if "tax_rates" in data:
        rates = plan_services.tax_rates_from_codes(tenant=tenant, codes=data["tax_rates"], field="tax_rates")
        # Under the customer's lock: concurrent replacements take turns.
        Customer.objects.select_for_update().filter(pk=customer.pk).first()
        _set_tax_rates(customer, rates)
    customer = model_update(instance=customer, fields=CUSTOMER_UPDATABLE_FIELDS, data=changes)[0]
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


def _check_meters_free(tenant: TenantRef, customer: Customer, plan: Plan, start: datetime) -> None:
    """409 if a subscription of the customer, whatever its status, charges a meter that
    `plan` charges during the life [start, ∞) of the new one: every usage event then
    belongs to exactly one subscription, and a backdated subscription cannot bill the
    events that another one billed (`selectors.subscription_list_overlapping`)."""
    wanted = {charge.meter_id for charge in plan_selectors.plan_charges(tenant=tenant, plan=plan)}
    if not wanted:
        return
    overlapping = selectors.subscription_list_overlapping(tenant=tenant, customer=customer, start=start)
    others = list(overlapping.order_by("created_at"))
    charges = plan_selectors.charges_by_plan(tenant=tenant, plan_ids={s.plan_id for s in others})
    for other in others:
        for charge in charges[other.plan_id]:
            if charge.meter_id in wanted:
                message = SUBSCRIPTION_METER_TAKEN.format(subscription_id=other.pk, meter=charge.meter.code)
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
    current_period_end = v.period_end, canceled_at = v.canceled_at
FROM unnest(%(ids)s::uuid[], %(statuses)s::text[], %(indexes)s::int[], %(starts)s::timestamptz[],
            %(ends)s::timestamptz[], %(canceled)s::timestamptz[])
     AS v(id, status, period_index, period_start, period_end, canceled_at)
WHERE s.id = v.id AND s.tenant_id = %(tenant)s
"""


def subscriptions_save_state(*, tenant: TenantRef, subscriptions: list[Subscription]) -> int:
    """Store the billing state (status, current period, cancellation) of many
    subscriptions that the invoice run moved forward, in one UPDATE.

    Django's bulk_update builds a CASE per row and field, which cost more than
    the invoicing itself on a batch of 500.
    """
    if not subscriptions:
        return 0
    params: dict[str, Any] = {
        "tenant": tenant_pk(tenant),
        "ids": [s.pk for s in subscriptions],
        "statuses": [s.status for s in subscriptions],
        "indexes": [s.period_index for s in subscriptions],
        "starts": [s.current_period_start for s in subscriptions],
        "ends": [s.current_period_end for s in subscriptions],
        "canceled": [s.canceled_at for s in subscriptions],
    }
    with connection.cursor() as cursor:
        cursor.execute(_SAVE_STATES_SQL, params)
        return cursor.rowcount
