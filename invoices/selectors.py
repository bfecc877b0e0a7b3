"""Reads of invoicing beyond a one-line filter: the customer balance and its ledger
(API.md Part 2, "Customer balance"), the invoices of an export. Every selector takes
`*, tenant` first.

The balance is never stored: it is the sum of the customer's ledger entries per
currency, read here for the API and the admin, and by `invoices.billing` (for whole
batches at once) when invoices are finalized.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from django.db.models import QuerySet, Sum

from invoices.models import BalanceTransaction, Invoice
from tenants.models import TenantRef


def balance_transaction_list(*, tenant: TenantRef, customer_id: uuid.UUID) -> QuerySet[BalanceTransaction]:
    """The customer's ledger, newest first."""
    return BalanceTransaction.objects.for_tenant(tenant).filter(customer_id=customer_id).order_by("-seq")


def balances_for_customer(*, tenant: TenantRef, customer_id: uuid.UUID) -> list[tuple[str, Decimal]]:
    """(currency, balance) for every currency of the customer's ledger, in code order:
    [("EUR", 0), ("USD", 12.5)]. A currency whose credit was used up shows 0."""
    rows = (
        BalanceTransaction.objects.for_tenant(tenant)
        .filter(customer_id=customer_id)
        .values_list("currency")
        .annotate(amount=Sum("amount"))
        .order_by("currency")
    )
    return [(currency, amount) for currency, amount in rows]


def balance_for_customer(*, tenant: TenantRef, customer_id: uuid.UUID, currency: str) -> Decimal:
    """The customer's balance in `currency` (0 without entries). Hold the customer's
    lock (`billing.lock_customers`) when a write depends on it."""
    total = (
        BalanceTransaction.objects.for_tenant(tenant)
        .filter(customer_id=customer_id, currency=currency)
        .aggregate(amount=Sum("amount"))["amount"]
    )
    return Decimal(0) if total is None else total


def invoice_list_issued(*, tenant: TenantRef, start: datetime | None, end: datetime | None) -> QuerySet[Invoice]:
    """The tenant's invoices issued in [start, end) (None: no bound), oldest first (by
    number within one instant): the rows of an export (`invoices.export`)."""
    invoices = Invoice.objects.for_tenant(tenant)
    if start is not None:
        invoices = invoices.filter(issued_at__gte=start)
    if end is not None:
        invoices = invoices.filter(issued_at__lt=end)
    return invoices.order_by("issued_at", "number")
