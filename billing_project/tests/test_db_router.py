"""The read-replica router (billing_project/db_router.py, tenants/replica.py) with a real
second connection: in tests the `replica` alias is a mirror of the test database (Django's
TEST MIRROR: a connection of its own to the same database), so each alias's query log
shows which connection ran what. These tests commit (transaction=True): the replica's
connection cannot see the rows of another connection's open transaction, exactly like a
real replica.

A mirror cannot show replication lag, and logical replication to a second database
needs `wal_level = logical` on the server (this one runs `replica`); docs/scaling.md
says what a real replica adds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.test.utils import CaptureQueriesContext

from billing_project.db_router import PrimaryReplicaRouter
from invoices.tests.factories import run
from metrics.tests.helpers import plan_with_usage, refresh
from subscriptions.models import Customer
from subscriptions.tests.factories import CustomerFactory, SubscriptionFactory
from tenants.models import ApiKey
from tenants.replica import fresh_unit_of_work, replica_reads
from tenants.services import api_key_create
from tenants.tests.utils import at
from usage.tests.factories import use

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])

ROOT = Path(__file__).resolve().parents[2]
WRITES = ("INSERT", "UPDATE", "DELETE")


@pytest.fixture(autouse=True)
def _replica_configured(settings) -> None:
    settings.DATABASE_REPLICA = "replica"


class Logs:
    """The queries each alias runs inside `with Logs() as logs:`."""

    def __enter__(self) -> Logs:
        self.contexts = {alias: CaptureQueriesContext(connections[alias]) for alias in ("default", "replica")}
        for context in self.contexts.values():
            context.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        for context in self.contexts.values():
            context.__exit__(None, None, None)

    def __getitem__(self, alias: str) -> CaptureQueriesContext:
        return self.contexts[alias]


def sql_of(log: CaptureQueriesContext) -> list[str]:
    return [query["sql"] for query in log.captured_queries]


def test_the_replica_is_a_connection_of_its_own():
    assert connections["replica"] is not connections[DEFAULT_DB_ALIAS]
    assert connections["replica"].settings_dict["NAME"] == connections[DEFAULT_DB_ALIAS].settings_dict["NAME"]


def test_a_list_page_is_read_from_the_replica_and_nothing_is_written_there(api, turl, tenant):
    CustomerFactory(tenant=tenant, external_id="cus_1", name="Ada")
    CustomerFactory(tenant=tenant, external_id="cus_2", name="Bob")

    with Logs() as logs:
        response = api.get(turl("customers"))

    assert response.status_code == 200
    assert sorted(row["external_id"] for row in response.json()["results"]) == ["cus_1", "cus_2"]
    replica, primary = sql_of(logs["replica"]), sql_of(logs["default"])
    assert any('FROM "subscriptions_customer"' in sql for sql in replica)
    assert not any('FROM "subscriptions_customer"' in sql for sql in primary)
    assert not any(sql.lstrip().upper().startswith(WRITES) for sql in replica)


def test_metrics_are_read_from_the_replica(api, turl, tenant):
    sub = SubscriptionFactory(
        tenant=tenant, plan=plan_with_usage(tenant, code="m", amount="49.00"), start_at=at(2026, 1, 1)
    )
    use(sub, "storage_gb", "70", at(2026, 1, 10))  # 7.00
    run(tenant, at(2026, 2, 1))
    refresh(at(2026, 2, 1, 2))

    with Logs() as logs:
        mrr = api.get(turl("metrics/mrr"))
        revenue = api.get(turl("metrics/revenue"), {"from": "2026-01-01T00:00:00Z", "to": "2026-03-01T00:00:00Z"})

    assert mrr.status_code == 200
    assert [(row["currency"], row["mrr"]) for row in mrr.json()["currencies"]] == [("USD", "56.00")]
    assert revenue.status_code == 200
    assert revenue.json()["currencies"][0]["months"] == [
        {"month": "2026-01", "invoiced": "0.00", "paid": "0.00"},
        {"month": "2026-02", "invoiced": "56.00", "paid": "0.00"},
    ]
    replica, primary = sql_of(logs["replica"]), sql_of(logs["default"])
    assert any('FROM "metrics_revenue"' in sql for sql in replica)
    assert any("FROM metrics_revenuemonth" in sql for sql in replica)  # the revenue rollup (metrics 0004)
    read = ("metrics_revenue", "invoices_invoice")
    assert not any(table in sql for sql in primary for table in read)


def test_a_write_goes_to_the_primary_and_never_to_the_replica(api, turl):
    with Logs() as logs:
        response = api.post(turl("customers"), {"external_id": "cus_new", "name": "New"}, format="json")

    assert response.status_code == 201
    assert any(sql.startswith('INSERT INTO "subscriptions_customer"') for sql in sql_of(logs["default"]))
    assert not any(sql.lstrip().upper().startswith(WRITES) for sql in sql_of(logs["replica"]))
    assert Customer.objects.using("default").filter(external_id="cus_new").count() == 1


def test_a_request_that_wrote_reads_its_list_from_the_primary(tenant, turl, client_for_key):
    """An API key is touched (last_used_at, a write) on its first use: that request's
    list is read from the primary; the next request's from the replica again."""
    CustomerFactory(tenant=tenant, external_id="cus_1")
    _, raw = api_key_create(tenant=tenant, name="reader")
    client = client_for_key(raw)

    with Logs() as logs:
        first = client.get(turl("customers"))

    assert first.status_code == 200
    assert [row["external_id"] for row in first.json()["results"]] == ["cus_1"]
    assert ApiKey.unscoped().get(name="reader").last_used_at is not None
    assert not any('FROM "subscriptions_customer"' in sql for sql in sql_of(logs["replica"]))

    with Logs() as logs:
        second = client.get(turl("customers"))  # touched a moment ago: no write this time

    assert [row["external_id"] for row in second.json()["results"]] == ["cus_1"]
    assert any('FROM "subscriptions_customer"' in sql for sql in sql_of(logs["replica"]))


def test_the_router_decides_read_by_read(tenant):
    with fresh_unit_of_work():
        assert router.db_for_read(Customer) == "default"  # nobody asked for the replica
        with replica_reads():
            assert router.db_for_read(Customer) == "replica"
            with transaction.atomic():  # a transaction's reads stay with its writes
                assert router.db_for_read(Customer) == "default"
            Customer.objects.create(tenant=tenant, external_id="cus_w", name="W")
            assert router.db_for_read(Customer) == "default"  # read your own write
    with fresh_unit_of_work(), replica_reads():  # the next unit of work starts clean
        assert router.db_for_read(Customer) == "replica"


def test_without_a_replica_every_read_is_the_primarys(settings):
    settings.DATABASE_REPLICA = None
    with fresh_unit_of_work(), replica_reads():
        assert router.db_for_read(Customer) == "default"


def test_migrations_run_on_the_primary_only():
    routing = PrimaryReplicaRouter()
    assert routing.allow_migrate("default", "subscriptions") is True
    assert routing.allow_migrate("replica", "subscriptions") is False
    assert router.allow_migrate("replica", "subscriptions", model_name="customer") is False


def replica_settings(**env: str) -> dict:
    """The replica's part of billing_project.settings as a fresh process reads it."""
    clean = {k: v for k, v in os.environ.items() if k not in {"REPLICA_DATABASE_URL", "APP_ENV"}}
    code = (
        "import json, billing_project.settings as s; r = s.DATABASES.get('replica');"
        "print(json.dumps({'alias': s.DATABASE_REPLICA, 'routers': s.DATABASE_ROUTERS,"
        " 'replica': r and {k: r[k] for k in ('NAME', 'HOST', 'PORT', 'ENGINE', 'TEST')}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env={**clean, "APP_ENV": "development", **env},
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(result.stdout)


@pytest.mark.django_db(databases=[])
def test_replica_database_url_configures_the_replica_alias():
    loaded = replica_settings(REPLICA_DATABASE_URL="postgresql://reader@replica.internal:6432/billing")
    assert loaded == {
        "alias": "replica",
        "routers": ["billing_project.db_router.PrimaryReplicaRouter"],
        "replica": {
            "NAME": "billing",
            "HOST": "replica.internal",
            "PORT": 6432,
            "ENGINE": "billing_project.postgres",
            "TEST": {"MIRROR": "default"},
        },
    }


@pytest.mark.django_db(databases=[])
def test_without_replica_database_url_there_is_no_replica():
    assert replica_settings() == {
        "alias": None,
        "routers": ["billing_project.db_router.PrimaryReplicaRouter"],
        "replica": None,
    }
