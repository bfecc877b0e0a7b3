"""The revenue materialized view: what counts in MRR, after real invoice runs."""

from __future__ import annotations

from decimal import Decimal

import pytest

from invoices.models import Invoice
from invoices.services import invoice_void, subscription_cancel
from invoices.tests.factories import run
from metrics.models import MetricsRefresh, RevenueSnapshot
from metrics.selectors import mrr_for_tenant
from subscriptions.models import Subscription
from subscriptions.tests.factories import SubscriptionFactory
from tenants.tests.utils import at
from usage.tests.factories import use

from .helpers import invoice_of, plan_with_usage, refresh

pytestmark = pytest.mark.django_db


def figures(tenant):
    return {
        row.currency: (
            row.committed_mrr,
            row.usage_mrr,
            row.mrr,
            row.arr,
            row.active_subscriptions,
            row.trialing_subscriptions,
        )
        for row in RevenueSnapshot.objects.for_tenant(tenant)
    }


@pytest.fixture
def acme(tenant):
    """Acme's book on 1 March 2026, after the February and March runs.

    USD: monthly (49 + usage), yearly (1200/year + usage), past_due (30 + usage),
    voided (49 + usage; its latest invoice void, the one before uncollectible),
    trialing (adds nothing). EUR: one active at 20. GBP: only a trial. CHF: only a
    canceled subscription (no row)."""
    monthly = plan_with_usage(tenant, code="monthly", amount="49.00")
    yearly = plan_with_usage(tenant, code="yearly", amount="1200.00", interval="year")
    small = plan_with_usage(tenant, code="small", amount="30.00")
    subs = {
        "monthly": SubscriptionFactory(tenant=tenant, plan=monthly, start_at=at(2026, 1, 1)),
        "yearly": SubscriptionFactory(tenant=tenant, plan=yearly, start_at=at(2025, 3, 1)),
        "past_due": SubscriptionFactory(tenant=tenant, plan=small, start_at=at(2026, 2, 1)),
        "voided": SubscriptionFactory(tenant=tenant, plan=monthly, start_at=at(2026, 1, 1)),
        "trialing": SubscriptionFactory(tenant=tenant, plan=monthly, start_at=at(2026, 2, 20), trial_days=30),
        "eur": SubscriptionFactory(tenant=tenant, plan=plan_with_usage(tenant, code="eur", amount="20.00", currency="EUR"), start_at=at(2026, 2, 1)),
        "gbp_trial": SubscriptionFactory(tenant=tenant, plan=plan_with_usage(tenant, code="gbp", amount="10.00", currency="GBP"), start_at=at(2026, 2, 20), trial_days=30),
        "chf_canceled": SubscriptionFactory(tenant=tenant, plan=plan_with_usage(tenant, code="chf", amount="15.00", currency="CHF"), start_at=at(2026, 1, 1)),
    }  # fmt: skip
    use(subs["monthly"], "storage_gb", "100", at(2026, 1, 10))  # January: 10.00
    use(subs["monthly"], "storage_gb", "50", at(2026, 2, 10))  # February: 5.00
    use(subs["yearly"], "storage_gb", "1200", at(2025, 6, 1))  # the year: 120.00
    use(subs["past_due"], "storage_gb", "20", at(2026, 2, 3))  # 2.00
    use(subs["voided"], "storage_gb", "200", at(2026, 1, 3))  # January: 20.00
    use(subs["voided"], "storage_gb", "400", at(2026, 2, 3))  # February: 40.00
    use(subs["chf_canceled"], "storage_gb", "500", at(2026, 1, 3))
    subscription_cancel(tenant=tenant, subscription_id=subs["chf_canceled"].id, at_period_end=True, now=at(2026, 1, 20))
    run(tenant, at(2026, 2, 1))
    # January usage stored after January was invoiced: a late_usage line (3.00) in February.
    use(subs["monthly"], "storage_gb", "30", at(2026, 1, 20), created_at=at(2026, 2, 12))
    run(tenant, at(2026, 3, 1))
    Subscription.objects.filter(pk=subs["past_due"].pk).update(status=Subscription.Status.PAST_DUE)
    Invoice.objects.filter(pk=invoice_of(subs["voided"], at(2026, 1, 1)).pk).update(status="uncollectible")
    invoice_void(tenant=tenant, invoice_id=invoice_of(subs["voided"], at(2026, 2, 1)).id)
    return subs


def test_the_scenario_is_what_the_view_is_computed_from(acme):
    february = invoice_of(acme["monthly"], at(2026, 2, 1))
    assert sorted((line.kind, line.amount) for line in february.lines.all()) == [
        ("flat_fee", Decimal("49.00")),
        ("late_usage", Decimal("3.00")),
        ("usage", Decimal("5.00")),
    ]
    assert invoice_of(acme["yearly"], at(2025, 3, 1)).total == Decimal("1320.00")
    assert {s: Subscription.objects.get(pk=sub.pk).status for s, sub in acme.items()} == {
        "monthly": "active",
        "yearly": "active",
        "past_due": "past_due",
        "voided": "active",
        "trialing": "trialing",
        "eur": "active",
        "gbp_trial": "trialing",
        "chf_canceled": "canceled",
    }


def test_mrr_counts_fees_per_month_and_the_usage_of_the_latest_finalized_invoice(tenant, acme):
    refresh(at(2026, 3, 1, 2))
    # committed: 49 + 1200/12 + 30 + 49 = 228; usage: 5 (February's, not the 3.00 of
    # late January usage) + 120/12 + 2 + 20 (January's uncollectible invoice: February's
    # is void) = 37; trialing and canceled add nothing.
    assert figures(tenant) == {
        "USD": (Decimal("228"), Decimal("37"), Decimal("265"), Decimal("3180"), 4, 1),
        "EUR": (Decimal("20"), Decimal("0"), Decimal("20"), Decimal("240"), 1, 0),
        "GBP": (Decimal("0"), Decimal("0"), Decimal("0"), Decimal("0"), 0, 1),
    }


def test_a_canceled_subscription_leaves_its_currency_out(tenant, acme):
    refresh(at(2026, 3, 1, 2))
    assert not RevenueSnapshot.objects.for_tenant(tenant).filter(currency="CHF").exists()


def test_the_view_changes_only_when_refreshed(tenant, acme):
    refresh(at(2026, 3, 1, 2))
    subscription_cancel(tenant=tenant, subscription_id=acme["yearly"].id, at_period_end=False, now=at(2026, 3, 2))
    assert figures(tenant)["USD"][0] == Decimal("228")
    refresh(at(2026, 3, 2, 1))
    assert figures(tenant)["USD"][:2] == (Decimal("128"), Decimal("27"))
    assert MetricsRefresh.objects.get().refreshed_at == at(2026, 3, 2, 1)


def test_only_usage_lines_of_the_latest_invoice_count_not_earlier_invoices(tenant):
    plan = plan_with_usage(tenant, code="m", amount="0")
    sub = SubscriptionFactory(tenant=tenant, plan=plan, start_at=at(2026, 1, 1))
    use(sub, "storage_gb", "1000", at(2026, 1, 5))  # January: 100.00
    use(sub, "storage_gb", "10", at(2026, 2, 5))  # February: 1.00
    run(tenant, at(2026, 3, 1))
    refresh(at(2026, 3, 1, 2))
    assert figures(tenant)["USD"][:2] == (Decimal("0"), Decimal("1"))


def test_an_active_subscription_without_an_invoice_yet_counts_its_fee_only(tenant):
    SubscriptionFactory(
        tenant=tenant, plan=plan_with_usage(tenant, code="new", amount="49.00"), start_at=at(2026, 3, 1)
    )
    refresh(at(2026, 3, 1, 2))
    assert figures(tenant) == {"USD": (Decimal("49"), Decimal("0"), Decimal("49"), Decimal("588"), 1, 0)}


def test_a_yearly_fee_per_month_keeps_twelve_places_and_arr_is_exact(tenant):
    yearly = plan_with_usage(tenant, code="y", amount="100.00", interval="year")
    SubscriptionFactory(tenant=tenant, plan=yearly, start_at=at(2026, 1, 1))
    refresh(at(2026, 1, 2))
    row = RevenueSnapshot.objects.for_tenant(tenant).get()
    assert (row.committed_mrr, row.mrr, row.arr) == (Decimal("8.333333333333"), Decimal("8.333333333333"), Decimal(100))
    report = mrr_for_tenant(tenant=tenant.id)
    assert (report.currencies[0].mrr, report.currencies[0].arr) == (Decimal("8.33"), Decimal("100.00"))


def test_tenants_are_isolated(tenant, other_tenant, acme):
    theirs = plan_with_usage(other_tenant, code="big", amount="999.00")
    SubscriptionFactory(tenant=other_tenant, plan=theirs, start_at=at(2026, 1, 1))
    run(other_tenant, at(2026, 2, 1))
    refresh(at(2026, 3, 1, 2))
    assert figures(other_tenant) == {"USD": (Decimal("999"), Decimal("0"), Decimal("999"), Decimal("11988"), 1, 0)}
    assert figures(tenant)["USD"][0] == Decimal("228")
    assert [c.currency for c in mrr_for_tenant(tenant=other_tenant.id).currencies] == ["USD"]


def test_deleting_a_tenant_leaves_the_view_alone(other_tenant):
    sub = SubscriptionFactory(tenant=other_tenant, start_at=at(2026, 1, 1))
    refresh(at(2026, 1, 2))
    tenant_id = other_tenant.pk
    Subscription.objects.filter(pk=sub.pk).delete()
    other_tenant.delete()  # its stale row stays in the view until the next refresh
    assert RevenueSnapshot.objects.for_tenant(tenant_id).count() == 1
    refresh(at(2026, 1, 3))
    assert not RevenueSnapshot.objects.for_tenant(tenant_id).exists()
