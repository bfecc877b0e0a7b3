"""The events table partitioned by month (usage.partitions, migration 0006): the
migration keeps every row, id, key, seq and revision; ingestion makes the partition of
a month that has none; keys stay unique per tenant in their own table; the beat task
makes the coming months; retention drops whole months."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from plans.models import Meter
from plans.tests.factories import MeterFactory
from subscriptions.tests.factories import CustomerFactory
from tenants import clock
from tenants.errors import Unprocessable
from tenants.models import Tenant
from tenants.tests.utils import at
from usage import partitions, services
from usage.models import UsageEvent, UsageEventRevision, UsageIdempotencyKey, UsageLateMonth
from usage.parsing import ParsedEvent, usage_events_prepare
from usage.tasks import usage_partitions_ahead
from usage.tests.factories import UsageEventFactory


def prepared(tenant: Tenant, *events: tuple[str, str, str]) -> list[ParsedEvent]:
    """(key, value, timestamp) events of cus_42 on the sum meter api_calls."""
    if not Meter.objects.filter(tenant=tenant, code="api_calls").exists():
        CustomerFactory(tenant=tenant, external_id="cus_42")
        MeterFactory(tenant=tenant, code="api_calls", aggregation=Meter.Aggregation.SUM)
    raws = [
        {"idempotency_key": k, "external_customer_id": "cus_42", "meter": "api_calls", "value": v, "timestamp": t}
        for k, v, t in events
    ]
    batch = usage_events_prepare(tenant=tenant, raws=raws, now=clock.real_now())
    assert not batch.failed
    return batch.ready


def partition_of(event_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text FROM usage_usageevent WHERE id = %s", [event_id])
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_an_event_in_a_month_without_a_partition_makes_it_and_is_stored(tenant):
    assert (1999, 5) not in partitions.existing_months()
    [old, new] = prepared(tenant, ("old", "2", "1999-05-31T23:59:59Z"), ("new", "3", "2026-06-01T00:00:00Z"))
    result = services.usage_events_ingest_batch(tenant=tenant, events=[old, new])
    assert (result.accepted, result.duplicates) == (2, 0)
    stored = {e.idempotency_key: e for e in UsageEvent.objects.all()}
    assert partition_of(stored["old"].pk) == "usage_usageevent_p1999_05"
    assert partition_of(stored["new"].pk) == "usage_usageevent_p2026_06"
    keys = UsageIdempotencyKey.objects.values_list("idempotency_key", "event_id", "timestamp", "fingerprint")
    assert set(keys) == {
        ("old", stored["old"].pk, datetime(1999, 5, 31, 23, 59, 59, tzinfo=UTC), old.fingerprint),
        ("new", stored["new"].pk, at(2026, 6, 1), new.fingerprint),
    }


@pytest.mark.django_db
def test_keys_stay_unique_per_tenant_across_months(tenant, other_tenant):
    [first] = prepared(tenant, ("k1", "2", "2026-03-10T00:00:00Z"))
    [again] = prepared(tenant, ("k1", "2", "2026-03-10T00:00:00Z"))
    [other_month] = prepared(tenant, ("k1", "2", "2025-03-10T00:00:00Z"))  # another body (timestamp)
    [elsewhere] = prepared(other_tenant, ("k1", "2", "2025-03-10T00:00:00Z"))
    assert services.usage_event_ingest(tenant=tenant, event=first).created
    replay = services.usage_event_ingest(tenant=tenant, event=again)
    assert (replay.created, replay.event.value, replay.event.timestamp) == (False, Decimal(2), at(2026, 3, 10))
    with pytest.raises(Unprocessable):
        services.usage_events_ingest_batch(tenant=tenant, events=[other_month])
    assert services.usage_event_ingest(tenant=other_tenant, event=elsewhere).created
    assert sorted(UsageEvent.objects.values_list("tenant_id", "timestamp")) == sorted(
        [(tenant.id, at(2026, 3, 10)), (other_tenant.id, at(2025, 3, 10))]
    )


@pytest.mark.django_db
def test_a_correction_of_an_event_in_an_old_month_updates_its_row(tenant):
    [event] = prepared(tenant, ("k", "5", "2001-02-03T00:00:00Z"))
    services.usage_events_ingest_batch(tenant=tenant, events=[event])
    stored = UsageEvent.objects.get()
    services.usage_event_amend(tenant=tenant, event_id=stored.pk, actor="user:1", reason="typo", value=Decimal(7))
    stored.refresh_from_db()
    assert (stored.value, stored.revision, partition_of(stored.pk)) == (Decimal(7), 2, "usage_usageevent_p2001_02")


@pytest.mark.django_db
def test_the_beat_task_makes_this_month_and_the_next_ones(tenant, settings):
    settings.USAGE_PARTITIONS_AHEAD_MONTHS = 2
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS usage_usageevent_p2099_12, usage_usageevent_p2100_01")
    made = partitions.ensure_partitions_ahead(now=datetime(2099, 12, 15, tzinfo=UTC), months_ahead=2)
    assert made == [(2099, 12), (2100, 1), (2100, 2)]
    assert partitions.ensure_partitions_ahead(now=datetime(2099, 12, 15, tzinfo=UTC), months_ahead=2) == []
    this_month = partitions.month_of(clock.real_now())
    usage_partitions_ahead()
    assert {this_month, partitions.add_months(this_month, 2)} <= partitions.existing_months()


@pytest.mark.django_db
def test_retention_drops_old_months_with_their_keys_and_revisions(tenant):
    old = UsageEventFactory(tenant=tenant, timestamp=at(1998, 7, 1), idempotency_key="old")
    kept = UsageEventFactory(tenant=tenant, timestamp=at(1998, 8, 1), idempotency_key="kept")
    for event in (old, kept):
        services.usage_event_void(tenant=tenant, event_id=event.pk, actor="user:1", reason="test")
    assert partitions.drop_partitions_before((1998, 8)) == [(1998, 7)]
    assert list(UsageEvent.objects.values_list("idempotency_key", flat=True)) == ["kept"]
    assert list(UsageIdempotencyKey.objects.values_list("idempotency_key", flat=True)) == ["kept"]
    assert set(UsageEventRevision.objects.values_list("event_id", flat=True)) == {kept.pk}
    assert (1998, 7) not in partitions.existing_months()
    assert list(UsageLateMonth.objects.values_list("month", flat=True)) == [date(1998, 8, 1)]


# The migration on existing data --------------------------------------------------------------

BEFORE = [("usage", "0005_revision_seq")]

_OLD_EVENT_SQL = """
INSERT INTO usage_usageevent (tenant_id, customer_id, meter_id, idempotency_key, value, timestamp, properties,
                              fingerprint, created_at, revision)
VALUES (%s, %s, %s, %s, %s, %s, '{"region": "eu"}', %s, %s, %s)
RETURNING id, seq
"""
_OLD_REVISION_SQL = """
INSERT INTO usage_usageeventrevision (tenant_id, event_id, revision, action, value, properties, actor, reason, created_at)
VALUES (%s, %s, 1, 'created', 1, '{}', '', '', now())
"""
_EVENT_COLUMNS = "id, tenant_id, customer_id, meter_id, idempotency_key, value, timestamp, properties, fingerprint, seq"


def _migrate(targets: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def _latest() -> list[tuple[str, str]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def _rows() -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {_EVENT_COLUMNS} FROM usage_usageevent ORDER BY id")  # noqa: S608 - a constant
        return cursor.fetchall()


@pytest.fixture
def before_partitioning() -> Any:
    _migrate(BEFORE)
    yield
    _migrate(_latest())


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_every_row_key_and_seq(before_partitioning, tenant, other_tenant):
    customer, meter = CustomerFactory(tenant=tenant), MeterFactory(tenant=tenant)
    other_customer, other_meter = CustomerFactory(tenant=other_tenant), MeterFactory(tenant=other_tenant)
    stamps = [at(2016, 2, 29, 23, 59), at(2024, 12, 31, 23, 59, 59), at(2025, 1, 1), at(2026, 1, 15)]
    with connection.cursor() as cursor:
        for n, stamp in enumerate(stamps):
            for t, c, m in [(tenant, customer, meter), (other_tenant, other_customer, other_meter)]:
                params = [t.id, c.id, m.id, f"key-{n}", Decimal(n) + Decimal("0.5"), stamp, f"fp{n}", stamp, 1 + n % 2]
                cursor.execute(_OLD_EVENT_SQL, params)
                event_id, _ = cursor.fetchone()
        cursor.execute(_OLD_REVISION_SQL, [other_tenant.id, event_id])
    before = _rows()
    assert len(before) == 8

    _migrate(_latest())

    assert _rows() == before  # ids, keys, values, timestamps, properties, fingerprints and seqs
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE relname = 'usage_usageevent'")
        assert cursor.fetchone()[0] == "p"  # partitioned
        cursor.execute("SELECT count(*) FROM usage_usageevent_p2016_02")
        assert cursor.fetchone()[0] == 2
    keys = UsageIdempotencyKey.objects.values_list(
        "tenant_id", "idempotency_key", "event_id", "timestamp", "fingerprint"
    )
    assert sorted(keys, key=lambda k: k[2]) == [(r[1], r[4], r[0], r[6], r[8]) for r in before]
    assert UsageEventRevision.objects.get().event == UsageEvent.objects.get(pk=event_id)
    # New events continue both sequences, and a stored key is still a duplicate.
    [new, old_key] = prepared(tenant, ("new", "1", "2026-01-20T00:00:00Z"), ("key-3", "1", "2026-01-15T00:00:00Z"))
    assert services.usage_events_ingest_batch(tenant=tenant, events=[new]).accepted == 1
    with pytest.raises(Unprocessable):  # another body (value, fingerprint) under a stored key
        services.usage_events_ingest_batch(tenant=tenant, events=[old_key])
    stored = UsageEvent.objects.get(idempotency_key="new")
    assert stored.pk > max(r[0] for r in before) and stored.seq > max(r[9] for r in before)

    _migrate(BEFORE)  # and back: the plain table with every row
    assert _rows() == [*before, *[r for r in _rows() if r[4] == "new"]]
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE relname = 'usage_usageevent'")
        assert cursor.fetchone()[0] == "r"


@pytest.mark.django_db
def test_a_batch_of_old_events_notes_each_month_once_and_recent_ones_not_at_all(tenant):
    events = prepared(
        tenant,
        ("a", "1", "2020-03-01T00:00:00Z"),
        ("b", "1", "2020-03-02T00:00:00Z"),
        ("c", "1", "2020-04-02T00:00:00Z"),
        ("now", "1", clock.real_now().isoformat()),
    )
    services.usage_events_ingest_batch(tenant=tenant, events=events)
    seqs = dict(UsageEvent.objects.values_list("idempotency_key", "seq"))
    noted = dict(UsageLateMonth.objects.values_list("month", "seq"))
    assert set(noted) == {date(2020, 3, 1), date(2020, 4, 1)}  # not this month
    assert noted[date(2020, 3, 1)] in {seqs["a"], seqs["b"]} and noted[date(2020, 4, 1)] == seqs["c"]
