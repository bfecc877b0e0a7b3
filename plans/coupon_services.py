"""Writes of coupons (API.md Part 2, "Discounts (coupons)"): create and update.

A coupon is part of the catalog: what a discount takes off and for how long. It is
redeemed by attaching it to a customer (`subscriptions.discount_services`), which
counts `times_redeemed` under a lock on the coupon's row.

Rules the input serializer cannot state are `Invalid` errors naming the field, with
a code of their own (the fuzz test lists them); a duplicate code is a 409.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from audit.services import as_created, audit_record, audited_update
from plans.models import Coupon, Plan
from plans.money import quantize_money
from plans.services import violates
from tenants import clock
from tenants.errors import Conflict, Invalid, Message, NotFound
from tenants.models import TenantRef, tenant_pk
from tenants.validators import currency_exponent

COUPON_NOT_FOUND = "No such coupon."
COUPON_CODE_TAKEN = "A coupon with this code already exists in this tenant."
PERCENT_OR_AMOUNT = "Give exactly one of percent_off and amount_off."
NOT_POSITIVE = "{field} must be above 0."
CURRENCY_REQUIRED = "currency is required with amount_off: the amount is in it."
CURRENCY_NOT_ALLOWED = "currency goes with amount_off only: a percentage has no currency."
AMOUNT_TOO_PRECISE = "amount_off has more decimal places than {currency} has ({places})."
PERIODS_REQUIRED = "duration_in_periods (1 or more) is required for a repeating coupon."
PERIODS_NOT_ALLOWED = "duration_in_periods applies to repeating coupons only."
REDEEM_BY_PAST = "redeem_by must be in the future: after it the coupon cannot be redeemed."
UNKNOWN_PLAN = "No plan with id {plan_id} in this tenant."
PLAN_LISTED_TWICE = "Plan {plan_id} is listed twice."
COUPON_IMMUTABLE = "{field} of a coupon never changes: create a new coupon instead."
COUPON_FIELDS = ("code", "percent_off", "amount_off", "currency", "duration", "duration_in_periods")
COUPON_EDITABLE_FIELDS = ("name", "active")
COUPON_FIXED_FIELDS = Coupon.TERMS

Errors = dict[str, Any]


def _add(errors: Errors, field: str, text: str, code: str) -> None:
    errors.setdefault(field, []).append(Message(text, code=code))


def _amount_errors(
    errors: Errors, percent_off: Decimal | None, amount_off: Decimal | None, currency: str | None
) -> None:
    if (percent_off is None) == (amount_off is None):
        _add(errors, "percent_off" if percent_off is None else "amount_off", PERCENT_OR_AMOUNT, "percent_or_amount")
    for field, value in (("percent_off", percent_off), ("amount_off", amount_off)):
        if value is not None and value <= 0:
            _add(errors, field, NOT_POSITIVE.format(field=field), "not_positive")
    if amount_off is not None and not currency:
        _add(errors, "currency", CURRENCY_REQUIRED, "required")
    elif amount_off is None and currency:
        _add(errors, "currency", CURRENCY_NOT_ALLOWED, "not_allowed")
    elif amount_off is not None and currency and quantize_money(amount_off, currency) != amount_off:
        places = currency_exponent(currency)
        _add(errors, "amount_off", AMOUNT_TOO_PRECISE.format(currency=currency, places=places), "too_precise")


def _duration_errors(errors: Errors, duration: str, duration_in_periods: int | None) -> None:
    if duration == Coupon.Duration.REPEATING and duration_in_periods is None:
        _add(errors, "duration_in_periods", PERIODS_REQUIRED, "required")
    elif duration != Coupon.Duration.REPEATING and duration_in_periods is not None:
        _add(errors, "duration_in_periods", PERIODS_NOT_ALLOWED, "not_allowed")


def _plan_errors(errors: Errors, tenant: TenantRef, plan_ids: Sequence[uuid.UUID]) -> None:
    """Each unknown or repeated plan at its place: `plan_ids.2`."""
    known = set(Plan.objects.for_tenant(tenant).filter(pk__in=set(plan_ids)).values_list("pk", flat=True))
    wrong = {}
    for index, plan_id in enumerate(plan_ids):
        if plan_id not in known:
            wrong[str(index)] = [Message(UNKNOWN_PLAN.format(plan_id=plan_id), code="does_not_exist")]
        elif plan_id in plan_ids[:index]:
            wrong[str(index)] = [Message(PLAN_LISTED_TWICE.format(plan_id=plan_id), code="duplicate")]
    if wrong:
        errors["plan_ids"] = wrong


def coupon_create(
    *,
    tenant: TenantRef,
    code: str,
    name: str,
    duration: str,
    percent_off: Decimal | None = None,
    amount_off: Decimal | None = None,
    currency: str | None = None,
    duration_in_periods: int | None = None,
    max_redemptions: int | None = None,
    redeem_by: datetime | None = None,
    plan_ids: Sequence[uuid.UUID] = (),
) -> Coupon:
    """Create a coupon: exactly one of `percent_off` (0 < p ≤ 100) and `amount_off`
    (> 0, with `currency`, in its minor unit); `duration_in_periods` for (and only
    for) `repeating`; `redeem_by` in the future (the tenant's clock); `plan_ids`
    plans of the tenant. Every rule broken is a 400 naming its field; a code the
    tenant already has is a 409 (the unique constraint decides)."""
    errors: Errors = {}
    _amount_errors(errors, percent_off, amount_off, currency)
    _duration_errors(errors, duration, duration_in_periods)
    if redeem_by is not None and redeem_by <= clock.now(tenant):
        _add(errors, "redeem_by", REDEEM_BY_PAST, "in_the_past")
    _plan_errors(errors, tenant, plan_ids)
    if errors:
        raise Invalid(errors)
    coupon = Coupon(
        tenant_id=tenant_pk(tenant),
        code=code,
        name=name,
        percent_off=percent_off,
        amount_off=amount_off,
        currency=currency or "",
        duration=duration,
        duration_in_periods=duration_in_periods,
        max_redemptions=max_redemptions,
        redeem_by=redeem_by,
        plan_ids=list(plan_ids),
    )
    try:
        with transaction.atomic():
            coupon.save(force_insert=True)
            audit_record(tenant=tenant, action="coupon.created", obj=coupon, changes=as_created(coupon, *COUPON_FIELDS))
    except IntegrityError as exc:
        if violates(exc, "plans_coupon_unique_code"):
            raise Conflict({"code": COUPON_CODE_TAKEN}, code="coupon_code_taken") from exc
        raise
    return coupon


def coupon_update(*, tenant: TenantRef, coupon: Coupon, data: Mapping[str, Any]) -> Coupon:
    """Change `name` and/or `active` (an inactive coupon takes no new redemptions;
    discounts already attached keep applying). Any other field is a 400 naming it,
    even with its current value: what a coupon gives never changes."""
    if coupon.tenant_id != tenant_pk(tenant):
        raise NotFound(COUPON_NOT_FOUND)
    fixed = {f: [Message(COUPON_IMMUTABLE.format(field=f), code="immutable")] for f in COUPON_FIXED_FIELDS if f in data}
    if fixed:
        raise Invalid(fixed)
    return audited_update(tenant=tenant, instance=coupon, fields=COUPON_EDITABLE_FIELDS, data=data)
