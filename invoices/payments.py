"""Collecting payment: the call to the payment provider.

An open invoice with a total above 0 is POSTed to `PAYMENT_PROVIDER_URL` once its
transaction commits, by a retried task, with the invoice id as `Idempotency-Key`.
The provider answers later through the signed payment webhook. With the URL empty,
nothing is sent and invoices wait for a payment webhook or for support staff.
"""

from __future__ import annotations

import uuid

import requests
import structlog
from django.conf import settings

from invoices.models import Invoice
from plans.money import format_price

log = structlog.get_logger(__name__)

PROVIDER_TIMEOUT_SECONDS = 10


class ProviderUnavailable(Exception):
    """The provider could not be reached or answered 5xx/429: retry later."""


def invoice_collect_payment(*, tenant_id: uuid.UUID, invoice_id: uuid.UUID) -> str:
    """Send the charge request; returns what happened (for the task result and logs)."""
    url = settings.PAYMENT_PROVIDER_URL
    if not url:
        return "skipped: no PAYMENT_PROVIDER_URL"
    invoice = Invoice.objects.for_tenant(tenant_id).filter(pk=invoice_id).first()
    if invoice is None or invoice.status != Invoice.Status.OPEN or invoice.total <= 0:
        return "skipped: not an open invoice with a total above 0"
    body = {
        "invoice_id": str(invoice.pk),
        "tenant_id": str(tenant_id),
        "customer_id": str(invoice.customer_id),
        "amount": format_price(invoice.total, invoice.currency),
        "currency": invoice.currency,
    }
    try:
        response = requests.post(
            url, json=body, headers={"Idempotency-Key": str(invoice.pk)}, timeout=PROVIDER_TIMEOUT_SECONDS
        )
    except requests.RequestException as exc:
        raise ProviderUnavailable(str(exc)) from exc
    if response.status_code >= 500 or response.status_code == 429:
        raise ProviderUnavailable(f"provider answered {response.status_code}")
    log.info("payment_requested", invoice_id=str(invoice.pk), status=response.status_code)
    return f"sent: provider answered {response.status_code}"
