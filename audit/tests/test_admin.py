"""The audit log in the admin: staff read it, nobody changes it there."""

from __future__ import annotations

import pytest

from audit.models import AuditEntry
from audit.services import audit_record
from invoices.tests.factories import InvoiceFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/audit/auditentry/"


def test_staff_read_entries_linked_to_their_objects(staff_client, tenant):
    invoice = InvoiceFactory(tenant=tenant)
    entry = audit_record(tenant=tenant, action="invoice.voided", obj=invoice, changes={"status": ["open", "void"]})
    audit_record(tenant=tenant, action="tenant.updated", obj=tenant)

    page = staff_client.get(f"{CHANGELIST}?q={invoice.pk}")
    assert page.status_code == 200
    assert list(page.context["cl"].result_list) == [entry]
    assert f'href="/admin/invoices/invoice/{invoice.pk}/change/"' in page.content.decode()
    detail = staff_client.get(f"{CHANGELIST}{entry.pk}/change/")
    assert detail.status_code == 200 and "invoice.voided" in detail.content.decode()


def test_the_changelist_filters_by_actor_type_and_object_type(staff_client, tenant):
    audit_record(tenant=tenant, action="tenant.updated", obj=tenant)
    page = staff_client.get(f"{CHANGELIST}?actor_type=system&object_type=tenant")
    assert [e.action for e in page.context["cl"].result_list] == ["tenant.updated"]
    assert not list(staff_client.get(f"{CHANGELIST}?actor_type=user").context["cl"].result_list)


def test_nobody_adds_changes_or_deletes_an_entry_there(staff_client, tenant):
    entry = audit_record(tenant=tenant, action="tenant.updated", obj=tenant)
    assert staff_client.get(f"{CHANGELIST}add/").status_code == 403
    assert staff_client.post(f"{CHANGELIST}{entry.pk}/change/", {"action": "x"}).status_code == 403
    assert staff_client.post(f"{CHANGELIST}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.get(pk=entry.pk).action == "tenant.updated"
