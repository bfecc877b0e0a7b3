"""The usage sequence (usage.models, `seq`): every stored event takes the next number,
and `usage_stored_through` waits for the tenant's inserts in flight (the fence), so
"every event with seq ≤ W has committed" holds when it answers W. Also the migration
that numbered existing events and gave existing invoices their watermark."""

from __future__ import annotations

import threading
import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor

from plans.models import Meter
from plans.tests.factories import MeterFactory
from subscriptions.tests.factories import CustomerFactory, SubscriptionFactory
from tenants import clock
from tenants.models import Tenant
from tenants.tests.factories import TenantFactory
from tenants.tests.utils import at
from usage import services
from usage.models import UsageEvent, UsageEventRevision
from usage.parsing import ParsedEvent, usage_events_prepare
from usage.selectors import usage_stored_through
from usage.tests.factories import UsageEventFactory

WAIT = 5.0  # seconds a thread may take; the assertions never wait that long unless broken


def prepared(tenant: Tenant, *keys: str) -> list[ParsedEvent]:
    CustomerFactory(tenant=tenant, external_id="cus_42")
    MeterFactory(tenant=tenant, code="api_calls", aggregation=Meter.Aggregation.SUM)
    raws = [{"idempotency_key": key, "external_customer_id": "cus_42", "meter": "api_calls"} for key in keys]
    batch = usage_events_prepare(tenant=tenant, raws=raws, now=clock.real_now())
    assert not batch.failed
    return batch.ready


@pytest.mark.django_db
def test_every_stored_event_takes_the_next_number(tenant):
    first, second, third = prepared(tenant, "a", "b", "c")

    services.usage_event_ingest(tenant=tenant, event=first)
    services.usage_events_ingest_batch(tenant=tenant, events=[second, third])

    seqs = list(UsageEvent.objects.for_tenant(tenant).order_by("idempotency_key").values_list("seq", flat=True))
    assert seqs == sorted(seqs) and len(set(seqs)) == 3
    assert usage_stored_through(tenant=tenant) >= seqs[-1]


@pytest.mark.django_db(transaction=True)
def test_the_fence_waits_for_an_insert_in_flight_then_counts_it():
    tenant, other = TenantFactory(), TenantFactory()
    [event] = prepared(tenant, "in-flight")
    inserted, release = threading.Event(), threading.Event()
    answers: dict[str, int] = {}

    def ingest() -> None:
        try:
            with transaction.atomic():
                services._insert(tenant.pk, [event], clock.real_now())  # takes its number and the fence
                inserted.set()
                release.wait(WAIT)
        finally:
            connection.close()

    def fence(name: str, of: Tenant) -> None:
        try:
            answers[name] = usage_stored_through(tenant=of)
        finally:
            connection.close()

    ingesting = threading.Thread(target=ingest)
    ingesting.start()
    assert inserted.wait(WAIT)
    waiting = threading.Thread(target=fence, args=("tenant", tenant))
    waiting.start()
    waiting.join(0.5)
    assert waiting.is_alive(), "the fence must wait for the insert in flight"
    fence("other", other)  # another tenant's fence does not wait for this tenant's insert
    assert "other" in answers and waiting.is_alive()
    release.set()
    ingesting.join(WAIT)
    waiting.join(WAIT)

    stored = UsageEvent.unscoped().get(tenant=tenant)
    assert answers["tenant"] >= stored.seq  # counted: it committed before the answer
    assert not waiting.is_alive()


# The migration on existing data --------------------------------------------------------------

BEFORE = [("usage", "0002_drop_redundant_tenant_index"), ("invoices", "0010_balance_transaction_uuid")]

_OLD_EVENT_SQL = """
INSERT INTO usage_usageevent (tenant_id, customer_id, meter_id, idempotency_key, value, timestamp, properties,
                              fingerprint, created_at)
VALUES (%s, %s, %s, %s, 1, %s, '{}', 'f', %s)
"""
_OLD_INVOICE_SQL = """
INSERT INTO invoices_invoice (id, tenant_id, number, customer_id, subscription_id, status, billing_reason, currency,
    period_start, period_end, subtotal, discount, tax, taxes, total, credits_applied, amount_credited, amount_paid,
    amount_due, issued_at, due_at, created_at)
VALUES (%s, %s, %s, %s, %s, 'open', 'period', 'USD', %s, %s, 49, 0, 0, '[]', 49, 0, 0, 0, 49, %s, %s, %s)
"""


def _migrate(targets: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.fixture
def before_the_sequence() -> Any:
    _migrate(BEFORE)
    yield
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_the_migration_numbers_stored_events_and_keeps_what_was_late(before_the_sequence):
    sub = SubscriptionFactory(start_at=at(2026, 1, 1))
    meter = MeterFactory(tenant=sub.tenant)
    issued = at(2026, 2, 1, 1)
    with connection.cursor() as cursor:
        for key, stored in [("before", issued - timedelta(hours=1)), ("margin", issued - timedelta(minutes=5))]:
            cursor.execute(_OLD_EVENT_SQL, [sub.tenant_id, sub.customer_id, meter.pk, key, at(2026, 1, 20), stored])
        cursor.execute(
            _OLD_EVENT_SQL, [sub.tenant_id, sub.customer_id, meter.pk, "after", at(2026, 1, 25), at(2026, 2, 9)]
        )
        for number, start, end in [
            ("INV-000001", at(2025, 12, 1), at(2026, 1, 1)),
            ("INV-000002", at(2026, 1, 1), at(2026, 2, 1)),
        ]:
            when: datetime = end + timedelta(hours=1)
            cursor.execute(
                _OLD_INVOICE_SQL,
                [uuid.uuid4(), sub.tenant_id, number, sub.customer_id, sub.pk, start, end, when, when, when],
            )

    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    with connection.cursor() as cursor:
        cursor.execute("SELECT idempotency_key, seq FROM usage_usageevent ORDER BY seq")
        seqs = dict(cursor.fetchall())
        cursor.execute("SELECT number, usage_seq FROM invoices_invoice ORDER BY number")
        watermarks = dict(cursor.fetchall())
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'usage_usageevent'")
        indexes = {row[0] for row in cursor.fetchall()}
    assert list(seqs) == ["before", "margin", "after"]  # numbered in the order they were stored
    assert watermarks["INV-000001"] == 0  # only a subscription's latest invoice counts
    # Late after INV-000002 as the rule before said: stored after it was issued, less 10 minutes.
    assert {key for key, seq in seqs.items() if seq > watermarks["INV-000002"]} == {"margin", "after"}
    assert "usage_cust_seq_idx" in indexes and "usage_cust_created_idx" not in indexes
    [new] = prepared_in(sub.tenant, meter)
    services.usage_events_ingest_batch(tenant=sub.tenant, events=[new])
    assert UsageEvent.unscoped().get(idempotency_key="new").seq > max(seqs.values())


def prepared_in(tenant: Tenant, meter: Meter) -> list[ParsedEvent]:
    customer = CustomerFactory(tenant=tenant, external_id="cus_new")
    raw = {"idempotency_key": "new", "external_customer_id": customer.external_id, "meter": meter.code}
    return usage_events_prepare(tenant=tenant, raws=[raw], now=clock.real_now()).ready


def test_each_revision_keeps_the_seq_the_event_took_with_it(tenant):
    event = UsageEventFactory(tenant=tenant, value=3)
    stored_seq = UsageEvent.objects.get(pk=event.pk).seq
    services.usage_event_amend(tenant=tenant.id, event_id=event.pk, actor="t", reason="r", value=Decimal(4))
    amended_seq = UsageEvent.objects.get(pk=event.pk).seq
    services.usage_event_void(tenant=tenant.id, event_id=event.pk, actor="t", reason="r")
    voided_seq = UsageEvent.objects.get(pk=event.pk).seq
    revisions = UsageEventRevision.objects.filter(event_id=event.pk).order_by("revision")
    assert list(revisions.values_list("revision", "action", "value", "seq")) == [
        (1, "created", Decimal(3), stored_seq),
        (2, "amended", Decimal(4), amended_seq),
        (3, "voided", Decimal(4), voided_seq),
    ]
    assert stored_seq < amended_seq < voided_seq <= usage_stored_through(tenant=tenant)
