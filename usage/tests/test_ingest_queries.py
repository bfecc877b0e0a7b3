"""How many queries one single-event POST costs once the process is warm: the
customer, the meter (usage.selectors), the tenant's clock (tenants.clock) and the API
key (tenants.api_key_cache) are remembered, so what is left is the INSERT itself."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tenants import api_key_cache
from tenants.services import api_key_create
from usage.models import UsageEvent


@pytest.fixture(autouse=True)
def _nothing_remembered():
    api_key_cache.forget_all()
    yield
    api_key_cache.forget_all()


def post(client, tenant, key):
    body = {"external_customer_id": "cus_42", "meter": "api_calls", "value": "2.5"}
    return client.post(f"/v1/tenants/{tenant.id}/usage", body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def captured_post(client, tenant, key):
    with CaptureQueriesContext(connection) as captured:
        response = post(client, tenant, key)
    assert response.status_code == 201, response.content
    return response, [q["sql"] for q in captured.captured_queries]


@pytest.mark.django_db
def test_a_warm_single_event_post_reads_the_key_and_inserts(tenant, customer, meter, client_for_key):
    """Inside a transaction, where neither the key nor the events' partitions are
    remembered (usage.partitions learns months only outside one: a partition created in
    a transaction could still roll back): three queries."""
    _, raw = api_key_create(tenant=tenant, name="backend")
    client = client_for_key(raw)
    post(client, tenant, "warm-up")
    response, queries = captured_post(client, tenant, "e-1")
    assert len(queries) == 3
    assert "FROM tenants_apikey" in queries[0]
    assert "FROM pg_inherits" in queries[1]
    assert queries[2].lstrip().startswith("WITH fence") and "INSERT INTO usage_usageevent" in queries[2]
    stored = UsageEvent.objects.get(pk=response.json()["id"])
    assert (stored.idempotency_key, stored.value, stored.customer_id) == ("e-1", Decimal("2.5"), customer.id)


@pytest.mark.django_db(transaction=True)
def test_a_warm_single_event_post_with_a_remembered_key_is_one_insert(tenant, customer, meter, client_for_key):
    _, raw = api_key_create(tenant=tenant, name="backend")
    client = client_for_key(raw)
    for n in range(3):  # the first LISTENs, the second remembers the key
        post(client, tenant, f"warm-up-{n}")
    response, queries = captured_post(client, tenant, "e-1")
    assert len(queries) == 1
    assert "INSERT INTO usage_usageevent" in queries[0]
    assert response.json()["value"] == "2.5"
    assert UsageEvent.objects.filter(tenant=tenant).count() == 4
