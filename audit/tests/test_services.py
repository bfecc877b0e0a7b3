"""The one write of the audit log: in the change's transaction, with the context's
actor and request id, and never changed afterwards (the trigger)."""

from __future__ import annotations

import pytest
import structlog
from django.db import DatabaseError, connection, transaction

from audit.models import AuditEntry
from audit.services import as_created, audit_record, changed_since, object_type_of, snapshot
from tenants.actors import Actor, acting_as
from tenants.models import ApiKey, Tenant
from tenants.services import tenant_delete


def test_it_records_the_contexts_actor_and_request_id(tenant):
    structlog.contextvars.bind_contextvars(request_id="req-1")
    try:
        with acting_as(Actor(type="user", id="u1", email="a@acme.test")):
            entry = audit_record(tenant=tenant, action="tenant.updated", obj=tenant, changes={"name": ["A", "B"]})
    finally:
        structlog.contextvars.unbind_contextvars("request_id")
    entry.refresh_from_db()
    assert (entry.actor_type, entry.actor_id, entry.actor_email) == ("user", "u1", "a@acme.test")
    assert (entry.object_type, entry.object_id, entry.request_id) == ("tenant", str(tenant.pk), "req-1")
    assert entry.changes == {"name": ["A", "B"]}


def test_outside_any_request_the_actor_is_the_system(tenant):
    entry = audit_record(tenant=tenant, action="tenant.updated", obj=tenant)
    assert (entry.actor_type, entry.actor_id, entry.request_id) == ("system", "system", "")


def test_a_rolled_back_change_leaves_no_entry(tenant):
    with pytest.raises(RuntimeError), transaction.atomic():
        Tenant.objects.filter(pk=tenant.pk).update(name="Renamed")
        audit_record(tenant=tenant, action="tenant.updated", obj=tenant, changes={"name": ["Acme", "Renamed"]})
        raise RuntimeError("the change fails after the entry")
    assert not AuditEntry.objects.filter(tenant=tenant).exists()


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditentry SET action = 'x' WHERE id = %s",
        "DELETE FROM audit_auditentry WHERE id = %s",
    ],
)
def test_the_database_refuses_to_change_an_entry(tenant, sql):
    entry = audit_record(tenant=tenant, action="tenant.updated", obj=tenant)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).action == "tenant.updated"


def test_the_tenant_delete_service_deletes_that_tenants_entries_only(tenant, other_tenant):
    audit_record(tenant=tenant, action="tenant.updated", obj=tenant)
    kept = audit_record(tenant=other_tenant, action="tenant.updated", obj=other_tenant)
    tenant_delete(tenant=tenant)
    assert not Tenant.objects.filter(pk=tenant.pk).exists()
    assert list(AuditEntry.objects.values_list("pk", flat=True)) == [kept.pk]
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        other_tenant.delete()  # without the service, the entries hold


def test_the_helpers_name_objects_and_diff_fields(tenant):
    key = ApiKey(tenant=tenant, name="ci", prefix="bk_x")
    assert object_type_of(key) == "api_key"
    before = snapshot(tenant, ["name", "default_currency"])
    tenant.name = "Acme Two"
    assert changed_since(before, tenant) == {"name": ["Acme", "Acme Two"]}
    assert as_created(key, "name") == {"name": [None, "ci"]}
