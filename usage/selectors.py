"""Reads of usage: reference lookups for ingestion, event lists, and the aggregation
that both the customer-usage endpoint and the invoice run use.

`usage_totals_for_period` is one grouped SQL query for any number of (customer,
period) windows. EXPLAIN on 1M events shows it as a nested loop over the windows with
an index scan on `usage_cust_meter_ts_idx` (tenant, customer, meter, timestamp)
INCLUDE (value, voided_at): count/sum/max never touch the table's heap once it is
vacuumed (`voided_at` is in the index: leaving voided events out reads no heap either);
`unique_count` reads `properties`, so it runs as a second query only for those meters.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet

from plans import selectors as plan_selectors
from plans.models import Meter
from subscriptions.models import Customer
from tenants.models import TenantRef, tenant_pk
from usage.models import SEQ_FENCE_CLASS, USAGE_SEQUENCE, UsageEvent, UsageEventRevision, seq_fence_key

# Customers' external ids and meters' codes never change and neither is ever deleted
# (usage events PROTECT them), so a found reference may be remembered for a minute:
# single-event ingestion then costs one INSERT instead of three queries.
_REFERENCE_TTL_SECONDS = 60.0
_customer_cache: dict[tuple[uuid.UUID, str], tuple[float, uuid.UUID]] = {}
_meter_cache: dict[tuple[uuid.UUID, str], tuple[float, Meter]] = {}


def clear_reference_cache() -> None:
    _customer_cache.clear()
    _meter_cache.clear()


def _cached_lookup(
    cache: dict[tuple[uuid.UUID, str], tuple[float, Any]],
    tenant_id: uuid.UUID,
    keys: Iterable[str],
    fetch: Callable[[list[str]], Iterable[tuple[str, Any]]],
) -> dict[str, Any]:
    """Found values of `keys` from the cache while fresh, the rest with one `fetch`."""
    now = time.monotonic()
    found: dict[str, Any] = {}
    missing = []
    for key in keys:
        hit = cache.get((tenant_id, key))
        if hit and hit[0] > now:
            found[key] = hit[1]
        else:
            missing.append(key)
    if missing:
        for key, value in fetch(missing):
            found[key] = value
            cache[(tenant_id, key)] = (now + _REFERENCE_TTL_SECONDS, value)
    return found


def customer_ids_by_external_id(*, tenant: TenantRef, external_ids: Iterable[str]) -> dict[str, uuid.UUID]:
    def fetch(missing: list[str]) -> Iterable[tuple[str, Any]]:
        return Customer.objects.for_tenant(tenant).filter(external_id__in=missing).values_list("external_id", "id")

    return _cached_lookup(_customer_cache, tenant_pk(tenant), external_ids, fetch)


def meters_by_code(*, tenant: TenantRef, codes: Iterable[str]) -> dict[str, Meter]:
    """`plans.selectors.meters_by_code`, remembered for a minute (ingestion's hot path)."""

    def fetch(missing: list[str]) -> Iterable[tuple[str, Any]]:
        return plan_selectors.meters_by_code(tenant=tenant, codes=missing).items()

    return _cached_lookup(_meter_cache, tenant_pk(tenant), codes, fetch)


def usage_event_list(
    *, tenant: TenantRef, start: datetime | None = None, end: datetime | None = None
) -> QuerySet[UsageEvent]:
    """The tenant's events with a timestamp in `[start, end)` (each bound optional)."""
    events = UsageEvent.objects.for_tenant(tenant).select_related("customer", "meter")
    if start is not None:
        events = events.filter(timestamp__gte=start)
    if end is not None:
        events = events.filter(timestamp__lt=end)
    return events


def usage_event_revisions(*, tenant: TenantRef, event: UsageEvent) -> list[UsageEventRevision]:
    """Every revision of `event`, oldest first: the stored ones, or (never corrected)
    the event itself as its revision 1, not stored."""
    if event.revision == 1:
        return [
            UsageEventRevision(
                tenant_id=event.tenant_id, event_id=event.pk, revision=1, action=UsageEventRevision.Action.CREATED,
                value=event.value, properties=event.properties, created_at=event.created_at,
            )
        ]  # fmt: skip
    return list(UsageEventRevision.objects.for_tenant(tenant).filter(event_id=event.pk).order_by("revision"))


@dataclass(frozen=True)
class UsageWindow:
    """A customer's half-open period [start, end)."""

    customer_id: uuid.UUID
    start: datetime
    end: datetime


_SIMPLE_TOTALS_SQL = """
WITH w AS (SELECT * FROM unnest(%(customers)s::uuid[], %(starts)s::timestamptz[], %(ends)s::timestamptz[])
           AS w(customer_id, start_at, end_at))
SELECT w.customer_id, w.start_at, w.end_at, e.meter_id, count(*), sum(e.value), max(e.value)
FROM w
JOIN usage_usageevent e ON e.tenant_id = %(tenant)s AND e.customer_id = w.customer_id
     AND e.meter_id = ANY(%(meters)s::uuid[]) AND e.timestamp >= w.start_at AND e.timestamp < w.end_at
     AND e.voided_at IS NULL
GROUP BY w.customer_id, w.start_at, w.end_at, e.meter_id
"""

_UNIQUE_TOTALS_SQL = """
WITH w AS (SELECT * FROM unnest(%(customers)s::uuid[], %(starts)s::timestamptz[], %(ends)s::timestamptz[])
           AS w(customer_id, start_at, end_at)),
     m AS (SELECT * FROM unnest(%(meters)s::uuid[], %(props)s::text[]) AS m(meter_id, property))
SELECT w.customer_id, w.start_at, w.end_at, e.meter_id, count(DISTINCT e.properties ->> m.property)
FROM w
JOIN usage_usageevent e ON e.tenant_id = %(tenant)s AND e.customer_id = w.customer_id
     AND e.timestamp >= w.start_at AND e.timestamp < w.end_at AND e.voided_at IS NULL
JOIN m ON m.meter_id = e.meter_id
GROUP BY w.customer_id, w.start_at, w.end_at, e.meter_id
"""


def usage_totals_for_period(
    *, tenant: TenantRef, windows: Sequence[UsageWindow], meters: Sequence[Meter]
) -> dict[tuple[UsageWindow, uuid.UUID], Decimal]:
    """The quantity of each meter in each window, by the meter's aggregation.

    Returns {(window, meter_id): quantity} for every window and meter, 0 where there
    was no usage. Two queries at most, whatever the number of windows.

    >>> usage_totals_for_period(tenant=t, windows=[UsageWindow(c, jan1, feb1)], meters=[api_calls])
    {(UsageWindow(c, jan1, feb1), api_calls.id): Decimal('1234')}
    """
    totals = {(window, meter.id): Decimal(0) for window in windows for meter in meters}
    if not windows or not meters:
        return totals
    by_bounds = {(w.customer_id, w.start, w.end): w for w in windows}
    params: dict[str, Any] = {
        "tenant": tenant_pk(tenant),
        "customers": [w.customer_id for w in windows],
        "starts": [w.start for w in windows],
        "ends": [w.end for w in windows],
    }
    simple = {m.id: m.aggregation for m in meters if m.aggregation != Meter.Aggregation.UNIQUE_COUNT}
    unique = [m for m in meters if m.aggregation == Meter.Aggregation.UNIQUE_COUNT]
    with connection.cursor() as cursor:
        if simple:
            cursor.execute(_SIMPLE_TOTALS_SQL, {**params, "meters": list(simple)})
            for customer_id, start, end, meter_id, count, total, largest in cursor.fetchall():
                pick: dict[str, Decimal] = {"count": Decimal(count), "sum": total, "max": largest}
                totals[(by_bounds[(customer_id, start, end)], meter_id)] = pick[simple[meter_id]]
        if unique:
            cursor.execute(
                _UNIQUE_TOTALS_SQL, {**params, "meters": [m.id for m in unique], "props": [m.property for m in unique]}
            )
            for customer_id, start, end, meter_id, distinct in cursor.fetchall():
                totals[(by_bounds[(customer_id, start, end)], meter_id)] = Decimal(distinct)
    return totals


def usage_totals_for_customer(
    *, tenant: TenantRef, customer_id: uuid.UUID, start: datetime, end: datetime
) -> list[tuple[Meter, Decimal]]:
    """Every meter of the tenant with the customer's quantity in [start, end)."""
    meters = list(Meter.objects.for_tenant(tenant).order_by("code"))
    window = UsageWindow(customer_id, start, end)
    totals = usage_totals_for_period(tenant=tenant, windows=[window], meters=meters)
    return [(meter, totals[(window, meter.id)]) for meter in meters]


_STORED_THROUGH_SQL = f"SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM {USAGE_SEQUENCE}"  # noqa: S608 - a constant


def usage_stored_through(*, tenant: TenantRef) -> int:
    """How far the tenant's events are stored: every event of the tenant with `seq` at
    or below the answer has committed (or rolled back), so a statement that starts
    after this returns counts it. It takes the tenant's fence (usage.models) in
    exclusive mode: it waits for the inserts in flight, and new ones wait for it.

    The fence is held to the end of the transaction: call it outside the caller's
    (as the invoice run does, before each batch), or in a short one (a cancellation).
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s::int4, %s::int4)", [SEQ_FENCE_CLASS, seq_fence_key(tenant_pk(tenant))]
        )
        cursor.execute(_STORED_THROUGH_SQL)
        return int(cursor.fetchone()[0])
