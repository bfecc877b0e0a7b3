"""Customers of a tenant, their subscriptions to plans, and the discounts (coupons
attached) they hold."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from plans.models import TaxRateListEntry, list_entry_constraints, money_field
from subscriptions import periods
from subscriptions.validators import validate_metadata
from tenants.models import TenantOwnedModel

if TYPE_CHECKING:
    from plans.models import Plan


class Customer(TenantOwnedModel):
    """Someone a tenant bills. `external_id` is the tenant's own id for them (usage
    events name the customer by it), unique in the tenant and fixed once created;
    `metadata` is a small free-form JSON object for the tenant's own use.

    Taxes: an exempt customer pays none; otherwise its own rates (`CustomerTaxRate`),
    when it has any, else the tenant's default rates (`plans.DefaultTaxRate`)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    external_id = models.CharField(max_length=255, help_text="The tenant's own id for this customer")
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True, default="")
    metadata = models.JSONField(
        default=dict, blank=True, validators=[validate_metadata], help_text="A JSON object: at most 50 keys and 8 KB"
    )
    tax_exempt = models.BooleanField(default=False, help_text="Pays no tax, whatever the rates")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "external_id"], name="customer_external_id_unique_per_tenant"),
        ]
        indexes = [models.Index(fields=["tenant", "-created_at"], name="customer_tenant_created_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.external_id})"


class CustomerTaxRate(TaxRateListEntry):
    """One of a customer's own tax rates, in order: when a customer has any, they
    replace the tenant's default rates on its invoices."""

    owner = "customer"

    # The unique (customer, tax_rate) index leads with the customer: no index of its own.
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="tax_rate_links", db_index=False)

    class Meta:
        ordering = ["customer", "position"]
        constraints = list_entry_constraints("customer", "customer_tax_rate")


class Subscription(TenantOwnedModel):
    """A customer's subscription to a plan, billed in arrears period by period.

    Periods are counted from `billing_anchor` (`start_at`, or `trial_end` with a trial,
    or the moment of a plan change that changed the interval) by the plan's interval,
    with `subscriptions.periods`; `period_index` is the n of the current period, or
    None while the current period is the trial window `[start_at, trial_end)`. The
    invoice run bills the current period once it has ended and moves to
    `next_period()`, computed from the anchor (never by adding an interval to the last
    end, which would drift at month ends).

    `plan` is the current plan; `segments` is the plan history (`SubscriptionSegment`).
    `pending_plan` is a change for the end of the current period (API.md, "Plan
    changes"): the run that bills the current period switches to it for the next one.
    """

    class Status(models.TextChoices):
        TRIALING = "trialing", "Trialing"
        ACTIVE = "active", "Active"
        PAST_DUE = "past_due", "Past due"
        CANCELED = "canceled", "Canceled"

    LIVE_STATUSES = (Status.TRIALING, Status.ACTIVE, Status.PAST_DUE)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="subscriptions")
    plan = models.ForeignKey("plans.Plan", on_delete=models.PROTECT, related_name="subscriptions")
    status = models.CharField(max_length=20, choices=Status.choices)
    start_at = models.DateTimeField(help_text="When the subscription began (may be in the past for a backfill)")
    trial_end = models.DateTimeField(null=True, blank=True, help_text="End of the free trial; null without one")
    billing_anchor = models.DateTimeField(help_text="What periods count from: trial_end with a trial, else start_at")
    period_index = models.PositiveIntegerField(
        null=True, blank=True, help_text="n of the current period from the anchor; null during the trial"
    )
    current_period_start = models.DateTimeField()
    current_period_end = models.DateTimeField(help_text="Exclusive: periods are [start, end)")
    cancel_at_period_end = models.BooleanField(default=False)
    canceled_at = models.DateTimeField(null=True, blank=True)
    pending_plan = models.ForeignKey(
        "plans.Plan",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The plan the subscription changes to at the end of the current period",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["trialing", "active", "past_due", "canceled"]),
                name="subscription_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(current_period_start__lt=F("current_period_end")),
                name="subscription_period_not_empty",
            ),
            models.CheckConstraint(
                condition=Q(trial_end__isnull=True) | Q(trial_end__gt=F("start_at")),
                name="subscription_trial_ends_after_start",
            ),
            # start_at or trial_end, or later the moment of a plan change to another interval.
            models.CheckConstraint(
                condition=Q(billing_anchor__gte=F("start_at")), name="subscription_anchor_not_before_start"
            ),
            models.CheckConstraint(
                condition=Q(period_index__isnull=False) | Q(trial_end__isnull=False),
                name="subscription_only_trials_have_no_period_index",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "-created_at"], name="subscription_created_idx"),
            models.Index(fields=["customer", "status"], name="subscription_customer_idx"),
            # The invoice run's question: which live subscriptions have a period that ended?
            models.Index(
                fields=["tenant", "current_period_end"],
                condition=~Q(status="canceled"),
                name="subscription_live_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} on {self.plan_id} ({self.status})"

    @property
    def is_live(self) -> bool:
        return self.status != self.Status.CANCELED

    @property
    def in_trial_window(self) -> bool:
        """True while the current period is the free trial window, not a billed period."""
        return self.period_index is None

    def period_bounds(self, n: int) -> tuple[datetime, datetime]:
        """The n-th billed period `[start, end)` (n = 0 starts at the anchor)."""
        return periods.period_bounds(self.billing_anchor, self.plan.interval, n)

    def next_period(self) -> tuple[int, datetime, datetime]:
        """`(n, start, end)` of the period after the current one: period 0 after the
        trial window, else period `period_index + 1`. Its start is always the current
        period's end."""
        n = 0 if self.period_index is None else self.period_index + 1
        start, end = self.period_bounds(n)
        return n, start, end

    def switch_plan(self, plan: Plan, at: datetime) -> None:
        """Move to `plan` from `at` on, in memory (API.md, "Plan changes"). The periods
        keep their anchor when the interval stays, or in a trial (the first period
        starts at `trial_end` whatever the plan); with another interval the anchor
        becomes `at` and a full new period starts there."""
        interval_changes = plan.interval != self.plan.interval
        self.plan = plan
        if interval_changes and not self.in_trial_window:
            self.billing_anchor, self.period_index = at, 0
            self.current_period_start, self.current_period_end = self.period_bounds(0)


class SubscriptionSegment(TenantOwnedModel):
    """One stretch of a subscription's plan history: `plan` from `start_at` to `end_at`
    (exclusive; null for the current segment, which lasts as long as the subscription).
    A plan change ends the current segment and starts the next; every invoice bills a
    window of one segment, and a usage event belongs to the segment live at its
    timestamp, so late usage is priced with that segment's plan.

    `billing_anchor` is what the segment's periods count from (the subscription's
    anchor while the segment was current): with the plan's interval it gives the
    period a window is part of, for prorations.
    """

    id = models.BigAutoField(primary_key=True)
    # The unique (subscription, start_at) index leads with the subscription.
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="segments", db_index=False)
    plan = models.ForeignKey("plans.Plan", on_delete=models.PROTECT, related_name="+")
    start_at = models.DateTimeField()
    end_at = models.DateTimeField(null=True, blank=True, help_text="Exclusive; null: the current segment")
    billing_anchor = models.DateTimeField(help_text="What the segment's periods count from")

    class Meta:
        ordering = ["subscription", "start_at"]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "start_at"], name="segment_start_unique"),
            models.UniqueConstraint(
                fields=["subscription"], condition=Q(end_at__isnull=True), name="segment_one_current"
            ),
            models.CheckConstraint(
                condition=Q(end_at__isnull=True) | Q(end_at__gt=F("start_at")), name="segment_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subscription_id}: {self.plan_id} from {self.start_at}"


class Discount(TenantOwnedModel):
    """A coupon attached to a customer: to all of its subscriptions' invoices, or to one
    subscription's (`subscription`). A customer's discounts apply in the order attached
    (`position`), each on what the earlier ones left (API.md Part 2, "Discounts").

    The invoicing run keeps its state, in the invoice's transaction, under a lock on
    this row: `periods_used` counts the (subscription, billing period) pairs in which it
    discounted something; `amount_remaining` is what a `once` `amount_off` coupon has
    left to give. What it took off each invoice is the invoice's `discount` line (which
    names this discount). It ends (`ended_at`, `end_reason`) when it is used up (`once`
    used, `repeating` after its periods; it still discounts the invoices of the periods
    it counted) or removed (`DELETE`: nothing more). Voids never give a use back.
    """

    class EndReason(models.TextChoices):
        USED = "used", "Used up"
        REMOVED = "removed", "Removed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="discounts", db_index=False)
    subscription = models.ForeignKey(
        Subscription,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="discounts",
        help_text="Null: every subscription of the customer",
    )
    coupon = models.ForeignKey("plans.Coupon", on_delete=models.PROTECT, related_name="discounts")
    position = models.PositiveIntegerField(help_text="Order among the customer's discounts: the order they apply in")
    periods_used = models.PositiveIntegerField(default=0, help_text="(subscription, billing period) pairs discounted")
    amount_remaining = money_field(null=True, blank=True, help_text="once amount_off: what is left to use")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    ended_at = models.DateTimeField(null=True, blank=True, help_text="Business time it was used up or removed")
    end_reason = models.CharField(max_length=10, choices=EndReason.choices, blank=True, default="")

    class Meta:
        ordering = ["customer", "position"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "position"], name="discount_position_unique"),
            # The same coupon once per place at a time (the service also refuses one on a
            # subscription while the customer holds it for every subscription, and back).
            models.UniqueConstraint(
                fields=["customer", "subscription", "coupon"],
                condition=Q(ended_at__isnull=True),
                nulls_distinct=False,
                name="discount_coupon_once_per_place",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True, end_reason="")
                | Q(ended_at__isnull=False, end_reason__in=["used", "removed"]),
                name="discount_end_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.coupon_id} on {self.customer_id}"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None

    @property
    def currency(self) -> str:
        """Its amounts' (the coupon's)."""
        return self.coupon.currency
