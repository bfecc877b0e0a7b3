"""Thin Celery tasks of invoicing: ids in, one service call, retries here."""

from __future__ import annotations

import socket
import uuid

from celery import shared_task

from invoices import grants, progressive, receivers, run_chunks, services
from tenants import clock
from tenants.isolation import tenant_scope, tenant_task
from tenants.models import Tenant


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=30, retry_backoff_max=600, max_retries=5)
@tenant_task
def invoice_run_tenant(tenant_id: str, run_id: str) -> int:
    """Carry out one invoice run; a failure is retried, and the retry bills what is left."""
    run = services.invoice_run_execute(tenant=uuid.UUID(tenant_id), run_id=uuid.UUID(run_id))
    return run.invoices_created if run else 0


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=30, retry_backoff_max=600, max_retries=5)
@tenant_task
def invoice_run_chunk(tenant_id: str, chunk_id: str) -> int:
    """Bill one chunk of a split run (routed to the `invoicing` queue: settings
    CELERY_TASK_ROUTES); safe to run twice or beside another copy of itself."""
    worker = invoice_run_chunk.request.hostname or socket.gethostname()
    chunk = run_chunks.invoice_run_chunk_execute(
        tenant=uuid.UUID(tenant_id), chunk_id=uuid.UUID(chunk_id), worker=worker
    )
    return chunk.invoices_created if chunk else 0


@shared_task(acks_late=True)
def invoice_run_all_tenants() -> int:
    """The beat job: one queued run per live tenant (fan-out by tenant id). A sandbox
    tenant's runs happen when its clock is advanced (tenants.sandbox)."""
    tenant_ids = list(Tenant.objects.filter(sandbox=False).values_list("id", flat=True))
    for tenant_id in tenant_ids:
        with tenant_scope(tenant_id):
            services.invoice_run_create(tenant=tenant_id)
    return len(tenant_ids)


@shared_task(ignore_result=True)
def invoice_runs_sweep() -> int:
    """Periodic: send again the runs whose task was lost (broker down, worker killed)."""
    return services.invoice_runs_sweep()


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=30, retry_backoff_max=600, max_retries=5)
@tenant_task
def credit_grants_expire(tenant_id: str) -> int:
    """Forfeit what remains of one tenant's grants whose expires_at has passed."""
    tenant = uuid.UUID(tenant_id)
    return grants.grants_expire(tenant=tenant, at=clock.now(tenant))


@shared_task(ignore_result=True)
def credit_grants_expire_sweep() -> int:
    """The beat job: one task per live tenant with a grant to expire (sandboxes' grants
    expire as their clock is advanced)."""
    tenant_ids = grants.grant_tenants_due(now=clock.real_now())
    for tenant_id in tenant_ids:
        credit_grants_expire.delay(str(tenant_id))
    return len(tenant_ids)


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=5, retry_backoff_max=60, max_retries=5)
@tenant_task
def invoice_thresholds_check(tenant_id: str, customer_ids: list[str] | str) -> int:
    """Issue the threshold invoices that usage of these customers made due (progressive
    billing, queued debounced after ingestion: one task per ingest call); safe to run
    twice. One customer's id alone is a task queued before the checks were batched."""
    tenant = uuid.UUID(tenant_id)
    customers = [uuid.UUID(c) for c in ([customer_ids] if isinstance(customer_ids, str) else customer_ids)]
    receivers.threshold_check_started(tenant, customers)
    made = progressive.thresholds_check(tenant=tenant, now=clock.now(tenant), customer_ids=customers)
    return len(made)
