"""What the payments app does when invoices tells it something (connected in
`PaymentsConfig.ready`; invoices never imports payments)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from invoices.models import CreditNote, Invoice
from invoices.signals import credit_note_issued, invoices_finalized
from payments import services


@receiver(invoices_finalized, dispatch_uid="payments.collect_finalized_invoices")
def collect_on_commit(sender: Any, *, tenant_id: Any, invoices: list[Invoice], **kwargs: Any) -> None:
    """Send the open invoices to the payment provider once the transaction commits."""
    ids = [str(invoice.pk) for invoice in invoices if invoice.status == Invoice.Status.OPEN]
    services.collection_queue_on_commit(tenant_id, ids)


@receiver(credit_note_issued, dispatch_uid="payments.credit_note_issued")
def refund_on_commit(
    sender: Any, *, tenant_id: Any, credit_note: CreditNote, invoice_settled: bool, **kwargs: Any
) -> None:
    """Send the note's refund once the transaction commits; an invoice the note left
    paid brings its `past_due` subscription back to `active`, as a payment does."""
    services.refund_queue_on_commit(tenant=tenant_id, credit_note=credit_note)
    if invoice_settled:
        services.subscription_back_to_active(credit_note.invoice)
