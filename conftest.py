"""Fixtures every app's tests share: tenants, callers of each role, and API clients.

`api` is an APIClient logged in (JWT) as an admin of `tenant`; `client_for(user)` or
`client_for_key(raw_key)` give others. `other_tenant` exists for isolation tests.

Test code itself runs `unscoped()`: factories and assertions read and write any
tenant's rows. The code under test does not inherit that: a request, a task and a
command enter their own scopes, and fail as they would in production without one
(tenants/tests/test_isolation.py).
`staff_client` is a Django test client logged in to the admin as support staff.

Browser tests take `page`: a fresh page of a real headless Chromium (the machine's
package, `make browser` installs it) driven by Playwright; pair it with pytest-django's
`live_server` for a real HTTP server on the test database, and `screenshot_path(name)`
for the pictures the README shows.

`--shuffle-seed N` runs the test files in an order drawn from N, and each file's tests
in an order of their own (as pytest-randomly would, which is not in the lock): the
same N gives every pytest-xdist worker the same collection, as xdist requires.
"""

from __future__ import annotations

import os
import random
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.core.cache import cache
from django.test import Client
from hypothesis import settings as hypothesis_settings
from rest_framework.test import APIClient

from tenants.isolation import unscoped
from tenants.models import Role, Tenant, User
from tenants.services import api_key_create, tokens_for_user
from tenants.tests.factories import PASSWORD, TenantFactory, UserFactory

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

# No deadline for any property test: a slow machine (CI, a loaded laptop) must not fail
# a test that asserts values, not time (a 455 ms example failed test_money's 200 ms).
hypothesis_settings.register_profile("billing", deadline=None)
hypothesis_settings.load_profile("billing")

# Screenshots the README links to (docs/screenshots/*.png), rewritten by the browser tests.
SCREENSHOTS = Path(__file__).resolve().parent / "docs" / "screenshots"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--shuffle-seed",
        type=int,
        default=None,
        help="run the test files, and the tests of each file, in an order drawn from this seed",
    )


def pytest_report_header(config: pytest.Config) -> str | None:
    seed = config.getoption("--shuffle-seed")
    return None if seed is None else f"shuffled with --shuffle-seed {seed}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    seed = config.getoption("--shuffle-seed")
    if seed is None:
        return
    shuffle = random.Random(seed).shuffle
    files: dict[str, list[pytest.Item]] = {}
    for item in items:
        files.setdefault(item.nodeid.split("::", 1)[0], []).append(item)
    order = sorted(files)
    shuffle(order)
    for name in order:
        shuffle(files[name])
    items[:] = [item for name in order for item in files[name]]


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    # Throttle counters and idempotency keys live in Redis (a test database of its own).
    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _unscoped_test_code() -> Iterator[None]:
    with unscoped():
        yield


@pytest.fixture
def tenant(db: Any) -> Tenant:
    return TenantFactory(name="Acme")


@pytest.fixture
def other_tenant(db: Any) -> Tenant:
    return TenantFactory(name="Globex")


@pytest.fixture
def admin_user(tenant: Tenant) -> User:
    return UserFactory(tenant=tenant, role=Role.ADMIN, email="admin@acme.test")


@pytest.fixture
def member_user(tenant: Tenant) -> User:
    return UserFactory(tenant=tenant, role=Role.MEMBER, email="member@acme.test")


@pytest.fixture
def viewer_user(tenant: Tenant) -> User:
    return UserFactory(tenant=tenant, role=Role.VIEWER, email="viewer@acme.test")


@pytest.fixture
def other_admin(other_tenant: Tenant) -> User:
    return UserFactory(tenant=other_tenant, role=Role.ADMIN, email="admin@globex.test")


@pytest.fixture
def client_for() -> Callable[[User], APIClient]:
    def make(user: User) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens_for_user(user)['access']}")
        return client

    return make


@pytest.fixture
def client_for_key() -> Callable[[str], APIClient]:
    def make(raw_key: str) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
        return client

    return make


@pytest.fixture
def api(admin_user: User, client_for: Callable[[User], APIClient]) -> APIClient:
    return client_for(admin_user)


@pytest.fixture
def member_api(member_user: User, client_for: Callable[[User], APIClient]) -> APIClient:
    return client_for(member_user)


@pytest.fixture
def viewer_api(viewer_user: User, client_for: Callable[[User], APIClient]) -> APIClient:
    return client_for(viewer_user)


@pytest.fixture
def other_api(other_admin: User, client_for: Callable[[User], APIClient]) -> APIClient:
    return client_for(other_admin)


@pytest.fixture
def key_api(tenant: Tenant, client_for_key: Callable[[str], APIClient]) -> APIClient:
    _, raw = api_key_create(tenant=tenant, name="backend")
    return client_for_key(raw)


@pytest.fixture
def turl(tenant: Tenant) -> Callable[[str], str]:
    """`turl("plans")` → `/v1/tenants/<tenant.id>/plans`."""

    def make(path: str = "") -> str:
        return f"/v1/tenants/{tenant.id}/{path}".rstrip("/")

    return make


@pytest.fixture
def staff_client(db: Any) -> Client:
    """Support staff in the Django admin: a superuser of no tenant."""
    client = Client()
    client.force_login(User.objects.create_superuser(email="support@billing.test", password=PASSWORD))
    return client


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """A headless Chromium from the machine's packages, one per test session."""
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not executable:
        pytest.fail("Chromium is not installed: `make browser` installs it from the package manager")
    # Playwright's sync API keeps an event loop in this thread; Django then refuses ORM
    # calls from test code here. The server under test runs in live_server's own thread.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Browser) -> Iterator[Page]:
    """A page in a fresh browser context (no cookies shared between tests)."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    # A bound on each wait, generous for a machine the suite shares with its own workers.
    context.set_default_timeout(60_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot_path(tmp_path: Path) -> Callable[[str], str]:
    """Where a browser test saves a screenshot: a temporary folder, so that a run leaves
    the work tree as it was (ids and times differ in every run); with
    UPDATE_SCREENSHOTS=1, docs/screenshots, the README's pictures."""
    folder = SCREENSHOTS if os.environ.get("UPDATE_SCREENSHOTS") == "1" else tmp_path

    def make(name: str) -> str:
        folder.mkdir(parents=True, exist_ok=True)
        return str(folder / f"{name}.png")

    return make
