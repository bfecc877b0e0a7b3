"""Support staff's revenue page of a tenant in the Django admin."""

from __future__ import annotations

import re

import pytest
import time_machine

from invoices.models import Invoice
from invoices.tests.factories import run
from subscriptions.tests.factories import SubscriptionFactory
from tenants.tests.utils import at
from usage.tests.factories import use

from .helpers import plan_with_usage, refresh

pytestmark = pytest.mark.django_db


def bar_heights(page):
    return [int(h) for h in re.findall(r'<rect class="bar" x="\d+" y="\d+" width="\d+" height="(\d+)"', page)]


def page_of(client, tenant, when):
    with time_machine.travel(when, tick=False):
        response = client.get(f"/admin/metrics/tenantrevenue/{tenant.pk}/change/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_shows_mrr_arr_and_twelve_months_of_invoiced_revenue(staff_client, tenant, other_tenant):
    sub = SubscriptionFactory(
        tenant=tenant, plan=plan_with_usage(tenant, code="m", amount="49.00"), start_at=at(2026, 1, 1)
    )
    SubscriptionFactory(
        tenant=tenant, plan=plan_with_usage(tenant, code="y", amount="100.00", interval="year"), start_at=at(2026, 1, 1)
    )
    SubscriptionFactory(
        tenant=other_tenant, plan=plan_with_usage(other_tenant, code="m", amount="999.00"), start_at=at(2026, 1, 1)
    )
    use(sub, "storage_gb", "510", at(2026, 2, 3))  # February: 51.00 of usage
    for month in (2, 3):
        run(tenant, at(2026, month, 1))
        run(other_tenant, at(2026, month, 1))
    refresh(at(2026, 3, 1, 2))
    page = page_of(staff_client, tenant, at(2026, 3, 15))
    # MRR: 49 + 100/12 + 51 = 108.33; ARR: 12 × 108.3333… = 1300.00
    assert '<td class="amount mrr">108.33</td>' in page
    assert '<td class="amount arr">1300.00</td>' in page
    assert page.count('<svg class="chart"') == 1
    # April 2025 … March 2026: invoiced 49.00 on 1 February, 49.00 + 51.00 on 1 March
    # (the yearly subscription is invoiced in January 2027).
    assert bar_heights(page) == [0] * 10 + [78, 160]
    assert "<title>Feb 2026: 49.00 USD invoiced, 0.00 paid</title>" in page
    assert "<title>Mar 2026: 100.00 USD invoiced, 0.00 paid</title>" in page
    assert "999.00" not in page


def test_a_tenant_without_invoices_gets_an_empty_chart_in_its_currency(staff_client, tenant):
    page = page_of(staff_client, tenant, at(2026, 3, 15))
    assert "No live subscriptions." in page
    assert bar_heights(page) == [0] * 12
    assert "Invoiced revenue per month in USD" in page


def test_a_chart_per_currency(staff_client, tenant):
    SubscriptionFactory(
        tenant=tenant, plan=plan_with_usage(tenant, code="e", amount="20.00", currency="EUR"), start_at=at(2026, 1, 1)
    )
    SubscriptionFactory(
        tenant=tenant, plan=plan_with_usage(tenant, code="j", amount="1000", currency="JPY"), start_at=at(2026, 1, 1)
    )
    run(tenant, at(2026, 2, 1))
    Invoice.objects.filter(currency="JPY").update(status="void")
    refresh(at(2026, 2, 1, 2))
    page = page_of(staff_client, tenant, at(2026, 2, 10))
    assert page.count('<svg class="chart"') == 2
    assert "Invoiced revenue per month in EUR" in page
    assert "Invoiced revenue per month in JPY" in page
    assert bar_heights(page) == [0] * 11 + [160] + [0] * 12  # EUR, then JPY (voided: nothing invoiced)
    assert '<td class="amount mrr">1000</td>' in page


def test_the_list_links_to_each_tenant(staff_client, tenant, other_tenant):
    response = staff_client.get("/admin/metrics/tenantrevenue/")
    assert response.status_code == 200
    page = response.content.decode()
    assert f"/admin/metrics/tenantrevenue/{tenant.pk}/change/" in page
    assert f"/admin/metrics/tenantrevenue/{other_tenant.pk}/change/" in page


def test_an_unknown_tenant_is_404(staff_client):
    assert (
        staff_client.get("/admin/metrics/tenantrevenue/00000000-0000-0000-0000-000000000000/change/").status_code == 404
    )


def test_tenant_users_cannot_see_the_page(client, admin_user, tenant):
    client.force_login(admin_user)
    response = client.get(f"/admin/metrics/tenantrevenue/{tenant.pk}/change/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
