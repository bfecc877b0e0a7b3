"""Credits to a customer's balance ledger from outside the invoice run: a void giving
back what the balance paid, a credit note's credit, a refund that failed, an
overpayment. Each is one `BalanceTransaction`, written under the customer's row lock
(`billing.lock_customers`, like every balance write) in the caller's transaction."""

from __future__ import annotations

from decimal import Decimal

from invoices import billing
from invoices.models import BalanceTransaction, CreditNote, Invoice


def balance_credit(
    *, invoice: Invoice, amount: Decimal, kind: str, description: str, credit_note: CreditNote | None = None
) -> BalanceTransaction | None:
    """Credit `amount` (> 0) of the invoice's currency to its customer; nothing for 0."""
    if not amount:
        return None
    billing.lock_customers([invoice.customer_id])
    return BalanceTransaction.objects.create(
        **invoice.customer_fields,
        invoice=invoice,
        credit_note=credit_note,
        amount=amount,
        kind=kind,
        description=description,
    )
