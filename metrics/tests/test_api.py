"""GET /metrics/mrr and /metrics/revenue: values, money formatting, ranges, roles, isolation."""

from __future__ import annotations

from decimal import Decimal

import pytest
import time_machine

from invoices.models import Invoice
from invoices.services import invoice_void
from invoices.tests.factories import bill, run
from metrics.api import MAX_MONTHS, RANGE_TOO_LONG, TO_TOO_EARLY
from plans.services import tax_rate_create, tenant_default_tax_rates_set
from subscriptions.tests.factories import SubscriptionFactory
from tenants.params import RANGE_REVERSED
from tenants.tests.utils import at
from usage.tests.factories import use

from .helpers import invoice_of, plan_with_usage, refresh

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(tenant, other_tenant):
    """USD: a monthly 49 + usage, a yearly 100 without an invoice yet, a trial; JPY: a
    monthly 1000. The other tenant: a monthly 999 (must never show)."""
    monthly = SubscriptionFactory(
        tenant=tenant, plan=plan_with_usage(tenant, code="m", amount="49.00"), start_at=at(2026, 1, 1)
    )
    SubscriptionFactory(
        tenant=tenant,
        plan=plan_with_usage(tenant, code="y", amount="100.00", interval="year"),
        start_at=at(2026, 1, 15),
    )
    SubscriptionFactory(tenant=tenant, plan=monthly.plan, start_at=at(2026, 1, 20), trial_days=30)
    SubscriptionFactory(
        tenant=tenant, plan=plan_with_usage(tenant, code="jpy", amount="1000", currency="JPY"), start_at=at(2026, 1, 1)
    )
    SubscriptionFactory(
        tenant=other_tenant, plan=plan_with_usage(other_tenant, code="m", amount="999.00"), start_at=at(2026, 1, 1)
    )
    use(monthly, "storage_gb", "70", at(2026, 1, 10))  # 7.00
    run(tenant, at(2026, 2, 1))
    run(other_tenant, at(2026, 2, 1))
    refresh(at(2026, 2, 1, 2))
    return monthly  # fmt: skip


def test_mrr_per_currency_rounded_to_the_minor_unit(api, turl, book):
    response = api.get(turl("metrics/mrr"))
    assert response.status_code == 200
    # USD committed: 49 + 100/12 = 57.3333…; usage 7; mrr 64.3333… → 64.33; arr 772.00 exactly.
    assert response.json() == {
        "refreshed_at": "2026-02-01T02:00:00.000000Z",
        "currencies": [
            {
                "currency": "JPY",
                "mrr": "1000",
                "arr": "12000",
                "committed_mrr": "1000",
                "usage_mrr": "0",
                "active_subscriptions": 1,
                "trialing_subscriptions": 0,
            },
            {
                "currency": "USD",
                "mrr": "64.33",
                "arr": "772.00",
                "committed_mrr": "57.33",
                "usage_mrr": "7.00",
                "active_subscriptions": 2,
                "trialing_subscriptions": 1,
            },
        ],
    }


def test_mrr_of_a_tenant_without_subscriptions_is_an_empty_list(other_api, other_tenant):
    refresh(at(2026, 2, 1))
    response = other_api.get(f"/v1/tenants/{other_tenant.id}/metrics/mrr")
    assert response.json() == {"refreshed_at": "2026-02-01T00:00:00.000000Z", "currencies": []}


def test_mrr_never_shows_another_tenants_numbers(other_api, other_tenant, book):
    body = other_api.get(f"/v1/tenants/{other_tenant.id}/metrics/mrr").json()
    assert [(c["currency"], c["mrr"], c["active_subscriptions"]) for c in body["currencies"]] == [("USD", "999.00", 1)]


@pytest.fixture
def invoiced(tenant, other_tenant):
    """Invoices issued on the 1st of February, March and April 2026 (01:00 UTC).

    USD: January 59.00 (paid on 5 March), February 49.00, March 49.00 (voided).
    EUR: 20.00 each month, February's paid on 10 February. The other tenant: 999.00."""
    usd = SubscriptionFactory(
        tenant=tenant, plan=plan_with_usage(tenant, code="usd", amount="49.00"), start_at=at(2026, 1, 1)
    )
    eur = SubscriptionFactory(
        tenant=tenant, plan=plan_with_usage(tenant, code="eur", amount="20.00", currency="EUR"), start_at=at(2026, 1, 1)
    )
    SubscriptionFactory(
        tenant=other_tenant, plan=plan_with_usage(other_tenant, code="usd", amount="999.00"), start_at=at(2026, 1, 1)
    )
    use(usd, "storage_gb", "100", at(2026, 1, 10))
    for month in (2, 3, 4):
        run(tenant, at(2026, month, 1))
        run(other_tenant, at(2026, month, 1))
    Invoice.objects.filter(pk=invoice_of(usd, at(2026, 1, 1)).pk).update(status="paid", paid_at=at(2026, 3, 5))
    Invoice.objects.filter(pk=invoice_of(eur, at(2026, 1, 1)).pk).update(status="paid", paid_at=at(2026, 2, 10))
    Invoice.objects.for_tenant(other_tenant).update(status="paid", paid_at=at(2026, 3, 20))
    invoice_void(tenant=tenant, invoice_id=invoice_of(usd, at(2026, 3, 1)).id)  # fmt: skip


def months(body, currency):
    (row,) = [c for c in body["currencies"] if c["currency"] == currency]
    return [(m["month"], m["invoiced"], m["paid"]) for m in row["months"]]


def test_revenue_by_month_invoiced_by_issue_and_paid_by_payment(api, turl, invoiced):
    response = api.get(turl("metrics/revenue"), {"from": "2026-01-01", "to": "2026-05-01T00:00:00Z"})
    assert response.status_code == 200
    body = response.json()
    assert (body["from"], body["to"]) == ("2026-01-01T00:00:00.000000Z", "2026-05-01T00:00:00.000000Z")
    assert [c["currency"] for c in body["currencies"]] == ["EUR", "USD"]
    assert months(body, "USD") == [
        ("2026-01", "0.00", "0.00"),
        ("2026-02", "59.00", "0.00"),
        ("2026-03", "49.00", "59.00"),
        ("2026-04", "0.00", "0.00"),  # voided: not invoiced
    ]
    assert months(body, "EUR") == [
        ("2026-01", "0.00", "0.00"),
        ("2026-02", "20.00", "20.00"),
        ("2026-03", "20.00", "0.00"),
        ("2026-04", "20.00", "0.00"),
    ]


def test_invoiced_revenue_excludes_tax_and_paid_includes_it(api, turl, tenant):
    """Tax is collected for the authorities: 49.00 + 1.00 of usage taxed 20 % (10.00) is
    50.00 invoiced, and 60.00 paid."""
    rate = tax_rate_create(tenant=tenant, code="vat", name="VAT", percentage=Decimal("20"))
    tenant_default_tax_rates_set(tenant=tenant, codes=[rate.code])
    sub = SubscriptionFactory(
        tenant=tenant, plan=plan_with_usage(tenant, code="p", amount="49.00"), start_at=at(2026, 1, 1)
    )
    use(sub, "storage_gb", "10", at(2026, 1, 10))
    [january] = bill(tenant, at(2026, 2, 1))
    assert (january.tax, january.total) == (Decimal("10.00"), Decimal("60.00"))
    Invoice.objects.filter(pk=january.pk).update(status="paid", paid_at=at(2026, 2, 3))
    body = api.get(turl("metrics/revenue"), {"from": "2026-02-01", "to": "2026-03-01T00:00:00Z"}).json()
    assert months(body, "USD") == [("2026-02", "50.00", "60.00")]


def test_revenue_range_is_half_open(api, turl, invoiced):
    # Until the instant the March invoices were issued: not included.
    body = api.get(turl("metrics/revenue"), {"from": "2026-02-01T01:00:00Z", "to": "2026-03-01T01:00:00Z"}).json()
    assert months(body, "USD") == [("2026-02", "59.00", "0.00"), ("2026-03", "0.00", "0.00")]
    body = api.get(turl("metrics/revenue"), {"from": "2026-02-01T01:00:01Z", "to": "2026-03-01T01:00:01Z"}).json()
    assert months(body, "USD") == [("2026-02", "0.00", "0.00"), ("2026-03", "49.00", "0.00")]


def test_revenue_defaults_to_the_last_twelve_months(client_for, admin_user, turl, invoiced):
    with time_machine.travel(at(2026, 4, 15, 12), tick=False):
        # A token issued on the moved clock: one from the future would be refused.
        body = client_for(admin_user).get(turl("metrics/revenue")).json()
    assert (body["from"], body["to"]) == ("2025-05-01T00:00:00.000000Z", "2026-04-15T12:00:00.000000Z")
    usd = months(body, "USD")
    assert [m[0] for m in usd] == [f"2025-{m:02d}" for m in range(5, 13)] + [f"2026-{m:02d}" for m in range(1, 5)]
    assert sum(Decimal(m[1]) for m in usd) == Decimal("108.00")
    assert sum(Decimal(m[2]) for m in usd) == Decimal("59.00")


def test_revenue_never_shows_another_tenants_invoices(api, turl, other_api, other_tenant, invoiced):
    body = api.get(turl("metrics/revenue"), {"from": "2026-01-01", "to": "2026-05-01"}).json()
    assert "999.00" not in str(body)
    theirs = other_api.get(f"/v1/tenants/{other_tenant.id}/metrics/revenue", {"from": "2026-03-01", "to": "2026-04-01"})
    assert theirs.json()["currencies"] == [{"currency": "USD", "months": [{"month": "2026-03", "invoiced": "999.00", "paid": "2997.00"}]}]  # fmt: skip


@pytest.mark.parametrize(
    ("query", "attr", "detail"),
    [
        ({"from": "yesterday"}, "from", None),
        ({"to": "2026-13-01"}, "to", None),
        ({"from": "2026-03-01", "to": "2026-03-01"}, "from", RANGE_REVERSED),
        ({"from": "2026-04-01", "to": "2026-03-01"}, "from", RANGE_REVERSED),
        ({"from": "2016-01-01", "to": "2026-01-01T00:00:01Z"}, "from", RANGE_TOO_LONG),
        ({"to": "0001-01-15"}, "to", TO_TOO_EARLY),
    ],
)
def test_revenue_rejects_a_bad_range_naming_the_field(api, turl, query, attr, detail):
    response = api.get(turl("metrics/revenue"), query)
    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "validation_error"
    assert [e["attr"] for e in body["errors"]] == [attr]
    if detail:
        assert body["errors"][0]["detail"] == detail


def test_revenue_allows_exactly_the_longest_range(api, turl):
    body = api.get(turl("metrics/revenue"), {"from": "2016-01-01", "to": "2026-01-01"}).json()
    assert body["currencies"] == []
    assert MAX_MONTHS == 120


@pytest.mark.parametrize("caller", ["api", "member_api", "viewer_api", "key_api"])
@pytest.mark.parametrize("path", ["metrics/mrr", "metrics/revenue"])
def test_every_role_and_api_keys_may_read_metrics(request, turl, caller, path):
    refresh(at(2026, 2, 1))
    response = request.getfixturevalue(caller).get(turl(path))
    assert response.status_code == 200
    assert response.json()["currencies"] == []


@pytest.mark.parametrize("path", ["metrics/mrr", "metrics/revenue"])
def test_metrics_are_read_only(api, turl, path):
    assert api.post(turl(path), {}).status_code == 405
