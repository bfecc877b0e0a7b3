"""Reads of the support dashboard (the admin's `dashboard/` page, metrics.admin): what
needs a person across every tenant, or one (`tenant`; None: all of them, as staff see
the admin). Staff cross tenants on purpose, so these read `unscoped()`.

- MRR per tenant and currency (`metrics.selectors.mrr_for_tenant`, the revenue view);
- failed payments: open invoices whose latest charge attempt failed (dunning retries
  them; `next_payment_attempt` says when), oldest due first;
- dead webhook deliveries (every attempt failed; only a manual retry sends them again),
  newest first;
- the last invoice runs, newest first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery

from invoices.models import Invoice, InvoiceRun
from metrics import selectors
from metrics.models import RevenueSnapshot
from payments.models import ChargeAttempt
from tenants.models import Tenant, TenantRef, tenant_pk
from webhooks.models import WebhookDelivery

ROWS = 20  # per section; each section links to its full, filtered list


@dataclass(frozen=True)
class TenantMrr:
    tenant: Tenant
    rows: list[selectors.CurrencyMrr]


@dataclass(frozen=True)
class Section:
    rows: list[Any]
    total: int


def _for(queryset: QuerySet[Any], tenant: TenantRef | None) -> QuerySet[Any]:
    return queryset if tenant is None else queryset.filter(tenant_id=tenant_pk(tenant))


def _section(queryset: QuerySet[Any], rows: int = ROWS) -> Section:
    return Section(rows=list(queryset[:rows]), total=queryset.count())


def mrr_by_tenant(*, tenant: TenantRef | None) -> list[TenantMrr]:
    """Each tenant with a live subscription in the revenue view, by name."""
    owners = _for(RevenueSnapshot.objects.with_scopes_disabled().all(), tenant).values("tenant_id")  # type: ignore[attr-defined]
    tenants = Tenant.objects.filter(pk__in=owners).order_by("name")
    return [TenantMrr(owner, selectors.mrr_for_tenant(tenant=owner).currencies) for owner in tenants]


def failed_payments(*, tenant: TenantRef | None) -> Section:
    """Open invoices whose latest charge attempt failed (`last_failure_at` annotated)."""
    latest = ChargeAttempt.unscoped().filter(invoice=OuterRef("pk")).order_by("-created_at")
    invoices = (
        _for(Invoice.unscoped().all(), tenant)
        .filter(status=Invoice.Status.OPEN)
        .annotate(
            last_outcome=Subquery(latest.values("outcome")[:1]),
            last_failure_at=Subquery(latest.values("created_at")[:1]),
        )
        .filter(last_outcome=ChargeAttempt.Outcome.FAILED)
        .select_related("customer", "tenant")
        .order_by("due_at", "number")
    )
    return _section(invoices)


def dead_deliveries(*, tenant: TenantRef | None) -> Section:
    deliveries = (
        _for(WebhookDelivery.unscoped().all(), tenant)
        .filter(status=WebhookDelivery.Status.DEAD)
        .select_related("event", "endpoint", "tenant")
        .order_by("-last_attempt_at", "-created_at")
    )
    return _section(deliveries)


def last_runs(*, tenant: TenantRef | None, rows: int = 10) -> Section:
    return _section(_for(InvoiceRun.unscoped().all(), tenant).select_related("tenant").order_by("-created_at"), rows)
