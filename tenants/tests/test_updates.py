"""model_update: the one way services change fields of a row."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from plans.tests.factories import PlanFactory
from tenants.updates import model_update
from webhooks.tests.factories import WebhookEndpointFactory

pytestmark = pytest.mark.django_db


def test_it_saves_only_the_fields_that_change(tenant):
    plan = PlanFactory(tenant=tenant, name="Pro", description="old")
    with CaptureQueriesContext(connection) as queries:
        _, changed = model_update(
            instance=plan, fields=["name", "description"], data={"name": "Pro", "description": "new"}
        )
    assert changed == ["description"]
    assert len(queries) == 1 and '"description"' in queries[0]["sql"] and '"name"' not in queries[0]["sql"]
    plan.refresh_from_db()
    assert (plan.name, plan.description) == ("Pro", "new")


def test_nothing_changed_writes_nothing(tenant):
    plan = PlanFactory(tenant=tenant, name="Pro")
    with CaptureQueriesContext(connection) as queries:
        assert model_update(instance=plan, fields=["name"], data={"name": "Pro"})[1] == []
    assert len(queries) == 0


def test_updated_at_moves_with_a_change(tenant):
    endpoint = WebhookEndpointFactory(tenant=tenant, description="a")
    before = timezone.now() - timedelta(days=1)
    type(endpoint).objects.filter(pk=endpoint.pk).update(updated_at=before)
    endpoint.refresh_from_db()
    model_update(instance=endpoint, fields=["description"], data={"description": "b"})
    endpoint.refresh_from_db()
    assert endpoint.updated_at > before


def test_a_field_it_may_not_change_is_a_programming_error(tenant):
    plan = PlanFactory(tenant=tenant)
    with pytest.raises(TypeError, match=r"Plan cannot change \['amount'\]"):
        model_update(instance=plan, fields=["name"], data={"name": "x", "amount": 1})
