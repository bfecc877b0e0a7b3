"""Prometheus instruments of outbound webhooks (incremented by services.py).

Counters live in the process that increments them: deliveries run in Celery workers,
so scrape the workers (or run prometheus_client in multiprocess mode) to see them.
"""

from prometheus_client import Counter

DELIVERIES = Counter(
    "billing_webhook_deliveries",
    "Webhook delivery attempts by outcome: succeeded, failed (will be retried) or dead (out of attempts).",
    ["outcome"],
)
RETRIES = Counter(
    "billing_webhook_retries",
    "Webhook delivery retries queued, after a failed attempt or by hand.",
)
