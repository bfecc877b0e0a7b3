"""The rollups of metrics 0004 against the full computation they replace, on random
histories: the per-subscription MRR rows (summed by the view) against metrics 0002's
view query, and revenue by month from the monthly rollup against grouping the invoices
(the selector as it was before the rollup), for random ranges. Two tenants built alike,
so each one's figures must be its own. Also: the refresh recomputes only what changed,
the backfill and check command, and threshold invoices' usage counted once."""

from __future__ import annotations

import contextlib
import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from importlib import import_module

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Case, F, Sum, Value, When
from django.db.models.functions import TruncMonth

from invoices.credit_notes import CreditNoteRequest, credit_note_create
from invoices.models import Invoice, InvoiceLine
from invoices.plan_changes import NOW, PERIOD_END, subscription_change
from invoices.progressive import thresholds_check
from invoices.services import invoice_mark_uncollectible, invoice_void, subscription_cancel
from invoices.tests.factories import run
from metrics.models import RevenueSnapshot
from metrics.selectors import CurrencyRevenue, MonthRevenue, months_between, mrr_for_tenant, revenue_by_month
from metrics.services import revenue_metrics_refresh, revenue_rollups_check
from plans.tests.factories import CouponFactory
from subscriptions.discount_services import discount_create, discount_end
from subscriptions.models import Discount, Subscription
from subscriptions.tests.factories import CustomerFactory, SubscriptionFactory
from tenants.errors import DomainError
from tenants.tests.utils import at
from usage.tests.factories import use

from .helpers import invoice_of, plan_with_usage, refresh

pytestmark = pytest.mark.django_db

_VIEW_0002 = import_module("metrics.migrations.0002_committed_net_of_discounts").CREATE_VIEW
# metrics 0002's view query, run as a plain SELECT: the full computation of MRR.
OLD_MRR_SQL = _VIEW_0002.split("AS\n", 1)[1].split("WITH DATA;")[0]


def old_mrr(tenant_id) -> dict[str, tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM ({OLD_MRR_SQL}) AS v WHERE tenant_id = %s", [tenant_id])  # noqa: S608
        columns = [c.name for c in cursor.description]
        rows = [dict(zip(columns, r, strict=True)) for r in cursor.fetchall()]
    return {r["currency"]: tuple(r[c] for c in columns if c not in ("tenant_id", "currency")) for r in rows}


def view_mrr(tenant_id) -> dict[str, tuple]:
    return {
        r.currency: (
            r.committed_mrr, r.usage_mrr, r.mrr, r.arr, r.active_subscriptions, r.trialing_subscriptions,
        )
        for r in RevenueSnapshot.objects.for_tenant(tenant_id)
    }  # fmt: skip


_NET_OF_TAX = Case(When(total__gt=0, then=F("total") - F("tax")), default=Value(Decimal(0)))


def old_revenue(tenant_id, start: datetime, end: datetime) -> list[CurrencyRevenue]:
    """Revenue by month as the selector computed it before the rollup: grouping the invoices."""
    invoices = Invoice.objects.for_tenant(tenant_id)
    invoiced = (
        invoices.filter(status__in=("open", "paid", "uncollectible"), issued_at__gte=start, issued_at__lt=end)
        .exclude(billing_reason=Invoice.BillingReason.CREDIT_PURCHASE)
        .annotate(month=TruncMonth("issued_at", tzinfo=UTC))
        .values_list("currency", "month")
        .annotate(amount=Sum(_NET_OF_TAX))
        .order_by()
    )
    paid = (
        invoices.filter(status=Invoice.Status.PAID, paid_at__gte=start, paid_at__lt=end)
        .annotate(month=TruncMonth("paid_at", tzinfo=UTC))
        .values_list("currency", "month")
        .annotate(amount=Sum("total"))
        .order_by()
    )
    sums: dict[str, dict[datetime, list[Decimal]]] = defaultdict(dict)
    for column, rows in enumerate((invoiced, paid)):
        for currency, month, amount in rows:
            sums[currency].setdefault(month, [Decimal(0), Decimal(0)])[column] = amount
    zero = [Decimal(0), Decimal(0)]
    return [
        CurrencyRevenue(currency, [MonthRevenue(m, *sums[currency].get(m, zero)) for m in months_between(start, end)])
        for currency in sorted(sums)
    ]


def random_ranges(rng: random.Random, count: int) -> list[tuple[datetime, datetime]]:
    """Whole months and ranges cut anywhere, within and around the history (2025-12 to 2026-08)."""
    base = at(2025, 12, 1)
    ranges = [(at(2026, 1, 1), at(2027, 1, 1)), (at(2025, 12, 15, 12), at(2026, 8, 1))]
    for _ in range(count):
        a = base + timedelta(hours=rng.randrange(0, 24 * 250))
        b = a + timedelta(hours=rng.randrange(1, 24 * 200))
        if rng.random() < 0.3:
            a = a.replace(day=1, hour=0)
        ranges.append((a, b))
    return ranges


def assert_same_revenue(tenants, rng: random.Random) -> None:
    for tenant in tenants:
        for start, end in random_ranges(rng, 4):
            assert revenue_by_month(tenant=tenant, start=start, end=end) == old_revenue(tenant.id, start, end), (
                start,
                end,
            )


def assert_same(tenants, rng: random.Random) -> int:
    """Revenue with deltas still pending (as fresh as the invoices), then after a
    refresh folded them; MRR after the refresh (as of it, like the view always was)."""
    pending = _count("metrics_revenuedelta")
    assert_same_revenue(tenants, rng)
    revenue_metrics_refresh()
    assert (_count("metrics_revenuedelta"), _count("metrics_mrrmark")) == (0, 0)
    for tenant in tenants:
        assert view_mrr(tenant.id) == old_mrr(tenant.id)
    assert_same_revenue(tenants, rng)
    return pending


def _count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608
        return cursor.fetchone()[0]


def build_book(tenant, rng: random.Random):
    plans = [
        plan_with_usage(tenant, code="monthly", amount="49.00"),
        plan_with_usage(tenant, code="big", amount="99.00"),
        plan_with_usage(tenant, code="yearly", amount="1200.00", interval="year"),
        plan_with_usage(tenant, code="eur", amount="20.00", currency="EUR"),
        plan_with_usage(tenant, code="eur_big", amount="35.50", currency="EUR"),
    ]
    CouponFactory(
        tenant=tenant, code="tenoff", duration="forever", percent_off=None, amount_off=Decimal("10.00"), currency="USD"
    )
    CouponFactory(tenant=tenant, code="half", duration="repeating", duration_in_periods=2, percent_off=Decimal("50"))
    subs = []
    for _ in range(4):
        customer = CustomerFactory(tenant=tenant)
        for _ in range(rng.randint(1, 2)):  # several subscriptions per customer
            plan = rng.choice(plans)
            trial = rng.choice([0, 0, 0, 20])
            start = at(2026, 1, rng.randint(1, 20))
            subs.append(
                SubscriptionFactory(tenant=tenant, customer=customer, plan=plan, start_at=start, trial_days=trial)
            )
    return plans, subs


def random_step(tenant, plans, subs, rng: random.Random, now: datetime) -> None:
    """One random thing that moves MRR or revenue, through the services where they exist."""
    action = rng.choice(
        [
            "usage",
            "usage",
            "void",
            "uncollectible",
            "credit_note",
            "pay",
            "cancel",
            "change",
            "discount",
            "end_discount",
        ]
    )
    invoices = list(Invoice.objects.for_tenant(tenant).filter(issued_at__lte=now).order_by("number"))
    open_invoices = [i for i in invoices if i.status == "open"]
    live = [s for s in Subscription.objects.for_tenant(tenant).filter(pk__in=[s.pk for s in subs]) if s.is_live]
    if action == "usage" and live:
        sub = rng.choice(live)
        use(sub, "storage_gb", str(rng.randint(1, 500)), now - timedelta(days=rng.randint(0, 20)))
    elif action == "void" and open_invoices:
        invoice_void(tenant=tenant, invoice_id=rng.choice(open_invoices).id)
    elif action == "uncollectible" and open_invoices:
        invoice_mark_uncollectible(tenant=tenant, invoice_id=rng.choice(open_invoices).id)
    elif action == "credit_note" and open_invoices:
        invoice = rng.choice([i for i in open_invoices if i.total > 1] or open_invoices)
        if invoice.total >= Decimal("1.00"):
            credit_note_create(
                tenant=tenant.id,
                invoice_id=invoice.id,
                request=CreditNoteRequest(amount=Decimal("1.00"), reason="other"),
            )
    elif action == "pay" and open_invoices:
        # What the payment webhook's service writes for a paid invoice (payments tests cover that path).
        invoice = rng.choice(open_invoices)
        paid_at = invoice.issued_at + timedelta(days=rng.randint(0, 45))
        Invoice.objects.filter(pk=invoice.pk).update(
            status="paid", paid_at=paid_at, amount_paid=F("amount_due"), amount_due=0
        )
    elif action == "cancel" and live:
        sub = rng.choice(live)
        subscription_cancel(tenant=tenant.id, subscription_id=sub.id, at_period_end=rng.random() < 0.5, now=now)
    elif action == "change" and live:
        sub = rng.choice([s for s in live if not s.cancel_at_period_end and s.pending_plan_id is None] or [None])
        if sub is not None:
            targets = [p for p in plans if p.currency == sub.plan.currency and p.pk != sub.plan_id]
            effective = rng.choice([NOW, PERIOD_END])
            subscription_change(
                tenant=tenant.id, subscription_id=sub.id, plan_id=rng.choice(targets).id, effective=effective, now=now
            )
    elif action == "discount" and live:
        sub = rng.choice(live)
        discount_create(
            tenant=tenant.id,
            customer_id=sub.customer_id,
            coupon_code=rng.choice(["tenoff", "half"]),
            subscription_id=rng.choice([None, sub.id]),
        )
    elif action == "end_discount":
        active = list(Discount.objects.for_tenant(tenant).filter(ended_at__isnull=True))
        if active:
            discount = rng.choice(active)
            discount_end(tenant=tenant.id, customer_id=discount.customer_id, discount_id=discount.id)
    if rng.random() < 0.15 and live:  # a failed payment: past_due (as the payment webhook's service sets it)
        Subscription.objects.filter(pk=rng.choice(live).pk, status="active").update(status="past_due")


@pytest.mark.parametrize("seed", range(4))
def test_rollups_equal_the_full_computation_on_random_histories(tenant, other_tenant, seed):
    rng = random.Random(seed)
    books = {t.pk: (t, *build_book(t, rng)) for t in (tenant, other_tenant)}
    checked = pending = 0
    for month in range(2, 8):
        first = at(2026, month, 1)
        for t in (tenant, other_tenant):
            run(t, first)
        for day in (3, 12, 24):
            now = first + timedelta(days=day - 1)
            for t, plans, subs in books.values():
                for _ in range(rng.randint(1, 3)):
                    # a 409 of a service (a conflict, not billable) changes nothing
                    with time_machine.travel(now, tick=False), contextlib.suppress(DomainError):
                        random_step(t, plans, subs, rng, now)
            if rng.random() < 0.5:
                pending += assert_same([tenant, other_tenant], rng)
                checked += 1
    assert_same([tenant, other_tenant], rng)
    assert revenue_rollups_check() == []
    # The histories were not trivial: invoices of every status, several currencies.
    statuses = set(Invoice.objects.filter(tenant__in=[tenant, other_tenant]).values_list("status", flat=True))
    assert {"open", "paid"} <= statuses
    assert checked >= 1 and pending > 0  # read with deltas not folded yet, too
    assert any(len(mrr_for_tenant(tenant=t).currencies) for t in (tenant, other_tenant))


def _rollup_rows(tenant_id) -> tuple[int, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM metrics_subscriptionmrr WHERE tenant_id = %s", [tenant_id])
        subscriptions = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM metrics_revenuemonth WHERE tenant_id = %s", [tenant_id])
        return subscriptions, cursor.fetchone()[0]


@pytest.fixture
def billed(tenant):
    """Two USD subscriptions billed for January and February (usage on one)."""
    monthly = plan_with_usage(tenant, code="monthly", amount="49.00")
    subs = [SubscriptionFactory(tenant=tenant, plan=monthly, start_at=at(2026, 1, 1)) for _ in range(2)]
    use(subs[0], "storage_gb", "100", at(2026, 1, 10))
    run(tenant, at(2026, 2, 1))
    run(tenant, at(2026, 3, 1))
    return subs


def test_a_refresh_recomputes_only_the_marked_subscriptions(tenant, billed):
    refresh(at(2026, 3, 1, 2))
    assert _count("metrics_mrrmark") == 0
    invoice_void(tenant=tenant, invoice_id=invoice_of(billed[0], at(2026, 2, 1)).id)
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT subscription_id FROM metrics_mrrmark")
        assert [r[0] for r in cursor.fetchall()] == [billed[0].id]
    # A row changed behind the marks' back stays as it is: the refresh reads only the marked.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE metrics_subscriptionmrr SET committed = 1 WHERE subscription_id = %s", [billed[1].id])
    refresh(at(2026, 3, 1, 3))
    # January's usage (10.00) counts again for the first; the second's fee is the planted 1.
    assert view_mrr(tenant.id)["USD"][:2] == (Decimal("50.000000000000"), Decimal("10.000000000000"))
    assert revenue_rollups_check()[0].key == (billed[1].id,)


def test_the_command_checks_and_the_rebuild_is_the_backfill(tenant, billed, capsys):
    refresh(at(2026, 3, 1, 2))
    call_command("revenue_rollups", "--check")
    assert "match the full computation" in capsys.readouterr().out
    expected = (view_mrr(tenant.id), revenue_by_month(tenant=tenant, start=at(2026, 1, 1), end=at(2026, 4, 1)))
    # A database whose rollups were lost (or never built): the check says so, the rebuild mends it.
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM metrics_subscriptionmrr; DELETE FROM metrics_revenuemonth")
    with pytest.raises(CommandError, match="differ from the full computation"):
        call_command("revenue_rollups", "--check")
    assert "stored None" in capsys.readouterr().out
    call_command("revenue_rollups", "--rebuild")
    assert _rollup_rows(tenant.id) == (2, 2)  # two subscriptions; February and March issued
    assert (view_mrr(tenant.id), revenue_by_month(tenant=tenant, start=at(2026, 1, 1), end=at(2026, 4, 1))) == expected
    assert expected[0]["USD"][2] == Decimal("98.000000000000")  # 2 × 49.00; February's usage was none


def test_threshold_invoices_usage_counts_once_in_usage_mrr(tenant):
    """The known issue "usage MRR may count threshold invoices' usage twice" does not
    hold: the closing invoice's `usage` lines hold the window's whole usage and credit
    the threshold invoices back with a `progressive_billing_credit` line, and the view
    reads only the latest closing (period, cancellation, plan change) invoice's `usage`
    lines, never a threshold invoice's."""
    plan = plan_with_usage(tenant, code="progressive", amount="20.00")
    plan.usage_thresholds = [Decimal("5.00")]
    plan.save(update_fields=["usage_thresholds"])
    sub = SubscriptionFactory(tenant=tenant, plan=plan, start_at=at(2026, 1, 1))
    use(sub, "storage_gb", "60", at(2026, 1, 5))  # 6.00: past the threshold
    with time_machine.travel(at(2026, 1, 6), tick=False):
        [threshold] = thresholds_check(tenant=tenant, now=at(2026, 1, 6))
    use(sub, "storage_gb", "40", at(2026, 1, 20))  # 4.00 more: 10.00 in January
    run(tenant, at(2026, 2, 1))
    use(sub, "storage_gb", "70", at(2026, 2, 3))  # February's threshold invoice: the current window's
    with time_machine.travel(at(2026, 2, 4), tick=False):
        [current] = thresholds_check(tenant=tenant, now=at(2026, 2, 4))
    january = Invoice.objects.get(subscription=sub, period_start=at(2026, 1, 1), billing_reason="period")
    lines = dict(InvoiceLine.objects.filter(invoice=january).values_list("kind", "amount"))
    assert (threshold.billing_reason, current.billing_reason) == ("threshold", "threshold")
    assert (lines["usage"], lines["progressive_billing_credit"]) == (Decimal("10.00"), Decimal("-6.00"))
    refresh(at(2026, 2, 4, 1))
    assert view_mrr(tenant.id)["USD"][:3] == (
        Decimal("20.000000000000"), Decimal("10.000000000000"), Decimal("30.000000000000"),
    )  # fmt: skip
    assert view_mrr(tenant.id) == old_mrr(tenant.id)
    # Revenue: January's usage once too (6.00 on the threshold invoice, 20.00 + 10.00 − 6.00 on the closing one).
    [usd] = revenue_by_month(tenant=tenant, start=at(2026, 1, 1), end=at(2026, 3, 1))
    assert [m.invoiced for m in usd.months] == [Decimal("6.00"), Decimal("24.00") + Decimal("7.00")]
