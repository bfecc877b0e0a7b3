"""What the metrics app does when other apps tell it something (connected in
`MetricsConfig.ready`): refresh the revenue view after runs and clock advances, and
evaluate alerts after usage, runs, clock advances and changes of credit grants."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import Any

import structlog
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from invoices.models import CreditGrant, Invoice
from invoices.signals import invoice_run_finished, invoices_finalized
from metrics import alert_watch, services, tasks
from tenants.signals import clock_advanced
from usage.signals import usage_stored

log = structlog.get_logger(__name__)


@receiver(invoice_run_finished, dispatch_uid="metrics.refresh_after_invoice_run")
def refresh_after_invoice_run(sender: Any, **kwargs: Any) -> None:
    services.revenue_metrics_refresh_queue()


@receiver(clock_advanced, dispatch_uid="metrics.refresh_after_clock_advance")
def refresh_after_clock_advance(sender: Any, **kwargs: Any) -> None:
    services.revenue_metrics_refresh_queue()


# Alerts ---------------------------------------------------------------------------------


def _note(tenant_id: uuid.UUID, customer_ids: Collection[uuid.UUID]) -> None:
    """Schedule the debounced evaluation of these customers' alerting subscriptions."""
    try:
        alert_watch.alerts_note_usage(tenant_id, customer_ids, tasks.alerts_evaluate_later(tenant_id))
    except Exception:  # ingestion and invoicing never fail because of an alert
        log.exception("alerts_schedule_failed", tenant_id=str(tenant_id))


@receiver(usage_stored, dispatch_uid="metrics.alerts_after_usage")
def alerts_after_usage(sender: Any, tenant_id: uuid.UUID, customer_ids: Collection[uuid.UUID], **kwargs: Any) -> None:
    _note(tenant_id, customer_ids)  # usage sends it after its commit


@receiver(invoices_finalized, dispatch_uid="metrics.alerts_after_credits_used")
def alerts_after_credits_used(sender: Any, tenant_id: uuid.UUID, invoices: list[Invoice], **kwargs: Any) -> None:
    """Invoices that used credit grants lowered credit balances."""
    customers = {i.customer_id for i in invoices if i.credits_applied}
    if customers:
        transaction.on_commit(lambda: _note(tenant_id, customers), robust=True)


@receiver(post_save, sender=CreditGrant, dispatch_uid="metrics.alerts_after_grant_change")
def alerts_after_grant_change(sender: Any, instance: CreditGrant, **kwargs: Any) -> None:
    """A grant was created, activated, voided or expired: a balance moved."""
    tenant_id, customer_id = instance.tenant_id, instance.customer_id
    transaction.on_commit(lambda: _note(tenant_id, {customer_id}), robust=True)


def _evaluate_tenant(tenant_id: uuid.UUID) -> None:
    def queue() -> None:
        if alert_watch.alerting_subscriptions(tenant_id):
            tasks.alerts_evaluate_tenant.delay(str(tenant_id))

    transaction.on_commit(queue, robust=True)


@receiver(invoice_run_finished, dispatch_uid="metrics.alerts_after_invoice_run")
def alerts_after_invoice_run(sender: Any, tenant_id: uuid.UUID, **kwargs: Any) -> None:
    _evaluate_tenant(tenant_id)


@receiver(clock_advanced, dispatch_uid="metrics.alerts_after_clock_advance")
def alerts_after_clock_advance(sender: Any, tenant_id: uuid.UUID, **kwargs: Any) -> None:
    _evaluate_tenant(tenant_id)
