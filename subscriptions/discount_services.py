"""Writes of discounts (API.md Part 2, "Discounts (coupons)"): redeem a coupon for a
customer (or one of its subscriptions), end a discount, and store what the invoicing
run did to them.

Locks, always in this order, so that no two writers wait for each other: the
subscription, the customer, the coupon. Redeeming holds them, so two redemptions of
one coupon take turns (`max_redemptions` is never exceeded, however many customers
take the last one at once) and a customer's discounts get their positions (the order
they apply in) one at a time. The invoicing run holds its subscriptions, then locks
the discounts it uses (`subscriptions.selectors.discounts_for_billing`), then the
customers; it never locks a coupon. Ending a discount locks only the discount.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import Max, Q

from audit.services import as_created, audit_record
from plans.models import Coupon
from plans.money import format_price
from subscriptions.models import Customer, Discount, Subscription
from subscriptions.serializers import DiscountOutput
from subscriptions.services import CUSTOMER_NOT_FOUND
from tenants import clock
from tenants.errors import Conflict, Invalid, NotFound
from tenants.formats import format_time
from tenants.models import TenantRef, tenant_pk
from webhooks.models import EventType
from webhooks.services import events_publish

DISCOUNT_NOT_FOUND = "No discount with this id for this customer."
COUPON_UNKNOWN = "No coupon with code {code!r} in this tenant."
DISCOUNT_SUBSCRIPTION_UNKNOWN = "No subscription with this id for this customer."
COUPON_INACTIVE = "Coupon {code!r} is inactive: it takes no new redemptions."
COUPON_EXPIRED = "Coupon {code!r} could be redeemed until {redeem_by}."
COUPON_MAX_REDEMPTIONS = "Coupon {code!r} was redeemed {count} times already, its max_redemptions."
SUBSCRIPTION_CANCELED = "This subscription is canceled: it has no invoices left to discount."
COUPON_OTHER_CURRENCY = "Coupon {code!r} takes {amount} {currency} off, and this subscription is billed in {billed}."
COUPON_OTHER_PLANS = "Coupon {code!r} applies to other plans than this subscription's ({plan!r})."
DISCOUNT_ALREADY_ACTIVE = "Coupon {code!r} is already active there (discount {discount_id}): end it first."
DISCOUNT_ENDED = "This discount ended at {ended_at}."


def _subscription_locked(tenant: TenantRef, customer_id: uuid.UUID, subscription_id: uuid.UUID) -> Subscription | None:
    subs = Subscription.objects.for_tenant(tenant).select_related("plan").select_for_update(no_key=True, of=("self",))
    return subs.filter(pk=subscription_id, customer_id=customer_id).first()


def _customer_locked(tenant: TenantRef, customer_id: uuid.UUID) -> Customer:
    customer = Customer.objects.for_tenant(tenant).select_for_update().filter(pk=customer_id).first()
    if customer is None:
        raise NotFound(CUSTOMER_NOT_FOUND)
    return customer


def _coupon_locked(tenant: TenantRef, coupon_code: str, sub: Subscription | None, sub_wanted: bool) -> Coupon:
    """The coupon, locked; 400 naming `coupon_code` and/or `subscription_id` when the
    tenant (or the customer) has no such thing."""
    coupon = Coupon.objects.for_tenant(tenant).select_for_update().filter(code=coupon_code).first()
    errors = {}
    if coupon is None:
        errors["coupon_code"] = [COUPON_UNKNOWN.format(code=coupon_code)]
    if sub_wanted and sub is None:
        errors["subscription_id"] = [DISCOUNT_SUBSCRIPTION_UNKNOWN]
    if errors:
        raise Invalid(errors, code="does_not_exist")
    assert coupon is not None
    return coupon


def _check_redeemable(tenant: TenantRef, coupon: Coupon) -> None:
    if not coupon.active:
        raise Conflict({"coupon_code": COUPON_INACTIVE.format(code=coupon.code)}, code="coupon_inactive")
    if coupon.redeem_by is not None and clock.now(tenant) > coupon.redeem_by:
        expired = COUPON_EXPIRED.format(code=coupon.code, redeem_by=format_time(coupon.redeem_by))
        raise Conflict({"coupon_code": expired}, code="coupon_expired")
    if coupon.max_redemptions is not None and coupon.times_redeemed >= coupon.max_redemptions:
        reached = COUPON_MAX_REDEMPTIONS.format(code=coupon.code, count=coupon.times_redeemed)
        raise Conflict({"coupon_code": reached}, code="max_redemptions_reached")


def _check_subscription(coupon: Coupon, sub: Subscription) -> None:
    if not sub.is_live:
        raise Conflict({"subscription_id": SUBSCRIPTION_CANCELED}, code="subscription_canceled")
    if coupon.amount_off is not None and coupon.currency != sub.plan.currency:
        amount = format_price(coupon.amount_off, coupon.currency)
        message = COUPON_OTHER_CURRENCY.format(
            code=coupon.code, amount=amount, currency=coupon.currency, billed=sub.plan.currency
        )
        raise Conflict({"subscription_id": message}, code="currency_mismatch")
    if not coupon.applies_to_plan(sub.plan_id):
        message = COUPON_OTHER_PLANS.format(code=coupon.code, plan=sub.plan.code)
        raise Conflict({"subscription_id": message}, code="plan_not_eligible")


def _check_not_active_there(customer: Customer, coupon: Coupon, sub: Subscription | None) -> None:
    """The coupon once per place: not twice on a subscription, nor on one of them while
    the customer holds it for all of them (and the other way round)."""
    overlapping = Q() if sub is None else Q(subscription__isnull=True) | Q(subscription=sub)
    active = customer.discounts.filter(overlapping, coupon=coupon, ended_at__isnull=True).first()
    if active is not None:
        message = DISCOUNT_ALREADY_ACTIVE.format(code=coupon.code, discount_id=active.pk)
        raise Conflict({"coupon_code": message}, code="discount_already_active")


@transaction.atomic
def discount_create(
    *, tenant: TenantRef, customer_id: uuid.UUID, coupon_code: str, subscription_id: uuid.UUID | None = None
) -> Discount:
    """Redeem the coupon `coupon_code` for the customer: for every one of its
    subscriptions' invoices, or for `subscription_id`'s only. It applies after the
    customer's earlier discounts.

    404 for an unknown customer; 400 naming `coupon_code` or `subscription_id` when
    the tenant (or the customer) has no such thing; 409 when the coupon is inactive,
    past `redeem_by`, at `max_redemptions`, when it is already active there, and for
    a subscription that is canceled, billed in another currency than an `amount_off`
    coupon's or on a plan outside its `plan_ids`.
    """
    # The subscription first: the invoicing run holds subscriptions, then customers.
    sub = None if subscription_id is None else _subscription_locked(tenant, customer_id, subscription_id)
    customer = _customer_locked(tenant, customer_id)
    coupon = _coupon_locked(tenant, coupon_code, sub, subscription_id is not None)
    _check_redeemable(tenant, coupon)
    if sub is not None:
        _check_subscription(coupon, sub)
    _check_not_active_there(customer, coupon, sub)
    last = customer.discounts.aggregate(last=Max("position"))["last"]
    once_amount = coupon.duration == Coupon.Duration.ONCE and coupon.amount_off is not None
    discount = Discount.objects.create(
        tenant_id=tenant_pk(tenant),
        customer=customer,
        subscription=sub,
        coupon=coupon,
        position=0 if last is None else last + 1,
        amount_remaining=coupon.amount_off if once_amount else None,
    )
    coupon.times_redeemed += 1
    coupon.save(update_fields=["times_redeemed"])
    changes = as_created(discount, "customer_id", "subscription_id", "coupon_id")
    audit_record(tenant=tenant, action="discount.created", obj=discount, changes=changes)
    return discount


@transaction.atomic
def discount_end(*, tenant: TenantRef, customer_id: uuid.UUID, discount_id: uuid.UUID) -> Discount:
    """End an active discount now (`DELETE`): it discounts no invoice from now on, and
    `discount.ended` is published. What it took off invoices already issued stays;
    404 for another customer's, 409 when it already ended."""
    discount = (
        Discount.objects.for_tenant(tenant)
        .select_for_update(of=("self",))
        .select_related("coupon")
        .filter(pk=discount_id, customer_id=customer_id)
        .first()
    )
    if discount is None:
        raise NotFound(DISCOUNT_NOT_FOUND)
    if discount.ended_at is not None:
        raise Conflict(DISCOUNT_ENDED.format(ended_at=format_time(discount.ended_at)), code="discount_ended")
    discount.ended_at, discount.end_reason = clock.now(tenant), Discount.EndReason.REMOVED
    discount.save(update_fields=["ended_at", "end_reason"])
    audit_record(tenant=tenant, action="discount.ended", obj=discount, changes={"ended_at": [None, discount.ended_at]})
    discounts_publish_ended(tenant=tenant, discounts=[discount])
    return discount


def discounts_publish_ended(*, tenant: TenantRef, discounts: Sequence[Discount]) -> None:
    """`discount.ended` for each discount, as the API shows it."""
    events_publish(tenant=tenant, events=[(EventType.DISCOUNT_ENDED, _body(d)) for d in discounts])


def _body(discount: Discount) -> Any:
    return lambda: DiscountOutput(discount).data


USE_FIELDS = ["periods_used", "amount_remaining", "ended_at", "end_reason"]


def discounts_save_use(*, tenant: TenantRef, discounts: Sequence[Discount], ended: Sequence[Discount]) -> None:
    """Store what an invoicing transaction did to these discounts (locked by it:
    `selectors.discounts_for_billing`): periods used, amount remaining, and the end of
    those it used up (`ended`, among them), for which `discount.ended` is published."""
    if discounts:
        Discount.objects.for_tenant(tenant).bulk_update(discounts, USE_FIELDS)
    if ended:
        discounts_publish_ended(tenant=tenant, discounts=ended)
