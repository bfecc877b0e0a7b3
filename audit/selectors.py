"""Reads of the audit log."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from audit.models import AuditEntry
from tenants.models import TenantRef


def audit_entry_list(
    *, tenant: TenantRef, start: datetime | None = None, end: datetime | None = None
) -> QuerySet[AuditEntry]:
    """The tenant's entries, newest first, `at` in [start, end) where given."""
    entries = AuditEntry.objects.for_tenant(tenant)
    if start is not None:
        entries = entries.filter(at__gte=start)
    if end is not None:
        entries = entries.filter(at__lt=end)
    return entries.order_by("-at", "-id")
