"""The customer portal in a real browser (issue #17 item 3): a member makes a link
through the API, a headless Chromium opens it from the live server and sees the
subscription, the usage so far, the upcoming invoice, the balance and an invoice whose
PDF link answers a PDF. Takes docs/screenshots/portal.png (written with UPDATE_SCREENSHOTS=1), the same
picture on every run: real time stands still at SHOWN_AT (time-machine moves the
clock of this process, the live server's thread included; Playwright waits by the
monotonic clock, which it leaves alone)."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine

from tenants.tests.utils import at

pytestmark = pytest.mark.django_db(transaction=True)

SHOWN_AT = at(2026, 3, 14, 15, 30)


@pytest.fixture
def shown_at() -> Any:
    """Real time at SHOWN_AT, standing still: first of the test's own fixtures, so the
    customer's months and invoice are SHOWN_AT's."""
    with time_machine.travel(SHOWN_AT, tick=False):
        yield SHOWN_AT


def test_a_customer_opens_its_portal_link_in_a_browser(
    shown_at: Any, page: Any, live_server: Any, settings: Any, api: Any, turl: Any, globex: Any, screenshot_path: Any
) -> None:
    settings.PORTAL_BASE_URL = live_server.url
    response = api.post(turl(f"customers/{globex.customer.id}/portal-sessions"), {}, format="json")
    assert response.status_code == 201, response.content
    url = response.json()["url"]
    assert url.startswith(f"{live_server.url}/portal/")

    page.goto(url)
    assert page.locator("h1").inner_text() == "Billing for Globex Corporation"
    assert page.locator("#as-of").inner_text() == "As of Mar 14, 2026, 3:30:00\u202fPM UTC"
    subscription = page.locator("article.subscription")
    assert subscription.count() == 1
    assert subscription.locator(".plan").inner_text() == "Pro Monthly"
    assert subscription.locator(".status").inner_text() == "Active"
    assert subscription.locator(".period").inner_text() == "Current period: Mar 1, 2026 – Apr 1, 2026"
    assert subscription.locator('tr[data-meter="api_calls"] td').all_inner_texts() == ["API calls", "2,500"]
    assert subscription.locator(".upcoming-total").inner_text() == "$52.00"
    assert subscription.locator(".upcoming-due").inner_text() == "$42.00"
    assert page.locator('.balance[data-currency="USD"]').inner_text() == "$10.00"
    invoice = globex.invoice
    row = page.locator(f'tr[data-number="{invoice.number}"]')
    assert row.locator("td").all_inner_texts()[:5] == [
        invoice.number,
        "Mar 14, 2026",
        "Apr 13, 2026",
        "Feb 1, 2026 – Mar 1, 2026",
        "Open",
    ]
    assert (row.locator(".total").inner_text(), row.locator(".amount-due").inner_text()) == ("$70.25", "$70.25")
    page.screenshot(path=screenshot_path("portal"), full_page=True)

    # The PDF link, clicked: the browser opens the invoice's PDF at the same link.
    href = row.locator("a.pdf").get_attribute("href")
    with page.expect_response(lambda answer: answer.url == f"{live_server.url}{href}") as answer_info:
        row.locator("a.pdf").click()
    answer = answer_info.value
    assert (answer.status, answer.headers["content-type"]) == (200, "application/pdf")
    assert page.url == f"{live_server.url}{href}"
    # Chromium shows it in its PDF viewer (whose page is what `answer.body()` reads): the
    # bytes themselves, fetched by the browser's own request context.
    fetched = page.request.get(page.url)
    assert (fetched.status, fetched.body()[:5]) == (200, b"%PDF-")
