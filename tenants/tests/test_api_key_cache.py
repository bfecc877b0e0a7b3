"""The remembered API keys (tenants.api_key_cache): a key found once answers later
requests without a query, and is refused the moment its row is revoked or deleted,
whoever changes the row (this process, the admin, another process's connection).

These tests commit (`transactional_db`): the cache is off inside a transaction, where
PostgreSQL delivers no notification, so every other test reads the key from the database.
"""

from __future__ import annotations

import select

import psycopg
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tenants import api_key_cache
from tenants.authentication import INVALID_API_KEY
from tenants.models import ApiKey, Tenant, generate_api_key, hash_api_key
from tenants.scoping import NOT_YOUR_TENANT
from tenants.services import api_key_create
from tenants.tests.factories import TenantFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _nothing_remembered():
    api_key_cache.forget_all()
    yield
    api_key_cache.forget_all()


def key_queries(captured: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if "tenants_apikey" in q["sql"]]


def get_tenant(client, tenant_id) -> tuple[int, list[str]]:
    """GET the tenant with `client`: (status, the API key queries it ran)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/v1/tenants/{tenant_id}")
    return response.status_code, key_queries(captured)


def remembered(client, tenant_id) -> None:
    """Two requests: the first LISTENs, the second reads the key after it and remembers."""
    for _ in range(2):
        status, _ = get_tenant(client, tenant_id)
        assert status == 200


def notification_arrived(timeout: float = 5.0) -> bool:
    """Wait until something is readable on this process's LISTENing socket: PostgreSQL
    sends the notification when the other transaction commits, but the listening backend
    writes it to its socket a moment later (its own interrupt), not before the other
    connection's COMMIT returns."""
    readable, _, _ = select.select([connection.connection.pgconn.socket], [], [], timeout)
    return bool(readable)


def errors(response):
    return [(e["code"], e["detail"]) for e in response.json()["errors"]]


def test_a_remembered_key_answers_without_a_query(tenant, client_for_key):
    _, raw = api_key_create(tenant=tenant, name="backend")
    client = client_for_key(raw)
    status, queries = get_tenant(client, tenant.id)
    assert status == 200
    assert len(queries) == 2  # the lookup and the first last_used_at
    remembered(client, tenant.id)
    assert get_tenant(client, tenant.id) == (200, [])
    assert get_tenant(client, tenant.id) == (200, [])


def test_a_key_revoked_through_the_api_is_refused_at_once(tenant, api, client_for_key):
    key, raw = api_key_create(tenant=tenant, name="backend")
    client = client_for_key(raw)
    remembered(client, tenant.id)
    assert api.delete(f"/v1/tenants/{tenant.id}/api-keys/{key.id}").status_code == 204
    response = client.get(f"/v1/tenants/{tenant.id}")
    assert response.status_code == 401
    assert errors(response) == [("authentication_failed", INVALID_API_KEY)]


def test_a_key_revoked_by_another_process_is_refused_at_once(tenant, client_for_key):
    """Another process (the admin on another host, a shell) writes through its own
    connection: nothing in this process is told but PostgreSQL's notification, and the
    first request after it has arrived is refused."""
    key, raw = api_key_create(tenant=tenant, name="backend")
    client = client_for_key(raw)
    remembered(client, tenant.id)
    assert get_tenant(client, tenant.id) == (200, [])
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("UPDATE tenants_apikey SET revoked_at = now() WHERE id = %s", [key.id])
    assert notification_arrived()
    status, queries = get_tenant(client, tenant.id)
    assert status == 401
    assert len(queries) == 1  # forgotten: read again, and refused by the database


def test_a_key_used_only_for_last_used_at_stays_remembered(tenant, client_for_key):
    key, raw = api_key_create(tenant=tenant, name="backend")
    client = client_for_key(raw)
    remembered(client, tenant.id)
    ApiKey.unscoped().filter(pk=key.pk).update(last_used_at=None, name="renamed")
    assert get_tenant(client, tenant.id) == (200, [])


def test_a_deleted_tenants_key_is_refused(client_for_key):
    doomed = TenantFactory(name="Doomed")
    raw = generate_api_key()
    ApiKey.objects.create(tenant=doomed, name="backend", prefix=raw[:10], key_hash=hash_api_key(raw))
    client = client_for_key(raw)
    remembered(client, doomed.id)
    assert get_tenant(client, doomed.id) == (200, [])
    Tenant.objects.filter(pk=doomed.pk).delete()
    response = client.get(f"/v1/tenants/{doomed.id}")
    assert response.status_code == 401
    assert hash_api_key(raw) not in api_key_cache._keys


def test_a_remembered_key_of_another_tenant_is_403(tenant, other_tenant, client_for_key):
    _, raw = api_key_create(tenant=other_tenant, name="theirs")
    client = client_for_key(raw)
    remembered(client, other_tenant.id)
    for _ in range(2):
        response = client.get(f"/v1/tenants/{tenant.id}")
        assert response.status_code == 403
        assert errors(response) == [("permission_denied", NOT_YOUR_TENANT)]
    response = client.post(
        f"/v1/tenants/{tenant.id}/usage",
        {"external_customer_id": "cus_42", "meter": "api_calls"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-1",
    )
    assert response.status_code == 403


def test_a_new_connection_starts_with_nothing_remembered(tenant, client_for_key):
    """A notification sent while no connection of the process listened is lost: so a new
    connection forgets everything and listens again before it remembers anything."""
    key, raw = api_key_create(tenant=tenant, name="backend")
    client = client_for_key(raw)
    remembered(client, tenant.id)
    connection.close()
    ApiKey.unscoped().filter(pk=key.pk).update(revoked_at="2026-01-01T00:00:00Z")  # opens a new connection
    assert client.get(f"/v1/tenants/{tenant.id}").status_code == 401


def test_an_unknown_key_is_never_remembered(tenant, client_for_key):
    client = client_for_key(generate_api_key())
    for _ in range(3):
        status, queries = get_tenant(client, tenant.id)
        assert (status, len(queries)) == (401, 1)
    assert api_key_cache._keys == {}
