"""What the customer's discounts take off an invoice (API.md Part 2, "Discounts (coupons)").

A `DiscountBook` holds the discounts of a batch's customers (`subscriptions.Discount`,
with their coupons) and what each already took off in the billing periods the bills
belong to, read from the `discount` lines of earlier invoices (voided ones included:
a void never gives a use back). For each bill, in order, `offers` says what the
discounts offer the totals (in the order attached): a `PercentOff`, or an amount
(`amount_off` less what the discount took in this (subscription, billing period),
never more than a `once` coupon's `amount_remaining`); `invoices.totals` caps each at
what is left of the base. `use` then books what they took: the `discount` lines,
`periods_used` (a (subscription, billing period) pair counts once, when the discount
first takes something in it), `amount_remaining`, and the end of a discount used up
(a `once` coupon used, or its amount; a `repeating` one after its periods: it still
discounts the other invoices of the periods it counted). Nothing is stored until
`save`; a preview never saves.

A discount offers nothing to an invoice that is not a `period`, `plan_change`,
`cancellation` or `threshold` one, of another subscription than its own, of a plan
(the bill's segment's) outside its coupon's `plan_ids`, or (`amount_off`) in another
currency.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Sum

from invoices.calculation import LineDraft
from invoices.models import Invoice, InvoiceLine
from invoices.totals import PercentOff
from plans.models import Coupon, Plan
from subscriptions.discount_services import discounts_save_use
from subscriptions.models import Discount
from subscriptions.selectors import discounts_for_billing
from tenants.models import TenantRef

if TYPE_CHECKING:
    from invoices.billing import Bill

Reason = Invoice.BillingReason
DISCOUNTED_REASONS = frozenset({Reason.PERIOD, Reason.PLAN_CHANGE, Reason.CANCELLATION, Reason.THRESHOLD})
ZERO = Decimal(0)
# (discount, subscription, billing period start): where an amount_off is capped.
PeriodKey = tuple[uuid.UUID, uuid.UUID, datetime]


@dataclass(frozen=True)
class Offer:
    discount: Discount
    off: Decimal | PercentOff


@dataclass
class DiscountBook:
    now: datetime
    discounts: dict[uuid.UUID, list[Discount]] = field(default_factory=dict)  # by customer, in order
    taken: dict[PeriodKey, Decimal] = field(default_factory=dict)  # Σ taken off, positive
    changed: dict[uuid.UUID, Discount] = field(default_factory=dict)
    ended: list[Discount] = field(default_factory=list)

    def offers(self, bill: Bill) -> list[Offer]:
        """What the customer's discounts offer this bill, in the order they apply."""
        if bill.reason not in DISCOUNTED_REASONS:
            return []
        sub, period_start = bill.subscription, bill.billing_period[0]
        found = []
        for discount in self.discounts.get(sub.customer_id, []):
            off = self._off(discount, bill.plan, (discount.pk, sub.pk, period_start))
            if off is not None:
                found.append(Offer(discount, off))
        return found

    def _off(self, discount: Discount, plan: Plan, key: PeriodKey) -> Decimal | PercentOff | None:
        """What `discount` offers a bill of `plan` (the bill's segment's) keyed `key`."""
        coupon = discount.coupon
        if discount.subscription_id not in (None, key[1]) or not coupon.applies_to_plan(plan.pk):
            return None
        if discount.ended_at is not None and not _counted_period(discount, key in self.taken):
            return None
        if coupon.percent_off is not None:
            return PercentOff(coupon.percent_off)
        if coupon.currency != plan.currency or coupon.amount_off is None:
            return None
        left = coupon.amount_off - self.taken.get(key, ZERO)
        if discount.amount_remaining is not None:
            left = min(left, discount.amount_remaining)
        return left if left > 0 else None

    def use(self, bill: Bill, offers: Sequence[Offer], taken: Sequence[Decimal]) -> list[LineDraft]:
        """Book what each offer took off the bill (the totals' `discounts`, in the same
        order) and return the bill's `discount` lines (negative)."""
        sub = bill.subscription
        start, end = bill.billing_period
        lines = []
        for offer, amount in zip(offers, taken, strict=True):
            if amount <= 0:
                continue  # nothing to discount: nothing used
            discount = offer.discount
            key = (discount.pk, sub.pk, start)
            if key not in self.taken:
                discount.periods_used += 1
            self.taken[key] = self.taken.get(key, ZERO) + amount
            if discount.amount_remaining is not None:
                discount.amount_remaining -= amount
            self.changed[discount.pk] = discount
            if discount.ended_at is None and _used_up(discount):
                discount.ended_at, discount.end_reason = self.now, Discount.EndReason.USED
                self.ended.append(discount)
            lines.append(
                LineDraft(
                    kind=InvoiceLine.Kind.DISCOUNT,
                    description=_description(discount.coupon),
                    quantity=Decimal(1),
                    amount=-amount,
                    period_start=start,
                    period_end=end,
                    discount_id=discount.pk,
                )
            )
        return lines

    def save(self, *, tenant: TenantRef) -> None:
        """Store what the bills did to the discounts, in the caller's transaction."""
        discounts_save_use(tenant=tenant, discounts=list(self.changed.values()), ended=self.ended)


def _counted_period(discount: Discount, counted: bool) -> bool:
    """Whether an ended discount still applies: a repeating one used up discounts the
    other invoices of the periods it counted; one removed, or a `once` one used, no
    invoice at all."""
    used = discount.end_reason == Discount.EndReason.USED
    return used and discount.coupon.duration == Coupon.Duration.REPEATING and counted


def _used_up(discount: Discount) -> bool:
    coupon = discount.coupon
    if coupon.duration == Coupon.Duration.ONCE:
        return discount.amount_remaining is None or discount.amount_remaining <= 0
    if coupon.duration == Coupon.Duration.REPEATING:
        return discount.periods_used >= (coupon.duration_in_periods or 0)
    return False


def _description(coupon: Coupon) -> str:
    """ "Launch (launch20): 20 % off", "Welcome (welcome10): 10.00 USD off"."""
    return f"{coupon.name} ({coupon.code}): {coupon.off} off"


def discount_book(*, tenant: TenantRef, bills: Iterable[Bill], now: datetime, lock: bool) -> DiscountBook:
    """The discounts of the bills' customers, with what they took in the bills' billing
    periods. With `lock` (the run, a cancellation) their rows are locked until the
    transaction ends: take it before the customers' locks (`billing.lock_customers`)."""
    bills = [b for b in bills if b.reason in DISCOUNTED_REASONS]
    book = DiscountBook(now=now)
    if not bills:
        return book
    starts = {b.billing_period[0] for b in bills}
    # A repeating discount used up still discounts the periods it counted: those end
    # after it did (never before the earliest of these periods starts).
    found = discounts_for_billing(
        tenant=tenant, customer_ids={b.subscription.customer_id for b in bills}, ended_since=min(starts), lock=lock
    )
    if not found:
        return book
    for discount in found:
        book.discounts.setdefault(discount.customer_id, []).append(discount)
    book.taken = _taken(tenant, [d.pk for d in found], starts)
    return book


def _taken(tenant: TenantRef, discount_ids: list[uuid.UUID], starts: set[datetime]) -> dict[PeriodKey, Decimal]:
    """What these discounts took off per (subscription, billing period) among `starts`."""
    rows = (
        InvoiceLine.objects.for_tenant(tenant)
        .filter(discount_id__in=discount_ids, period_start__in=starts)
        .values_list("discount_id", "invoice__subscription_id", "period_start")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    taken: dict[PeriodKey, Decimal] = defaultdict(lambda: ZERO)
    for discount_id, sub_id, start, total in rows:
        taken[(discount_id, sub_id, start)] -= total
    return dict(taken)
