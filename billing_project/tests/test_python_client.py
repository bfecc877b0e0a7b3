"""The typed Python client (clients/python, README "Python client").

The committed client must be what `make client` makes from the current code: the test
regenerates it (clients/generate.py) into a temporary directory and compares every
file, the schema snapshot included. Comparing the output rather than a hash of the
schema also catches a hand edit of a generated file and a change of the generator's
version or options.

The README's tour is extracted from README.md and run as written, with the base URL
of a live server (a real HTTP server on a free port, on the test database) in place
of `make run`'s.
"""

from __future__ import annotations

import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from invoices.models import Invoice
from subscriptions.models import Customer, Subscription
from usage.models import UsageEvent

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = ROOT / "clients"
README_BASE_URL = '"http://127.0.0.1:8000"'
GENERATED_BY_RUNS = {"__pycache__", ".ruff_cache", ".mypy_cache"}


def files(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and not GENERATED_BY_RUNS & set(path.relative_to(root).parts)
    }


def client_files(root: Path) -> dict[str, bytes]:
    return {"openapi.json": (root / "openapi.json").read_bytes(), **files(root / "python")}


def test_the_committed_client_is_generated_from_the_current_schema(tmp_path):
    subprocess.run([sys.executable, str(CLIENTS / "generate.py"), "--output", str(tmp_path)], check=True)
    committed, fresh = client_files(CLIENTS), client_files(tmp_path)
    stale = sorted(name for name in committed.keys() | fresh.keys() if committed.get(name) != fresh.get(name))
    assert stale == [], "clients/ is stale: run `make client` and commit it"
    assert "billing_client/api/tenants/tenants_usage_create.py" in committed


def readme_tour() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("\n## Python client\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"^```python\n(.*?)^```$", section, flags=re.DOTALL | re.MULTILINE)
    assert len(blocks) == 1, "the section has one Python block: the tour"
    return blocks[0]


def test_the_tour_is_found_in_the_readme():
    tour = readme_tour()
    assert tour.count(README_BASE_URL) == 1
    assert "tenants_subscriptions_upcoming_invoice_retrieve" in tour


@pytest.fixture
def billing_client_importable(monkeypatch) -> None:
    monkeypatch.syspath_prepend(str(CLIENTS / "python"))


def run_tour(base_url: str) -> dict[str, Any]:
    """The tour's variables after running it against `base_url`."""
    from billing_client import AuthenticatedClient, Client

    namespace: dict[str, Any] = {"__name__": "readme_tour"}
    try:
        exec(compile(readme_tour().replace(README_BASE_URL, repr(base_url)), "README.md", "exec"), namespace)  # noqa: S102
    finally:
        # Kept-alive connections would hold the live server's threads (and their
        # database connections) past the test.
        for value in namespace.values():
            if isinstance(value, Client | AuthenticatedClient):
                value.get_httpx_client().close()
    return namespace


@pytest.mark.django_db(transaction=True)
def test_the_readme_tour_runs_against_a_live_server(live_server, billing_client_importable, capsys):
    namespace = run_tour(live_server.url)
    upcoming = namespace["upcoming"]
    assert (upcoming.total, upcoming.amount_due, upcoming.currency) == ("52.00", "52.00", "USD")
    assert [(line.description, line.quantity, line.amount) for line in upcoming.lines] == [
        ("Pro (month)", "1", "49.00"),
        ("API calls (tiered)", "2500", "3.00"),
    ]
    assert [(tier.quantity, tier.amount) for tier in upcoming.lines[1].tiers] == [("1000", "0.00"), ("1500", "3.00")]
    assert upcoming.id is None and upcoming.number is None  # a preview: nothing stored
    assert "52.00 [('Pro (month)', '1', '49.00'), ('API calls (tiered)', '2500', '3.00')]" in capsys.readouterr().out

    # What the tour did is in the database, once.
    customer = Customer.objects.get(external_id="cus_42")
    assert str(customer.tenant_id) == str(namespace["tenant_id"]) and customer.name == "Globex"
    subscription = Subscription.objects.get(customer=customer)
    assert str(subscription.id) == str(namespace["subscription"].id) and subscription.plan.amount == Decimal("49.00")
    events = UsageEvent.objects.filter(tenant_id=customer.tenant_id)
    assert [(event.idempotency_key, event.value) for event in events] == [("evt-1", Decimal("2500"))]
    assert not Invoice.objects.filter(customer=customer).exists()


@pytest.mark.django_db(transaction=True)
def test_an_error_body_is_a_model_and_the_tour_s_expect_raises_on_it(live_server, billing_client_importable):
    from billing_client import Client
    from billing_client.api.tenants import tenants_create
    from billing_client.models import ErrorResponse, TenantSignupInputRequest, TenantSignupOutput

    preamble: dict[str, Any] = {}
    exec(compile(readme_tour().split("\n# 1.", 1)[0], "README.md", "exec"), preamble)  # noqa: S102
    with Client(live_server.url) as anonymous:
        answer = tenants_create.sync(
            client=anonymous,
            body=TenantSignupInputRequest(name="Acme", admin_email="admin@acme.test", admin_password="short"),
        )
    assert isinstance(answer, ErrorResponse)
    assert [(error.attr, error.code) for error in answer.errors] == [("admin_password", "password_too_short")]
    with pytest.raises(RuntimeError, match="expected TenantSignupOutput, got ErrorResponse"):
        preamble["expect"](TenantSignupOutput, answer)
