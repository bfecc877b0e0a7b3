"""Exactly once with plan changes (issue #13 item 3), on real threads and commits: a
change racing an invoice run, or another change of the same subscription, bills each
segment once. The subscription row is the lock (`subscription_get_locked`); the run
skips locked rows and re-reads what it locks.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from decimal import Decimal

import pytest

from invoices.models import Invoice
from invoices.plan_changes import subscription_change
from invoices.services import invoice_due_subscriptions
from subscriptions.models import Subscription, SubscriptionSegment
from subscriptions.tests.factories import SubscriptionFactory
from tenants.tests.utils import at, at_once, failures
from usage.tests.factories import use

SUBSCRIPTIONS = 6
CHANGE_AT = at(2026, 2, 8)  # a week into February: 7 of its 28 days


def windows(sub) -> list[tuple[str, datetime, datetime]]:
    invoices = Invoice.objects.filter(subscription=sub).order_by("period_start")
    return [(i.billing_reason, i.period_start, i.period_end) for i in invoices]


def assert_segments_follow_each_other(sub) -> list[str]:
    """The plan history has no gap and no overlap, and ends with the current plan."""
    rows = list(SubscriptionSegment.objects.filter(subscription=sub).order_by("start_at").select_related("plan"))
    assert [r.end_at for r in rows[:-1]] == [r.start_at for r in rows[1:]]
    assert rows[-1].end_at is None
    assert rows[-1].plan_id == Subscription.objects.get(pk=sub.pk).plan_id
    return [r.plan.code for r in rows]


@pytest.mark.django_db(transaction=True)
def test_changes_racing_a_run_bill_each_segment_once(tenant, basic, pro):
    subs = [SubscriptionFactory(tenant=tenant, plan=basic, start_at=at(2026, 1, 1)) for _ in range(SUBSCRIPTIONS)]
    for sub in subs:
        use(sub, "api_calls", "100", at(2026, 1, 20))
        use(sub, "api_calls", "300", at(2026, 2, 3))

    def change(sub):
        return lambda: subscription_change(
            tenant=tenant.id, subscription_id=sub.id, plan_id=pro.id, effective="now", now=CHANGE_AT
        )

    def invoice_run():
        invoice_due_subscriptions(tenant=tenant.id, as_of=CHANGE_AT, batch_size=2)

    assert failures(at_once([invoice_run, *(change(s) for s in subs), invoice_run], tenant=tenant)) == []
    # Whoever came first, January is billed once on Basic, then Basic's week of February.
    for sub in subs:
        assert windows(sub) == [
            ("period", at(2026, 1, 1), at(2026, 2, 1)),
            ("plan_change", at(2026, 2, 1), CHANGE_AT),
        ]
        assert assert_segments_follow_each_other(sub) == ["basic", "pro"]
    totals = Counter(Invoice.objects.values_list("billing_reason", "total"))
    # 19.00 + 100 × 0.01; 19.00 × 7 / 28 = 4.75 + 300 × 0.01
    assert totals == {("period", Decimal("20.00")): SUBSCRIPTIONS, ("plan_change", Decimal("7.75")): SUBSCRIPTIONS}
    numbers = sorted(Invoice.objects.values_list("number", flat=True))
    assert numbers == [f"INV-{n:06d}" for n in range(1, 2 * SUBSCRIPTIONS + 1)]


@pytest.mark.django_db(transaction=True)
def test_two_changes_of_one_subscription_at_once_bill_its_segment_once(tenant, basic, pro, pro_yearly):
    subs = [SubscriptionFactory(tenant=tenant, plan=basic, start_at=at(2026, 1, 1)) for _ in range(3)]

    def change(sub, plan):
        return lambda: subscription_change(
            tenant=tenant.id, subscription_id=sub.id, plan_id=plan.id, effective="now", now=at(2026, 1, 16, 12)
        )

    assert failures(at_once([change(s, p) for s in subs for p in (pro, pro_yearly)], tenant=tenant)) == []
    for sub in subs:
        # The first change bills Basic's half of January; the second starts where the
        # first did, so it bills nothing and its plan replaces the first's.
        assert windows(sub) == [("plan_change", at(2026, 1, 1), at(2026, 1, 16, 12))]
        history = assert_segments_follow_each_other(sub)
        assert history in (["basic", "pro"], ["basic", "pro_yearly"])
    assert Invoice.objects.filter(total=Decimal("9.50")).count() == len(subs)


@pytest.mark.django_db(transaction=True)
def test_a_period_end_change_racing_the_run_takes_effect_once(tenant, basic, pro):
    subs = [SubscriptionFactory(tenant=tenant, plan=basic, start_at=at(2026, 1, 1)) for _ in range(SUBSCRIPTIONS)]
    for sub in subs:
        subscription_change(
            tenant=tenant.id, subscription_id=sub.id, plan_id=pro.id, effective="period_end", now=at(2026, 1, 20)
        )

    def invoice_run():
        invoice_due_subscriptions(tenant=tenant.id, as_of=at(2026, 3, 1), batch_size=2)

    assert failures(at_once([invoice_run, invoice_run, invoice_run], tenant=tenant)) == []
    for sub in subs:
        assert windows(sub) == [("period", at(2026, 1, 1), at(2026, 2, 1)), ("period", at(2026, 2, 1), at(2026, 3, 1))]
        assert assert_segments_follow_each_other(sub) == ["basic", "pro"]
    assert Counter(Invoice.objects.values_list("total", flat=True)) == {
        Decimal("19.00"): SUBSCRIPTIONS,
        Decimal("49.00"): SUBSCRIPTIONS,
    }
