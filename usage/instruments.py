"""Prometheus instruments of usage ingestion."""

from prometheus_client import Counter, Histogram

USAGE_EVENTS = Counter(
    "billing_usage_events",
    "Usage events by outcome: accepted (stored), duplicate (key already stored), rejected (invalid)",
    ["outcome"],
)
USAGE_BATCH_SIZE = Histogram(
    "billing_usage_batch_size",
    "Events per usage batch request",
    buckets=(1, 10, 50, 100, 250, 500, 750, 1000),
)
