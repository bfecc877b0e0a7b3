"""The support dashboard in the admin: MRR per tenant, failed payments, dead webhook
deliveries and the last invoice runs, of every tenant or the one picked."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from invoices.models import Invoice, InvoiceRun
from invoices.tests.factories import run
from payments.models import ChargeAttempt
from subscriptions.tests.factories import CustomerFactory, SubscriptionFactory
from tenants.tests.utils import at
from webhooks.models import WebhookDelivery
from webhooks.tests.factories import WebhookDeliveryFactory

from .helpers import plan_with_usage, refresh

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("admin:support_dashboard")


def attempts(invoice: Invoice, *outcomes: str) -> None:
    for minutes, outcome in enumerate(outcomes):
        ChargeAttempt.objects.create(
            tenant_id=invoice.tenant_id,
            invoice=invoice,
            amount=invoice.amount_due,
            currency=invoice.currency,
            outcome=outcome,
            created_at=at(2026, 2, 1, 2) + timedelta(minutes=minutes),
        )


@pytest.fixture
def trouble(tenant, other_tenant):
    """Acme: two customers on 49.00 USD (one's payment failed, the other's retry is
    pending), a dead and a failed delivery, two runs; Globex: 999.00 EUR, failed, a dead
    delivery, a run."""
    acme_plan = plan_with_usage(tenant, code="m", amount="49.00")
    for name in ("Wile", "Road"):
        customer = CustomerFactory(tenant=tenant, name=name, external_id=f"cus_{name.lower()}")
        SubscriptionFactory(tenant=tenant, plan=acme_plan, customer=customer, start_at=at(2026, 1, 1))
    SubscriptionFactory(
        tenant=other_tenant,
        plan=plan_with_usage(other_tenant, code="m", amount="999.00", currency="EUR"),
        start_at=at(2026, 1, 1),
    )
    for owner in (tenant, other_tenant):
        run(owner, at(2026, 2, 1))
    refresh(at(2026, 2, 1, 2))
    wile = Invoice.objects.get(customer__name="Wile")
    attempts(wile, "failed")
    attempts(Invoice.objects.get(customer__name="Road"), "failed", "pending")
    globex = Invoice.objects.for_tenant(other_tenant).get()
    attempts(globex, "failed")
    dead = WebhookDeliveryFactory(tenant=tenant, status=WebhookDelivery.Status.DEAD, attempts=8, last_error="HTTP 500")
    WebhookDeliveryFactory(tenant=tenant, status=WebhookDelivery.Status.FAILED, attempts=2)
    theirs = WebhookDeliveryFactory(tenant=other_tenant, status=WebhookDelivery.Status.DEAD, attempts=8)
    runs = [
        InvoiceRun.objects.create(tenant=owner, as_of=at(2026, 2, 1), status=status, invoices_created=count)
        for owner, status, count in ((tenant, "succeeded", 2), (tenant, "failed", 0), (other_tenant, "succeeded", 1))
    ]
    return wile, globex, dead, theirs, runs


def section(page: str, name: str) -> str:
    match = re.search(rf'<section id="{name}">(.*?)</section>', page, re.S)
    assert match, name
    return match.group(1)


def cells(html: str) -> list[list[str]]:
    rows = re.findall(r"<tr>(.*?)</tr>", html, re.S)
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)] for r in rows][1:]


def test_the_index_links_to_the_dashboard(staff_client):
    page = staff_client.get(reverse("admin:index")).content.decode()
    assert f'<a href="{DASHBOARD}">Dashboard</a>' in page
    assert "Invoices" in page  # the app list is still there


def test_the_dashboard_shows_every_tenants_trouble(staff_client, tenant, trouble):
    wile, globex, dead, theirs, _runs = trouble

    response = staff_client.get(DASHBOARD)

    assert response.status_code == 200
    page = response.content.decode()
    assert cells(section(page, "mrr")) == [
        ["Acme", "USD", "98.00 USD", "1,176.00 USD", "2", "0"],
        ["Globex", "EUR", "999.00 EUR", "11,988.00 EUR", "1", "0"],
    ]
    failed = section(page, "failed-payments")
    assert "Failed payments (2)" in failed
    assert sorted(row[:4] for row in cells(failed)) == sorted(  # both due at the same time
        [
            [wile.number, "Acme", "Wile (cus_wile)", "49.00 USD"],  # Wile's or Road's invoice is numbered first
            ["INV-000001", "Globex", str(globex.customer), "999.00 EUR"],
        ]
    )
    assert reverse("admin:invoices_invoice_change", args=[wile.pk]) in failed
    dead_section = section(page, "dead-deliveries")
    assert "Dead webhook deliveries (2)" in dead_section
    assert reverse("admin:webhooks_webhookdelivery_change", args=[dead.pk]) in dead_section
    assert reverse("admin:webhooks_webhookdelivery_change", args=[theirs.pk]) in dead_section
    assert "HTTP 500" in dead_section
    assert [row[1:3] + row[4:6] for row in cells(section(page, "runs"))] == [
        ["Globex", "succeeded", "1", "0"],
        ["Acme", "failed", "0", "0"],
        ["Acme", "succeeded", "2", "0"],
    ]


def test_the_dashboard_narrows_to_one_tenant(staff_client, tenant, trouble):
    wile, globex, _dead, theirs, _runs = trouble

    page = staff_client.get(DASHBOARD, {"tenant": str(tenant.pk)}).content.decode()

    assert f'<option value="{tenant.pk}" selected>Acme</option>' in page
    assert [row[0] for row in cells(section(page, "mrr"))] == ["Acme"]
    failed = section(page, "failed-payments")
    assert "Failed payments (1)" in failed
    assert reverse("admin:invoices_invoice_change", args=[wile.pk]) in failed
    assert reverse("admin:invoices_invoice_change", args=[globex.pk]) not in failed
    dead_section = section(page, "dead-deliveries")
    assert "Dead webhook deliveries (1)" in dead_section
    assert reverse("admin:webhooks_webhookdelivery_change", args=[theirs.pk]) not in dead_section
    assert [row[1] for row in cells(section(page, "runs"))] == ["Acme", "Acme"]


def test_an_empty_dashboard_says_so(staff_client, tenant):
    page = staff_client.get(DASHBOARD).content.decode()
    assert "Failed payments (0)" in page
    assert "Dead webhook deliveries (0)" in page
    assert "No runs yet." in page


def test_only_staff_see_the_dashboard(client, admin_user):
    client.force_login(admin_user)  # a tenant's admin, not staff
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
