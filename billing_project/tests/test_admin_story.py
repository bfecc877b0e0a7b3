"""Support work in the admin, clicked end to end in a real browser (headless Chromium):
find the customer by search → open its invoice → issue a credit note through the
confirmation → retry the dead delivery of the invoice's webhook. The screenshots it takes
are the README's (docs/screenshots/admin-*.png, written there with UPDATE_SCREENSHOTS=1); the database is checked at the end.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from invoices.models import CreditNote, Invoice, InvoiceRun
from invoices.services import invoice_due_subscriptions
from metrics.services import revenue_metrics_refresh
from payments.models import ChargeAttempt
from plans.models import Meter
from plans.pricing import ChargeSpec, TierSpec
from plans.tests.factories import PlanFactory, add_charge
from subscriptions.tests.factories import CustomerFactory, SubscriptionFactory
from tenants.models import User
from tenants.tests.factories import PASSWORD, TenantFactory
from tenants.tests.utils import at
from usage.tests.factories import use
from webhooks.models import WebhookDelivery
from webhooks.tests.factories import WebhookDeliveryFactory, WebhookEndpointFactory

pytestmark = pytest.mark.django_db(transaction=True)

FEB_1 = datetime(2026, 2, 1, tzinfo=UTC)


@pytest.fixture
def story(httpserver: Any) -> tuple[Invoice, WebhookDelivery]:
    """Acme's customer Wile E. Coyote: an open January invoice of 51.00 USD (Pro at 49.00
    and 2,000 API calls on graduated tiers) whose charge failed, and whose
    `invoice.payment_failed` webhook is dead: the endpoint answered 500 eight times; it
    answers 200 again now. The revenue view is refreshed and the run recorded, so the
    dashboard has every section to show."""
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    tenant = TenantFactory(name="Acme")
    TenantFactory(name="Globex")
    plan = PlanFactory(tenant=tenant, code="pro", name="Pro", amount=Decimal("49.00"))
    spec = ChargeSpec.tiered([TierSpec(1000), TierSpec(None, Decimal("0.002"))])
    add_charge(plan, spec, meter="api_calls", aggregation=Meter.Aggregation.SUM)
    wile = CustomerFactory(tenant=tenant, external_id="cus_wile", name="Wile E. Coyote", email="wile@acme.test")
    subscription = SubscriptionFactory(tenant=tenant, plan=plan, customer=wile, start_at=at(2026, 1, 1))
    use(subscription, "api_calls", "2000", at(2026, 1, 9), created_at=at(2026, 1, 9))
    with time_machine.travel(FEB_1 + timedelta(hours=1), tick=False):
        invoice_due_subscriptions(tenant=tenant.id, as_of=FEB_1)
    InvoiceRun.objects.create(
        tenant=tenant, as_of=FEB_1, status=InvoiceRun.Status.SUCCEEDED, invoices_created=1, subscriptions_processed=1
    )
    invoice = Invoice.objects.get(customer=wile)
    ChargeAttempt.objects.create(
        tenant=tenant, invoice=invoice, amount=invoice.amount_due, currency="USD", outcome=ChargeAttempt.Outcome.FAILED
    )
    Invoice.objects.filter(pk=invoice.pk).update(attempt_count=1)
    with time_machine.travel(FEB_1 + timedelta(hours=2), tick=False):
        revenue_metrics_refresh()
    delivery = WebhookDeliveryFactory(
        tenant=tenant,
        endpoint=WebhookEndpointFactory(tenant=tenant, url=httpserver.url_for("/hook")),
        event__type="invoice.payment_failed",
        event__data={"id": str(invoice.pk), "number": invoice.number, "status": "open", "amount_due": "51.00"},
        status=WebhookDelivery.Status.DEAD,
        attempts=8,
        next_attempt_at=None,
        last_status_code=500,
        last_error="HTTP 500",
    )
    User.objects.create_superuser(email="support@billing.test", password=PASSWORD)
    return invoice, delivery


def test_support_finds_a_customer_credits_its_invoice_and_retries_a_dead_webhook(
    page: Any, live_server: Any, screenshot_path: Any, story: tuple[Invoice, WebhookDelivery], httpserver: Any
) -> None:
    invoice, delivery = story
    assert (invoice.number, invoice.total, invoice.amount_due) == ("INV-000001", Decimal("51.00"), Decimal("51.00"))

    page.goto(f"{live_server.url}/admin/login/")
    page.fill("input[name=username]", "support@billing.test")
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")

    # The dashboard, from the index: the dead delivery is there.
    page.click("#support-links a:text('Dashboard')")
    assert "Dead webhook deliveries (1)" in page.locator("#dead-deliveries h2").inner_text()
    assert "Acme" in page.locator("#dead-deliveries").inner_text()
    assert "Failed payments (1)" in page.locator("#failed-payments h2").inner_text()
    assert "Acme\tUSD\t51.00 USD\t612.00 USD\t1\t0" in page.locator("#mrr").inner_text()  # 49.00 + 2.00 of usage
    page.screenshot(path=screenshot_path("admin-dashboard"), full_page=True)

    # Find the customer by search.
    page.goto(f"{live_server.url}/admin/subscriptions/customer/")
    page.fill("#searchbar", "coyote")
    page.press("#searchbar", "Enter")
    page.wait_for_url(re.compile(r".*\?q=coyote"))
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1
    rows.first.locator("th a").click()
    page.wait_for_selector("#invoices-group")
    assert page.locator(".field-balance .readonly").inner_text() == "0 (no entries)"
    invoice_row = page.locator("#invoices-group tbody tr.has_original").first
    assert "51.00 USD" in invoice_row.inner_text()
    assert "pro" in page.locator("#subscriptions-group").inner_text()
    page.screenshot(path=screenshot_path("admin-customer"), full_page=True)

    # Open its invoice: amounts in USD, the usage line's tiers as a table.
    invoice_row.locator("a:text('INV-000001')").click()
    page.wait_for_selector(".field-total_shown")
    assert page.locator(".field-total_shown .readonly").inner_text() == "51.00 USD"
    tier_rows = page.locator("table.tiers tbody tr")
    assert [tier_rows.nth(i).locator("td").all_inner_texts() for i in range(tier_rows.count())] == [
        ["0", "1000", "1000", "0.00 USD", "0.00 USD", "0.00 USD"],
        ["1000", "∞", "1000", "0.002 USD", "0.00 USD", "2.00 USD"],
    ]
    page.screenshot(path=screenshot_path("admin-invoice"), full_page=True)

    # Issue a credit note: the form, the confirmation, then the note.
    page.click("a.button:text('Issue a credit note')")
    page.fill("input[name=amount]", "10.00")
    page.select_option("select[name=reason]", "order_change")
    page.fill("input[name=memo]", "Ticket 4711: outage on 9 January")
    page.click("input[type=submit][value=Review]")
    page.get_by_text("Issue this credit note?").wait_for()  # the next page, not the form still
    confirmation = page.locator("#content").inner_text()
    assert "Issue this credit note?" in confirmation
    assert "amount: 10.00 USD (order_change)" in confirmation
    assert not CreditNote.objects.exists()  # nothing yet: only asked
    page.screenshot(path=screenshot_path("admin-credit-note-confirmation"), full_page=True)
    page.click("input[type=submit][value='Yes, issue it']")
    page.wait_for_selector(".messagelist")
    assert page.locator(".messagelist").inner_text() == "Issued CN-000001 (10.00 USD) on invoice INV-000001."
    assert page.locator(".field-amount_due_shown .readonly").inner_text() == "41.00 USD"

    # The invoice's webhook deliveries, the dead one, and its Retry button.
    page.click(".field-related a:text('webhook deliveries')")
    page.wait_for_url(re.compile(r".*/admin/webhooks/webhookdelivery/\?object="))
    page.wait_for_selector("#result_list")  # count() does not wait for the page it counts on
    listed = page.locator("#result_list tbody tr")
    assert listed.count() == 1
    assert "Dead" in listed.first.inner_text()
    listed.first.locator("th a").click()
    page.wait_for_selector("#retry-delivery")
    assert "payment_failed" in page.locator(".field-payload pre").inner_text()
    assert page.locator(".field-about a").inner_text() == "invoice INV-000001"
    page.screenshot(path=screenshot_path("admin-delivery"), full_page=True)
    page.click("#retry-delivery")
    page.wait_for_selector(".messagelist")
    assert "Queued the delivery of" in page.locator(".messagelist").inner_text()
    assert page.locator(".field-status .readonly").inner_text() == "Succeeded"

    # What it changed: one note of 10.00 on the invoice (its webhook sent), the dead
    # delivery delivered once.
    note = CreditNote.objects.get()
    assert (note.number, note.invoice_id, note.amount, note.reason, note.memo) == (
        "CN-000001",
        invoice.pk,
        Decimal("10.00"),
        "order_change",
        "Ticket 4711: outage on 9 January",
    )
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_credited, invoice.amount_due) == ("open", Decimal("10.00"), Decimal("41.00"))
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("succeeded", 1, 200)
    sent = [json.loads(request.get_data())["type"] for request, _ in httpserver.log if request.path == "/hook"]
    assert sent == ["credit_note.created", "invoice.payment_failed"]
