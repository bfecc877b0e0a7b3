"""The invoice run's fast paths give what the slow ones gave: timestamps read by
psycopg's C loader, arrays sent as one literal (`array_literal`, `__any`), and
instances of stored rows built without `Model.__init__` (`stored_instance`)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import BaseTzLoader
from hypothesis import given, settings
from hypothesis import strategies as st

from billing_project.bulk import insert_rows, stored_instance
from billing_project.lookups import array_literal
from billing_project.postgres.base import CTimestamptzLoader
from subscriptions.models import Customer
from tenants.isolation import tenant_scope
from tenants.models import Tenant

pytestmark = pytest.mark.django_db

EDGES = ["", "NULL", "null", 'a"b', "a\\b", "a,b", "{x}", " lead", "trail ", "é ü ✓", "x\ty\nz"]


def _select(sql: str, param: str) -> object:
    with connection.cursor() as cursor:
        cursor.execute(sql, [param])
        return cursor.fetchone()[0]


def test_timestamps_are_read_by_the_c_loader_as_utc_datetimes():
    connection.ensure_connection()
    loader = connection.connection.adapters.get_loader(1184, 0)  # timestamptz, text
    assert loader is CTimestamptzLoader
    with connection.cursor() as cursor:
        cursor.execute("SELECT '2026-01-31 23:59:59.999999-05'::timestamptz, NULL::timestamptz")
        value, null = cursor.fetchone()
    assert value == datetime(2026, 2, 1, 4, 59, 59, 999999, tzinfo=UTC)
    assert value.tzinfo is UTC and null is None
    # What Django's own loader gives for the same text.
    django_loader = type("L", (BaseTzLoader,), {"timezone": UTC})(1184)
    assert django_loader.load(b"2026-01-31 23:59:59.999999-05") == value


def test_timestamps_keep_their_instant_whatever_the_offset_written():
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::timestamptz", [datetime(2026, 3, 1, 12, tzinfo=timezone(timedelta(hours=9)))])
        assert cursor.fetchone()[0] == datetime(2026, 3, 1, 3, tzinfo=UTC)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text().map(lambda s: s.replace("\x00", "")), st.sampled_from(EDGES))))
def test_text_arrays_arrive_as_sent(values):
    assert _select("SELECT %s::text[]", array_literal(values)) == values


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.integers(min_value=-(2**63), max_value=2**63 - 1))),
    st.lists(st.decimals(allow_nan=False, allow_infinity=False, places=6, max_value=10**20, min_value=-(10**20))),
    st.lists(st.datetimes(timezones=st.just(UTC), min_value=datetime(1970, 1, 1), max_value=datetime(9000, 1, 1))),
    st.lists(st.one_of(st.none(), st.uuids(), st.booleans())),
)
def test_other_arrays_arrive_as_sent(ints, decimals, moments, mixed):
    assert _select("SELECT %s::bigint[]", array_literal(ints)) == ints
    assert _select("SELECT %s::numeric[]", array_literal(decimals)) == decimals
    assert _select("SELECT %s::timestamptz[]", array_literal(moments)) == moments
    uuids = [v for v in mixed if not isinstance(v, bool)]
    assert _select("SELECT %s::uuid[]", array_literal(uuids)) == uuids
    flags = [v for v in mixed if v is None or isinstance(v, bool)]
    assert _select("SELECT %s::boolean[]", array_literal(flags)) == flags


def test_any_finds_what_in_finds():
    tenant, other = Tenant.objects.create(name="a"), Tenant.objects.create(name="b")
    with tenant_scope(tenant.pk):
        customers = [Customer.objects.create(tenant=tenant, external_id=name) for name in ["c1", 'c"2', "c,3", "c4"]]
    with tenant_scope(other.pk):
        Customer.objects.create(tenant=other, external_id="c1")
    wanted = [customers[0].pk, customers[2].pk, uuid.uuid4()]
    with tenant_scope(tenant.pk):
        scoped = Customer.objects.for_tenant(tenant)
        assert set(scoped.filter(pk__any=wanted)) == set(scoped.filter(pk__in=wanted)) == {customers[0], customers[2]}
        assert set(scoped.exclude(pk__any=wanted)) == {customers[1], customers[3]}
        assert list(scoped.filter(pk__any=[])) == []
        assert {c.external_id for c in scoped.filter(external_id__any=['c"2', "c,3", "c1"])} == {"c1", 'c"2', "c,3"}
        assert scoped.filter(tenant__any={tenant.pk}).count() == 4  # a relation: the target's type
    # One statement text and one parameter whatever the number of values.
    texts = set()
    for n in (1, 3):
        sql, params = Customer.objects.for_tenant(tenant).filter(pk__any=wanted[:n]).query.sql_with_params()
        assert '"subscriptions_customer"."id" = ANY(%s::uuid[])' in sql
        assert params[-1] == array_literal(wanted[:n])
        texts.add(sql)
    assert len(texts) == 1


def test_a_stored_instance_is_what_reading_the_row_gives():
    tenant = Tenant.objects.create(name="t")
    values = {"id": uuid.uuid4(), "tenant_id": tenant.pk, "external_id": "x", "name": "X", "email": "x@example.com"}
    built = stored_instance(Customer, values)
    assert built._state.adding is False and built._state.db == "default"
    assert built.metadata == {} and built.tax_exempt is False  # missing fields at their defaults
    columns = {
        "id": "uuid", "tenant_id": "uuid", "external_id": "text", "name": "text", "email": "text",
        "metadata": "jsonb", "tax_exempt": "boolean", "created_at": "timestamptz",
    }  # fmt: skip
    assert set(columns) == {f.attname for f in Customer._meta.concrete_fields}
    insert_rows(Customer._meta.db_table, columns, [built.__dict__])
    with tenant_scope(tenant.pk):
        read = Customer.objects.get(pk=values["id"])
        for f in Customer._meta.concrete_fields:
            assert getattr(built, f.attname) == getattr(read, f.attname), f.attname
        built.name = "Y"
        built.save(update_fields=["name"])  # an UPDATE of the stored row, not an INSERT
        assert Customer.objects.get(pk=values["id"]).name == "Y"
        assert built.tenant == tenant  # relations load as on any instance


def test_workers_freeze_their_startup_objects():
    """A Celery worker (and each pool process) and a gunicorn worker, once started, move
    what is alive to the collector's permanent generation (billing_project.processes)."""
    import gc
    import runpy
    from pathlib import Path

    from billing_project import celery as celery_app

    gunicorn_conf = runpy.run_path(str(Path(celery_app.__file__).parent / "gunicorn.conf.py"))
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    celery_app._freeze_startup_objects()  # connected to worker_init and worker_process_init
    assert gc.get_freeze_count() > 1000
    gc.unfreeze()
    gunicorn_conf["post_worker_init"](None)
    assert gc.get_freeze_count() > 1000
    gc.unfreeze()
