"""Every changelist of a tenant-owned model in the admin can be narrowed to one tenant
(support staff see every tenant's rows): a "tenant" filter in the sidebar that filters."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.admin.filters import RelatedFieldListFilter
from django.urls import reverse

from webhooks.models import WebhookDelivery
from webhooks.tests.factories import WebhookDeliveryFactory

pytestmark = pytest.mark.django_db


def tenant_owned_admins() -> list[tuple[str, str]]:
    """(app_label, model_name) of every registered admin whose model has a tenant key."""
    found = []
    for model in admin.site._registry:
        field = next((f for f in model._meta.get_fields() if f.name == "tenant"), None)
        if field is not None and field.is_relation and not field.auto_created:
            found.append((model._meta.app_label, model._meta.model_name))
    return sorted(found)


def test_the_walk_finds_the_tenant_owned_admins():
    found = tenant_owned_admins()
    assert ("invoices", "invoice") in found
    assert ("webhooks", "webhookdelivery") in found
    assert ("tenants", "tenant") not in found
    assert len(found) >= 15


@pytest.mark.parametrize(("app_label", "model_name"), tenant_owned_admins())
def test_every_tenant_owned_changelist_has_a_tenant_filter(staff_client, tenant, other_tenant, app_label, model_name):
    url = reverse(f"admin:{app_label}_{model_name}_changelist")

    response = staff_client.get(url, {"tenant__id__exact": str(tenant.pk)})

    assert response.status_code == 200
    specs = [s for s in response.context["cl"].filter_specs if isinstance(s, RelatedFieldListFilter)]
    tenant_spec = next((s for s in specs if s.field_path == "tenant"), None)
    assert tenant_spec is not None, f"{app_label}.{model_name} has no tenant filter"
    assert {str(pk) for pk, _ in tenant_spec.lookup_choices} >= {str(tenant.pk), str(other_tenant.pk)}
    assert tenant_spec.lookup_val == [str(tenant.pk)]


def test_the_tenant_filter_narrows_the_rows(staff_client, tenant, other_tenant):
    ours = WebhookDeliveryFactory(tenant=tenant, status=WebhookDelivery.Status.DEAD)
    WebhookDeliveryFactory(tenant=other_tenant, status=WebhookDelivery.Status.DEAD)
    url = reverse("admin:webhooks_webhookdelivery_changelist")

    assert staff_client.get(url).context["cl"].result_count == 2
    assert list(staff_client.get(url, {"tenant__id__exact": str(tenant.pk)}).context["cl"].queryset) == [ours]
