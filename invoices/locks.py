"""The customer's row lock: every write to a customer's balance ledger or credit grants
holds it (taken in id order, so concurrent writers cannot deadlock)."""

from __future__ import annotations

import uuid
from collections.abc import Collection

from subscriptions.models import Customer


def lock_customers(customer_ids: Collection[uuid.UUID]) -> None:
    """Lock the customers' rows, in id order (so concurrent writers cannot deadlock):
    every write to a customer's balance ledger or grants holds this lock."""
    list(Customer.objects.filter(pk__any=customer_ids).order_by("pk").select_for_update().values_list("pk", flat=True))
