"""Writes of the webhooks app: endpoints, publishing events, delivery attempts and retries.

Delivery in one paragraph: `event_publish` stores the event and its deliveries and,
on commit, queues one attempt per delivery. An attempt first *claims* the delivery
(row lock with SKIP LOCKED, count the attempt, push `next_attempt_at` a lease ahead so
that no one else takes it), sends it outside any transaction, then records the
outcome. A failure is retried with backoff until `WEBHOOK_MAX_ATTEMPTS`, then `dead`.
A delivery whose queued message was lost (broker down, worker killed) is picked up
again by `webhook_deliveries_sweep`, because the database, not the queue, says what
is due.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import requests
import structlog
from django.conf import settings
from django.db import transaction

from audit.services import as_created, audit_record, audited_update
from billing_project.bulk import insert_rows
from tenants import clock
from tenants.errors import Conflict, Invalid, NotFound, found
from tenants.models import TenantRef, tenant_pk
from webhooks import instruments, selectors
from webhooks.models import Event, EventType, WebhookDelivery, WebhookEndpoint
from webhooks.signing import event_body, signed_headers
from webhooks.transport import post_pinned
from webhooks.url_guard import UnsafeUrlError, check_webhook_url, webhook_target

log = structlog.get_logger(__name__)

DELIVERY_ALREADY_PENDING = "This delivery is already queued; it will be attempted at next_attempt_at."
UNKNOWN_EVENT_TYPE = "Unknown event type {type!r}: publish one of webhooks.models.EventType."
ATTEMPT_ENDPOINT_INACTIVE = "Not sent: the endpoint is inactive."
ATTEMPT_URL_BLOCKED = "Not sent: {reason}"
ATTEMPT_HTTP_ERROR = "The endpoint answered HTTP {status}."
ATTEMPT_NETWORK_ERROR = "Network error: {error}"
ATTEMPT_LOST = "The last attempt did not finish (the worker stopped)."

FIRST_RETRY_DELAY = timedelta(seconds=30)
MAX_RETRY_DELAY = timedelta(hours=12)
JITTER = 0.1  # each delay loses up to 10 % at random so that failures do not retry in lockstep
# How far past its due time a delivery must be before the sweeper re-queues it: the
# message queued for it is then surely lost, not merely on its way.
SWEEP_GRACE = timedelta(seconds=60)
SWEEP_BATCH = 1000
RESPONSE_SNIPPET_BYTES = 500
USER_AGENT = "billing-webhooks/1.0"

IN_PLAY = (WebhookDelivery.Status.PENDING, WebhookDelivery.Status.FAILED)


# Endpoints


def _check_url(url: str) -> None:
    try:
        check_webhook_url(url)
    except UnsafeUrlError as exc:
        raise Invalid({"url": [str(exc)]}, code="unsafe_url") from exc


def _check_event_types(event_types: Iterable[str]) -> list[str]:
    types = list(dict.fromkeys(event_types))  # de-duplicated, order kept
    for index, event_type in enumerate(types):
        if event_type not in EventType.values:
            raise Invalid({"event_types": {str(index): [UNKNOWN_EVENT_TYPE.format(type=event_type)]}})
    return types


def webhook_endpoint_create(
    *, tenant: TenantRef, url: str, event_types: Iterable[str] = (), description: str = "", active: bool = True
) -> WebhookEndpoint:
    """A new endpoint with a fresh `whsec_` secret; the URL must pass the SSRF guard.
    The audit entry never holds the secret."""
    _check_url(url)
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.create(
            tenant_id=tenant_pk(tenant),
            url=url,
            event_types=_check_event_types(event_types),
            description=description,
            active=active,
        )
        changes = as_created(endpoint, *WEBHOOK_ENDPOINT_EDITABLE_FIELDS)
        audit_record(tenant=tenant, action="webhook_endpoint.created", obj=endpoint, changes=changes)
    return endpoint


WEBHOOK_ENDPOINT_EDITABLE_FIELDS = ("url", "event_types", "description", "active")


def webhook_endpoint_update(*, tenant: TenantRef, endpoint_id: uuid.UUID | str, **changes: Any) -> WebhookEndpoint:
    """Change any of `url`, `event_types`, `description`, `active` (the secret stays)."""
    endpoint = found(
        selectors.webhook_endpoint_get(tenant=tenant, endpoint_id=endpoint_id), selectors.ENDPOINT_NOT_FOUND
    )
    if "url" in changes:
        _check_url(changes["url"])
    if "event_types" in changes:
        changes["event_types"] = _check_event_types(changes["event_types"])
    return audited_update(tenant=tenant, instance=endpoint, fields=WEBHOOK_ENDPOINT_EDITABLE_FIELDS, data=changes)


@transaction.atomic
def webhook_endpoint_delete(*, tenant: TenantRef, endpoint_id: uuid.UUID | str) -> None:
    """Deletes the endpoint and its deliveries (queued attempts then find nothing to do)."""
    endpoint = found(
        selectors.webhook_endpoint_get(tenant=tenant, endpoint_id=endpoint_id), selectors.ENDPOINT_NOT_FOUND
    )
    audit_record(tenant=tenant, action="webhook_endpoint.deleted", obj=endpoint, changes={"url": [endpoint.url, None]})
    endpoint.delete()


# Publishing


EventData = Mapping[str, Any] | Callable[[], Mapping[str, Any]]
_EVENT_COLUMNS = {"id": "uuid", "tenant_id": "uuid", "type": "text", "data": "jsonb", "created_at": "timestamptz"}


def event_publish(*, tenant: TenantRef, type: str, data: EventData) -> Event | None:
    """Store an event and queue its delivery to every active endpoint subscribed to it.

    Call it inside the transaction that makes the change, with `data` as the API
    renders the object (the output serializer's `.data`, or a function returning it,
    called only when some endpoint receives the event); nothing is sent unless that
    transaction commits:

        with transaction.atomic():
            invoice.save()
            event_publish(tenant=tenant, type=EventType.INVOICE_PAID, data=lambda: invoice_body(invoice))

    The event table is the outbox of deliveries: an event that no active endpoint
    receives is not stored (None is returned), as Stripe sends only new events to an
    endpoint added later.
    """
    stored = events_publish(tenant=tenant, events=[(type, data)])
    return stored[0] if stored else None


@transaction.atomic
def events_publish(*, tenant: TenantRef, events: Sequence[tuple[str, EventData]]) -> list[Event]:
    """`event_publish` for many events of one tenant in three queries, whatever their
    number: the invoice run publishes one `invoice.finalized` per invoice of a batch."""
    known = set(EventType.values)  # a property that builds its list at each call
    for event_type, _ in events:
        if event_type not in known:
            raise ValueError(UNKNOWN_EVENT_TYPE.format(type=event_type))
    tenant_id = tenant_pk(tenant)
    endpoints = list(selectors.webhook_endpoints_active(tenant=tenant_id))
    now = clock.real_now()  # webhook delivery runs on real time
    stored = [
        Event(
            id=uuid.uuid4(),
            tenant_id=tenant_id,
            type=event_type,
            data=dict(data() if callable(data) else data),
            created_at=now,
        )
        for event_type, data in events
        if any(endpoint.receives(event_type) for endpoint in endpoints)
    ]
    insert_rows(
        Event._meta.db_table,
        _EVENT_COLUMNS,
        [{"id": e.id, "tenant_id": tenant_id, "type": e.type, "data": e.data, "created_at": now} for e in stored],
    )
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(tenant_id=tenant_id, event=event, endpoint=endpoint, next_attempt_at=now)
        for event in stored
        for endpoint in endpoints
        if endpoint.receives(event.type)
    )
    for delivery in deliveries:
        _queue_on_commit(delivery)
    log.info("webhook_events_published", events=len(stored), deliveries=len(deliveries))
    return stored


def _queue_on_commit(delivery: WebhookDelivery) -> None:
    from webhooks import tasks  # tasks import this module

    tenant_id, delivery_id = str(delivery.tenant_id), str(delivery.pk)

    # A named function, not a functools.partial: Django logs a robust callback's
    # failure with its __qualname__, which a partial does not have.
    def queue_webhook_delivery() -> None:
        tasks.webhook_delivery_attempt.delay(tenant_id, delivery_id)

    # robust: a broker outage must not turn a committed change into an error for the
    # caller; the sweeper queues the delivery once the broker is back.
    transaction.on_commit(queue_webhook_delivery, robust=True)


# Delivery attempts


@dataclass(frozen=True)
class AttemptOutcome:
    status_code: int | None
    error: str

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def retry_delay(attempts: int, *, rand: Callable[[], float] = random.random) -> timedelta:
    """The wait after the `attempts`-th failed attempt: 30 s doubling, at most 12 h, minus jitter.

    retry_delay(1) ≈ 30 s, retry_delay(2) ≈ 60 s, …, retry_delay(13) ≈ 12 h (the cap).
    """
    exponent = min(attempts - 1, 20)  # 30 s * 2**20 is far past the cap already
    base = min(FIRST_RETRY_DELAY * 2**exponent, MAX_RETRY_DELAY)
    return base * (1 - JITTER * rand())


def webhook_delivery_attempt(*, tenant: TenantRef, delivery_id: uuid.UUID | str) -> WebhookDelivery | None:
    """Make one attempt at a due delivery and record its outcome.

    Safe to run twice or concurrently: it returns None, doing nothing, when the
    delivery is gone, already succeeded or dead, not due yet, or claimed by another
    worker. Otherwise it returns the delivery as recorded (`succeeded`, `failed` with
    `next_attempt_at`, or `dead`).
    """
    claimed = _delivery_claim(tenant_id=tenant_pk(tenant), delivery_id=delivery_id)
    if claimed is None:
        return None
    outcome = _delivery_send(claimed)
    delivery = _delivery_record(claimed, outcome)
    if delivery is not None:
        _count(delivery)
        log.info(
            "webhook_delivery_attempted",
            delivery_id=str(delivery.pk),
            status=delivery.status,
            attempts=delivery.attempts,
            status_code=outcome.status_code,
            error=outcome.error,
        )
    return delivery


@transaction.atomic
def _delivery_claim(*, tenant_id: uuid.UUID, delivery_id: uuid.UUID | str) -> WebhookDelivery | None:
    now = clock.real_now()
    delivery = (
        WebhookDelivery.objects.for_tenant(tenant_id)
        .select_for_update(skip_locked=True, of=("self",))
        .select_related("event", "endpoint")
        .filter(pk=delivery_id, status__in=IN_PLAY, next_attempt_at__lte=now)
        .first()
    )
    if delivery is None:
        return None
    if delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        # The last allowed attempt was claimed but never recorded: its worker died.
        delivery.status, delivery.next_attempt_at, delivery.last_error = WebhookDelivery.Status.DEAD, None, ATTEMPT_LOST
        delivery.save(update_fields=["status", "next_attempt_at", "last_error", "updated_at"])
        instruments.DELIVERIES.labels(outcome="dead").inc()
        return None
    delivery.attempts += 1
    delivery.last_attempt_at = now
    # The lease: long enough for the request to time out, after which the sweeper may
    # assume this attempt's worker died and queue the delivery again.
    delivery.next_attempt_at = now + timedelta(seconds=settings.WEBHOOK_TIMEOUT_SECONDS) + SWEEP_GRACE
    delivery.save(update_fields=["attempts", "last_attempt_at", "next_attempt_at", "updated_at"])
    return delivery


def _delivery_send(delivery: WebhookDelivery) -> AttemptOutcome:
    endpoint = delivery.endpoint
    if not endpoint.active:
        return AttemptOutcome(None, ATTEMPT_ENDPOINT_INACTIVE)
    try:
        # Checked again, DNS may have changed since the endpoint was saved; the request
        # then goes to the addresses this check resolved, never to a second answer.
        target = webhook_target(endpoint.url)
    except UnsafeUrlError as exc:
        return AttemptOutcome(None, ATTEMPT_URL_BLOCKED.format(reason=exc))
    body = event_body(delivery.event)
    headers = signed_headers(secret=endpoint.secret, msg_id=delivery.event.public_id, body=body, at=clock.real_now())
    headers["user-agent"] = USER_AGENT
    try:
        # Only the status and the start of the body are read.
        with post_pinned(
            target, body=body.encode(), headers=headers, timeout=settings.WEBHOOK_TIMEOUT_SECONDS
        ) as response:
            if 200 <= response.status_code < 300:
                return AttemptOutcome(response.status_code, "")
            snippet = response.raw.read(RESPONSE_SNIPPET_BYTES, decode_content=True).decode(errors="replace")
    except requests.RequestException as exc:
        return AttemptOutcome(None, ATTEMPT_NETWORK_ERROR.format(error=exc)[:1000])
    error = ATTEMPT_HTTP_ERROR.format(status=response.status_code)
    return AttemptOutcome(response.status_code, f"{error} {snippet}".strip())


@transaction.atomic
def _delivery_record(claimed: WebhookDelivery, outcome: AttemptOutcome) -> WebhookDelivery | None:
    delivery = WebhookDelivery.objects.select_for_update().filter(pk=claimed.pk).first()
    if delivery is None or delivery.status not in IN_PLAY or delivery.attempts != claimed.attempts:
        return None  # deleted, or retried by hand while this attempt was in flight
    now = clock.real_now()
    delivery.last_status_code = outcome.status_code
    delivery.last_error = outcome.error
    if outcome.succeeded:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = WebhookDelivery.Status.SUCCEEDED, now, None
    elif delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        delivery.status, delivery.next_attempt_at = WebhookDelivery.Status.DEAD, None
    else:
        delivery.status = WebhookDelivery.Status.FAILED
        delivery.next_attempt_at = now + retry_delay(delivery.attempts)
    delivery.save()
    return delivery


def _count(delivery: WebhookDelivery) -> None:
    instruments.DELIVERIES.labels(outcome=delivery.status).inc()
    if delivery.status == WebhookDelivery.Status.FAILED:
        instruments.RETRIES.inc()


# Retries by hand and the sweeper


@transaction.atomic
def webhook_delivery_retry(*, tenant: TenantRef, delivery_id: uuid.UUID | str) -> WebhookDelivery:
    """Queue a delivery again now, with a fresh budget of attempts (`attempts` back to 0).

    Works on `failed`, `dead` and `succeeded` deliveries (the last re-sends the same
    event, same `webhook-id`); a `pending` one is already queued (409).
    """
    delivery = WebhookDelivery.objects.for_tenant(tenant).select_for_update().filter(pk=delivery_id).first()
    if delivery is None:
        raise NotFound(selectors.DELIVERY_NOT_FOUND)
    if delivery.status == WebhookDelivery.Status.PENDING:
        raise Conflict(DELIVERY_ALREADY_PENDING, code="already_pending")
    status, delivery.status = delivery.status, WebhookDelivery.Status.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = clock.real_now()
    delivery.save(update_fields=["status", "attempts", "next_attempt_at", "updated_at"])
    audit_record(
        tenant=tenant, action="webhook_delivery.retried", obj=delivery, changes={"status": [status, delivery.status]}
    )
    instruments.RETRIES.inc()
    _queue_on_commit(delivery)
    return delivery


@transaction.atomic
def webhook_deliveries_sweep(*, now: datetime | None = None, limit: int = SWEEP_BATCH) -> int:
    """Queue every delivery, of any tenant, that is overdue by more than SWEEP_GRACE.

    The safety net under the queued messages: it finds deliveries whose message was
    lost. Returns how many it queued.
    """
    cutoff = (now or clock.real_now()) - SWEEP_GRACE
    overdue = list(
        WebhookDelivery.unscoped()
        .select_for_update(skip_locked=True)
        .filter(status__in=IN_PLAY, next_attempt_at__lte=cutoff)
        .order_by("next_attempt_at")[:limit]
    )
    for delivery in overdue:
        _queue_on_commit(delivery)
    return len(overdue)
