"""Prometheus instruments of invoicing."""

from prometheus_client import Counter, Histogram

INVOICE_RUN_SECONDS = Histogram(
    "billing_invoice_run_seconds",
    "Wall time of one tenant's invoice run",
    buckets=(0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600),
)
INVOICES_TOTAL = Counter("billing_invoices", "Invoices finalized, by their status at finalization", ["status"])
BILLING_FAILURES = Counter(
    "billing_subscriptions_not_billed",
    "Subscriptions an invoice run skipped because their invoice could not be priced or stored",
)
