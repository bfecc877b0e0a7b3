"""Prometheus instruments of outbound webhooks (incremented by services.py).

Deliveries run in Celery workers: with PROMETHEUS_MULTIPROC_DIR set (`make run`,
docker-compose) they write their samples next to the web workers' and the web /metrics
shows them; without it, each process only counts its own.
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
