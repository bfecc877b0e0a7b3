"""The plan history's migration (0004_plan_segments): every subscription that existed
before it gets one current segment, its plan since `start_at`."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from subscriptions.models import SubscriptionSegment
from subscriptions.tests.factories import SubscriptionFactory
from tenants.tests.utils import at

BEFORE = [("subscriptions", "0003_customer_taxes")]


def migrate(targets=None):
    """To `targets`, or (by default) to the latest migration of every app."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets or executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_every_existing_subscription_gets_one_current_segment(tenant):
    trialing = SubscriptionFactory(tenant=tenant, start_at=at(2026, 1, 1), trial_days=14)
    active = SubscriptionFactory(tenant=tenant, start_at=at(2025, 3, 31))
    migrate(BEFORE)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM subscriptions_subscription")
            assert cursor.fetchone()[0] == 2
    finally:
        migrate()
    rows = SubscriptionSegment.objects.order_by("start_at").values_list(
        "subscription_id", "plan_id", "start_at", "end_at", "billing_anchor"
    )
    assert list(rows) == [
        (active.id, active.plan_id, at(2025, 3, 31), None, at(2025, 3, 31)),
        (trialing.id, trialing.plan_id, at(2026, 1, 1), None, at(2026, 1, 15)),
    ]
