"""The browser fixture itself: a real Chromium loads a page of the live server and logs in.

The portal and the admin's support story have their own browser tests; this one fails
first and alone when Chromium or Playwright is missing or broken.
"""

from __future__ import annotations

from typing import Any

import pytest

from tenants.models import User
from tenants.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_chromium_logs_in_to_the_admin(page: Any, live_server: Any) -> None:
    User.objects.create_superuser(email="support@billing.test", password=PASSWORD)

    page.goto(f"{live_server.url}/admin/login/")
    page.fill("input[name=username]", "support@billing.test")
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")

    page.wait_for_url(f"{live_server.url}/admin/")
    assert page.locator("#site-name").inner_text().strip() != ""
    assert "support@billing.test" in page.locator("#user-tools").inner_text().lower()
