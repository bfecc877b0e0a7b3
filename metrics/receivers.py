"""What the metrics app does when other apps tell it something (connected in
`MetricsConfig.ready`)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from invoices.signals import invoice_run_finished
from metrics import services
from tenants.signals import clock_advanced


@receiver(invoice_run_finished, dispatch_uid="metrics.refresh_after_invoice_run")
def refresh_after_invoice_run(sender: Any, **kwargs: Any) -> None:
    services.revenue_metrics_refresh_queue()


@receiver(clock_advanced, dispatch_uid="metrics.refresh_after_clock_advance")
def refresh_after_clock_advance(sender: Any, **kwargs: Any) -> None:
    services.revenue_metrics_refresh_queue()
