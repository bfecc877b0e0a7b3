"""Thin Celery tasks of the usage app."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from tenants import clock
from usage import partitions


@shared_task(ignore_result=True)
def usage_partitions_ahead() -> int:
    """Periodic (daily): the events table's partitions of this month and of the
    USAGE_PARTITIONS_AHEAD_MONTHS next ones. Returns how many it created."""
    made = partitions.ensure_partitions_ahead(now=clock.real_now(), months_ahead=settings.USAGE_PARTITIONS_AHEAD_MONTHS)
    return len(made)
