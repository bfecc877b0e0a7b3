"""What the payments app does when invoices tells it something (connected in
`PaymentsConfig.ready`; invoices never imports payments)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.dispatch import receiver

from invoices.models import Invoice
from invoices.signals import invoices_finalized
from payments import tasks


@receiver(invoices_finalized, dispatch_uid="payments.collect_finalized_invoices")
def collect_on_commit(sender: Any, *, tenant_id: Any, invoices: list[Invoice], **kwargs: Any) -> None:
    """Send the open invoices to the payment provider once the transaction commits."""
    ids = [str(invoice.pk) for invoice in invoices if invoice.status == Invoice.Status.OPEN]
    if not ids or not settings.PAYMENT_PROVIDER_URL:
        return

    def queue_payment_collection() -> None:
        for invoice_id in ids:
            tasks.invoice_collect_payment.delay(str(tenant_id), invoice_id)

    transaction.on_commit(queue_payment_collection, robust=True)
