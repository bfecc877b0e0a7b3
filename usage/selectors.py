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
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    JSONField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce

from billing_project.lookups import array_literal
from plans import selectors as plan_selectors
from plans.dimensions import Bucket, Dimensions
from plans.models import Meter
from subscriptions.models import Customer
from tenants.models import TenantRef, tenant_pk
from usage.models import (
    LATE_HORIZON_DAYS,
    SEQ_FENCE_CLASS,
    USAGE_SEQUENCE,
    UsageEvent,
    UsageEventRevision,
    seq_fence_key,
)

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
                value=event.value, properties=event.properties, created_at=event.created_at, seq=event.seq,
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
           WITH ORDINALITY AS w(customer_id, start_at, end_at, i))
SELECT w.i, e.meter_id, count(*), sum(e.value), max(e.value)
FROM w
JOIN usage_usageevent e ON e.tenant_id = %(tenant)s AND e.customer_id = w.customer_id
     AND e.meter_id = ANY(%(meters)s::uuid[]) AND e.timestamp >= w.start_at AND e.timestamp < w.end_at
     AND {ranges} AND e.voided_at IS NULL
GROUP BY w.i, e.meter_id
"""

_UNIQUE_TOTALS_SQL = """
WITH w AS (SELECT * FROM unnest(%(customers)s::uuid[], %(starts)s::timestamptz[], %(ends)s::timestamptz[])
           WITH ORDINALITY AS w(customer_id, start_at, end_at, i)),
     m AS (SELECT * FROM unnest(%(meters)s::uuid[], %(props)s::text[]) AS m(meter_id, property))
SELECT w.i, e.meter_id, count(DISTINCT e.properties ->> m.property)
FROM w
JOIN usage_usageevent e ON e.tenant_id = %(tenant)s AND e.customer_id = w.customer_id
     AND e.timestamp >= w.start_at AND e.timestamp < w.end_at AND e.voided_at IS NULL
     AND {ranges}
JOIN m ON m.meter_id = e.meter_id
GROUP BY w.i, e.meter_id
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
    params: dict[str, Any] = {
        "tenant": tenant_pk(tenant),
        "customers": array_literal(w.customer_id for w in windows),
        "starts": array_literal(w.start for w in windows),
        "ends": array_literal(w.end for w in windows),
    }
    ranges, bounds = window_ranges_sql(windows)
    params.update(bounds)
    simple = {m.id: m.aggregation for m in meters if m.aggregation != Meter.Aggregation.UNIQUE_COUNT}
    unique = [m for m in meters if m.aggregation == Meter.Aggregation.UNIQUE_COUNT]
    with connection.cursor() as cursor:
        if simple:
            cursor.execute(_SIMPLE_TOTALS_SQL.format(ranges=ranges), {**params, "meters": array_literal(simple)})
            for i, meter_id, count, total, largest in cursor.fetchall():
                pick: dict[str, Decimal] = {"count": Decimal(count), "sum": total, "max": largest}
                totals[(windows[i - 1], meter_id)] = pick[simple[meter_id]]
        if unique:
            cursor.execute(
                _UNIQUE_TOTALS_SQL.format(ranges=ranges),
                {**params, "meters": [m.id for m in unique], "props": [m.property for m in unique]},
            )
            for i, meter_id, distinct in cursor.fetchall():
                totals[(windows[i - 1], meter_id)] = Decimal(distinct)
    return totals


def usage_totals_for_customer(
    *, tenant: TenantRef, customer_id: uuid.UUID, start: datetime, end: datetime
) -> list[tuple[Meter, Decimal]]:
    """Every meter of the tenant with the customer's quantity in [start, end)."""
    meters = list(Meter.objects.for_tenant(tenant).order_by("code"))
    window = UsageWindow(customer_id, start, end)
    totals = usage_totals_for_period(tenant=tenant, windows=[window], meters=meters)
    return [(meter, totals[(window, meter.id)]) for meter in meters]


@dataclass(frozen=True)
class TimeRange:
    """[start, end) of event timestamps; `end` None: no end."""

    start: datetime
    end: datetime | None


_NOTED_MONTHS_SQL = """
SELECT now(), coalesce(array_agg(month ORDER BY month), '{}') FROM usage_latemonth WHERE tenant_id = %s AND seq > %s
"""


def stored_since_ranges(*, tenant: TenantRef, since: int, stored_after: datetime) -> list[TimeRange]:
    """Timestamp ranges that hold every event of the tenant stored (or corrected) with a
    `seq` greater than `since`, knowing that those were stored after `stored_after`
    (the real time of the invoice that read `since`): the months from LATE_HORIZON_DAYS
    (and a day of margin: a statement that waited on the fence) before it on, and the
    older months that UsageLateMonth noted with a greater seq. Bounding a query by these
    (as constants: the planner prunes at plan time) keeps it off the old months'
    partitions.

    The trigger compares with the database's clock: `stored_after` is taken no later
    than the database's `now()`, so that a process whose clock runs ahead (a test's
    time travel) reads more months, never fewer.
    """
    with connection.cursor() as cursor:
        cursor.execute(_NOTED_MONTHS_SQL, [tenant_pk(tenant), since])
        database_now, noted = cursor.fetchone()
    recent = (min(stored_after, database_now) - timedelta(days=LATE_HORIZON_DAYS + 1)).astimezone(UTC)
    first = datetime(recent.year, recent.month, 1, tzinfo=UTC)  # whole months: one partition each
    ranges = []
    for month in noted:
        start = datetime(month.year, month.month, 1, tzinfo=UTC)
        if start < first:
            end = datetime(month.year + month.month // 12, month.month % 12 + 1, 1, tzinfo=UTC)
            ranges.append(TimeRange(start, end))
    return [*ranges, TimeRange(first, None)]


def window_ranges(windows: Iterable[UsageWindow]) -> list[TimeRange]:
    """The time covered by `windows`, as few ranges as they allow (overlapping or
    touching windows merged): a run's batch of one period is one range; the late windows
    of a preview (February and April, say) stay apart, and March is not read."""
    merged: list[list[datetime]] = []
    for start, end in sorted({(w.start, w.end) for w in windows}):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(end, merged[-1][1])
        else:
            merged.append([start, end])
    return [TimeRange(start, end) for start, end in merged]


def window_ranges_sql(windows: Iterable[UsageWindow]) -> tuple[str, dict[str, Any]]:
    """`window_ranges(windows)` on `e.timestamp`, as constants (`time_ranges_sql`): the
    planner keeps only the months' partitions of the events table that the windows
    touch (plan-time pruning), instead of planning every partition and pruning per
    window at run time (usage.partitions)."""
    return time_ranges_sql(window_ranges(windows), "e.timestamp", "t")


def time_ranges_sql(ranges: Sequence[TimeRange], column: str, prefix: str) -> tuple[str, dict[str, Any]]:
    """`(column >= start AND column < end) OR …` for `ranges`, with its parameters
    (named `prefix`0_start, …): a condition the planner prunes partitions by."""
    clauses, params = [], {}
    for n, r in enumerate(ranges):
        params[f"{prefix}{n}_start"] = r.start
        clause = f"{column} >= %({prefix}{n}_start)s"
        if r.end is not None:
            params[f"{prefix}{n}_end"] = r.end
            clause += f" AND {column} < %({prefix}{n}_end)s"
        clauses.append(f"({clause})")
    return "(" + " OR ".join(clauses) + ")", params


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


# Events as they were at a watermark (invoice line provenance) ---------------------------
#
# An event's state as of the usage sequence W is its latest revision with `seq` <= W
# (`UsageEventRevision.seq`); an event never corrected (revision 1, no stored revision)
# is itself from its `seq` on. Before either it was not stored yet (revision 0 here).
# A void is final, so "voided as of W" is "a void revision with `seq` <= W". Revisions
# from before their `seq` column (null) read as older than every watermark.

AS_OF_FIELDS = ("revision", "value", "properties", "voided", "unique_value", "counted")


def _revisions_through(tenant: TenantRef, watermark: int) -> QuerySet[UsageEventRevision]:
    revisions = UsageEventRevision.objects.for_tenant(tenant).filter(event_id=OuterRef("pk"))
    return revisions.filter(Q(seq__lte=watermark) | Q(seq__isnull=True)).order_by("-revision")


def _as_of(tenant: TenantRef, watermark: int, prefix: str, meter: Meter) -> dict[str, Any]:
    """Annotations `<prefix>revision`, `value`, `properties`, `voided`, `unique_value`
    (unique_count meters: the property's text, as the invoice run reads it) and
    `counted` (stored, not voided) of each event as of `watermark`."""
    at = _revisions_through(tenant, watermark)
    never = Q(revision=1)
    value_field = UsageEvent._meta.get_field("value")
    annotations: dict[str, Any] = {
        f"{prefix}revision": Case(
            When(never & Q(seq__lte=watermark), then=Value(1)),
            When(never, then=Value(0)),
            default=Coalesce(Subquery(at.values("revision")[:1]), Value(0)),
            output_field=IntegerField(),
        ),
        f"{prefix}value": Case(
            When(never, then=F("value")), default=Subquery(at.values("value")[:1]), output_field=value_field
        ),
        f"{prefix}properties": Case(
            When(never, then=F("properties")), default=Subquery(at.values("properties")[:1]), output_field=JSONField()
        ),
        f"{prefix}voided": Case(
            When(never, then=Value(False)),
            default=Exists(at.filter(action=UsageEventRevision.Action.VOIDED)),
            output_field=BooleanField(),
        ),
    }
    annotations[f"{prefix}unique_value"] = (
        KeyTextTransform(meter.property, f"{prefix}properties")
        if meter.aggregation == Meter.Aggregation.UNIQUE_COUNT
        else Value(None, output_field=CharField())
    )
    annotations[f"{prefix}counted"] = ExpressionWrapper(
        Q(**{f"{prefix}revision__gt": 0, f"{prefix}voided": False}), output_field=BooleanField()
    )
    return annotations


def usage_events_as_of(
    *, tenant: TenantRef, window: UsageWindow, meter: Meter, watermarks: dict[str, int]
) -> QuerySet[UsageEvent]:
    """The customer's events of `meter` with a timestamp in the window, each annotated
    with its state as of each watermark, the names prefixed (AS_OF_FIELDS):
    `watermarks={"at_": 180, "billed_": 120}` gives `at_revision`, `at_value`, …,
    `billed_revision`, `billed_value`, …"""
    events = UsageEvent.objects.for_tenant(tenant).filter(
        customer_id=window.customer_id, meter_id=meter.pk, timestamp__gte=window.start, timestamp__lt=window.end
    )
    for prefix, watermark in watermarks.items():
        events = events.annotate(**_as_of(tenant, watermark, prefix, meter))
    return events


def usage_quantity_as_of(events: QuerySet[UsageEvent], *, prefix: str, aggregation: str) -> Decimal:
    """The meter's quantity of `events` (from `usage_events_as_of`) as of the watermark
    of `prefix`: what the invoice run's `usage_totals_for_period` counted then."""
    counted = events.filter(**{f"{prefix}counted": True})
    pick = {
        Meter.Aggregation.COUNT: Count("pk"),
        Meter.Aggregation.SUM: Sum(f"{prefix}value"),
        Meter.Aggregation.MAX: Max(f"{prefix}value"),
        Meter.Aggregation.UNIQUE_COUNT: Count(f"{prefix}unique_value", distinct=True),
    }[Meter.Aggregation(aggregation)]
    quantity = counted.aggregate(quantity=pick)["quantity"]
    return Decimal(0) if quantity is None else Decimal(quantity)


def usage_event_setting_max(events: QuerySet[UsageEvent], *, prefix: str) -> int | None:
    """The first event (by timestamp, then id) with the largest value as of `prefix`'s watermark."""
    counted = events.filter(**{f"{prefix}counted": True})
    return counted.order_by(f"-{prefix}value", "timestamp", "id").values_list("pk", flat=True).first()


def usage_events_one_per_value(events: QuerySet[UsageEvent], *, prefix: str) -> list[int]:
    """Of the events counted as of `prefix`'s watermark, the ids of the first (by
    timestamp, then id) of each distinct unique value: what a `unique_count` counts."""
    unique = f"{prefix}unique_value"
    counted = events.filter(**{f"{prefix}counted": True, f"{unique}__isnull": False})
    # DISTINCT ON an annotation cannot be a subquery's `values("pk")` in Django: read (id, value) pairs.
    firsts = counted.order_by(unique, "timestamp", "id").distinct(unique).values_list("pk", unique)
    return [pk for pk, _ in firsts]


# Charge dimensions (plans.dimensions) ---------------------------------------------------
#
# The same grouped count as `_SIMPLE_TOTALS_SQL`, with more keys in the GROUP BY: the
# index of the first filter the event matches (a CASE over its properties, NULL for
# none) and the group's values, one column per `group_by` position (`properties ->>
# key`, NULL when the event lacks it or its set has no such position), in the "C"
# collation: the groups are the same (equality is bytewise in any deterministic
# collation) and sorting them compares bytes instead of calling strcoll, which made
# an array key cost more than reading the events. `d` lists each (meter, dimension
# set) once; a batch whose plans charge one meter with different dimensions counts
# its events once per set, keyed by the set. A row names its window and pair by their
# ordinals (`w.i`, `d.n`) and carries the one aggregate its meter reads (`d.agg`).

_WINDOWS_SQL = """SELECT * FROM unnest(%(customers)s::uuid[], %(starts)s::timestamptz[], %(ends)s::timestamptz[])
           WITH ORDINALITY AS w(customer_id, start_at, end_at, i)"""

# The same windows when each customer has one: grouped by customer (min() of one value),
# which tells the planner that `customer_id` is unique there. Without it the planner
# takes the function's column for 200 distinct values (a hash of the windows would
# have long bucket chains) and hashes the month's events instead: ~130 bytes an event
# (96 MB at 750,000 events; past work_mem, in batches on disk, for a heavier tenant),
# where the windows' hash takes ~85 bytes a window (832 kB at 10,000).
_UNIQUE_WINDOWS_SQL = f"""SELECT customer_id, min(start_at) AS start_at, min(end_at) AS end_at, min(i) AS i
           FROM ({_WINDOWS_SQL}) AS w GROUP BY customer_id"""  # noqa: S608 - constants

_DIMENSIONS_SQL = """d AS (SELECT * FROM unnest(%(d_meters)s::uuid[], %(d_sets)s::int[], %(d_props)s::text[], %(d_aggs)s::int[])
           WITH ORDINALITY AS d(meter_id, dim, property, agg, n))"""

_DIMENSION_TOTALS_SQL = f"""
WITH w AS ({{windows}}),
     {_DIMENSIONS_SQL}
SELECT w.i, d.n, {{filter_case}} AS f, {{group_columns}} {{aggregate}}
FROM w
JOIN usage_usageevent e ON e.tenant_id = %(tenant)s AND e.customer_id = w.customer_id
     AND e.meter_id = ANY(%(meters)s::uuid[]) AND e.timestamp >= w.start_at AND e.timestamp < w.end_at
     AND {{ranges}} AND e.voided_at IS NULL
JOIN d ON d.meter_id = e.meter_id
GROUP BY w.i, d.n, d.agg, d.dim, f{{group_keys}}
"""  # noqa: S608 - constants

# The same count when every window is one range [start, end) of distinct customers (a
# run that bills a month for all, the common case): no join with the windows, whose
# probe and time test cost a third of the statement; the events of those customers in
# the range (a hashed `= ANY` of the customer ids), grouped by customer, whose window
# the caller looks up.
_ONE_RANGE_TOTALS_SQL = f"""
WITH {_DIMENSIONS_SQL}
SELECT e.customer_id::text, d.n, {{filter_case}} AS f, {{group_columns}} {{aggregate}}
FROM usage_usageevent e
JOIN d ON d.meter_id = e.meter_id
WHERE e.tenant_id = %(tenant)s AND e.customer_id = ANY(%(customers)s::uuid[])
      AND e.meter_id = ANY(%(meters)s::uuid[]) AND e.timestamp >= %(start)s AND e.timestamp < %(end)s
      AND e.voided_at IS NULL
GROUP BY e.customer_id, d.n, d.agg, d.dim, f{{group_keys}}
"""  # noqa: S608 - constants

# The aggregate a meter's aggregation reads (`_AGGREGATION_COLUMN`'s order); a
# statement computes only those of its meters (each one more costs every event).
_AGGREGATES = (
    "count(*)::numeric",
    "sum(e.value)",
    "max(e.value)",
    "count(DISTINCT e.properties ->> d.property)::numeric",
)


def _aggregate(aggs: set[int]) -> str:
    """The quantity column: the one aggregate of `aggs`, or a CASE choosing each pair's."""
    if len(aggs) == 1:
        return _AGGREGATES[next(iter(aggs))]
    whens = " ".join(f"WHEN {agg} THEN {_AGGREGATES[agg]}" for agg in sorted(aggs))
    return f"CASE d.agg {whens} END"


DimensionTotals = dict[tuple[UsageWindow, uuid.UUID, Dimensions], dict[Bucket, Decimal]]


def _dimension_cases(sets: Sequence[Dimensions], params: dict[str, Any]) -> tuple[str, list[str]]:
    """The CASE expressions giving an event's filter index and its group's values (one
    per `group_by` position) under its dimension set `d.dim`; property names and
    values are bound parameters."""
    filter_whens: list[str] = []
    group_whens: list[list[str]] = [[] for _ in range(max(len(dims.group_by) for dims in sets))]
    for dim, dims in enumerate(sets):
        for index, spec in enumerate(dims.filters):
            tests = [f"d.dim = {dim}"]
            for key, values in spec.properties:
                n = len(params)
                params[f"k{n}"], params[f"v{n}"] = key, list(values)
                tests.append(f"e.properties ->> %(k{n})s = ANY(%(v{n})s::text[])")
            filter_whens.append(f"WHEN {' AND '.join(tests)} THEN {index}")
        for position, key in enumerate(dims.group_by):
            n = len(params)
            params[f"g{n}"] = key
            group_whens[position].append(f"WHEN {dim} THEN e.properties ->> %(g{n})s")
    filter_case = f"CASE {' '.join(filter_whens)} END" if filter_whens else "NULL::int"
    return filter_case, [f'(CASE d.dim {" ".join(whens)} END) COLLATE "C"' for whens in group_whens]


def usage_totals_by_dimension(
    *,
    tenant: TenantRef,
    windows: Sequence[UsageWindow],
    charges: Sequence[tuple[Meter, Dimensions]],
    scan: bool = False,
) -> DimensionTotals:
    """The quantity of each (filter, group) bucket of each dimensional charge in each
    window, by the meter's aggregation: one grouped query whatever the number of
    windows, filters and groups.

    Returns {(window, meter_id, dimensions): {Bucket: quantity}} for every window and
    charge, with only the buckets that had events (`Dimensions.lines` adds the rest).

    Unlike a plain count, which the events index answers alone, a bucket needs each
    event's `properties` from the table. By default the windows' events are found
    through the index, one table page per event; with `scan` (many windows: a run's,
    `invoices.dimension_usage.count_ahead`) the windows are hashed and the tenant's
    events of their months read in table order instead, each page once (nested
    loops are switched off for this statement alone, `_planner`); when those windows
    are one range of distinct customers, without the join (`_ONE_RANGE_TOTALS_SQL`).
    """
    windows = list(dict.fromkeys(windows))  # two subscriptions of a customer can share one
    pairs = list(dict.fromkeys((meter.pk, dims) for meter, dims in charges))
    meters = {meter.pk: meter for meter, _ in charges}
    totals: DimensionTotals = {(w, m, d): {} for w in windows for m, d in pairs}
    if not windows or not pairs:
        return totals
    sets = list(dict.fromkeys(dims for _, dims in pairs))
    params: dict[str, Any] = {}
    filter_case, group_cases = _dimension_cases(sets, params)
    params.update(
        tenant=tenant_pk(tenant),
        customers=array_literal(w.customer_id for w in windows),
        meters=list(meters),
        d_meters=[m for m, _ in pairs],
        d_sets=[sets.index(d) for _, d in pairs],
        d_props=[meters[m].property for m, _ in pairs],
        d_aggs=[_AGGREGATION_COLUMN[meters[m].aggregation] for m, _ in pairs],
    )
    parts = {
        "filter_case": filter_case,
        "group_columns": "".join(f"{case} AS g{n}, " for n, case in enumerate(group_cases)),
        "group_keys": "".join(f", g{n}" for n in range(len(group_cases))),
        # count(DISTINCT) sorts each group: only when a unique_count meter needs it.
        "aggregate": _aggregate({_AGGREGATION_COLUMN[meters[m].aggregation] for m, _ in pairs}),
    }
    unique = scan and len({w.customer_id for w in windows}) == len(windows)
    one_range = unique and len({(w.start, w.end) for w in windows}) == 1
    if one_range:
        params.update(start=windows[0].start, end=windows[0].end)
        sql = _ONE_RANGE_TOTALS_SQL.format(**parts)
        # A row's first column is its customer (as text: cheaper to read than a UUID),
        # which gives the ordinal of that customer's window.
        ordinal: Any = {str(w.customer_id): i for i, w in enumerate(windows, 1)}.__getitem__
    else:
        ranges, bounds = window_ranges_sql(windows)
        params.update(
            bounds,
            starts=array_literal(w.start for w in windows),
            ends=array_literal(w.end for w in windows),
        )
        sql = _DIMENSION_TOTALS_SQL.format(
            windows=_UNIQUE_WINDOWS_SQL if unique else _WINDOWS_SQL, ranges=ranges, **parts
        )
        ordinal = int
    # A batch's rows name the same few buckets again and again: one Bucket each.
    buckets: dict[tuple[int, int | None, tuple[str | None, ...] | None], Bucket] = {}
    # Each row's dict, by the row's ordinals: totals' values in (window, pair) order.
    targets = list(totals.values())
    pair_sets = [sets.index(d) for _, d in pairs]
    width = len(pairs)
    with _planner(scan) as cursor:
        cursor.execute(sql, params)
        for window, n, index, *values in cursor.fetchall():
            i = ordinal(window)
            dim = pair_sets[n - 1]
            dims = sets[dim]
            group = tuple(values[: len(dims.group_by)]) if dims.group_by else None
            key = (dim, index, group)
            bucket = buckets.get(key)
            if bucket is None:
                bucket = buckets[key] = Bucket(None if index is None else dims.filters[index].name, group)
            targets[(i - 1) * width + n - 1][bucket] = values[-1]
    return totals


@contextmanager
def _planner(scan: bool) -> Iterator[Any]:
    """A cursor; with `scan`, in a transaction (or savepoint) where the planner hashes
    instead of looping (`enable_nestloop` off) and the hash tables get the invoice
    run's work_mem, both put back as they were after the statement (a caller's
    transaction keeps its own settings)."""
    if not scan:
        with connection.cursor() as cursor:
            yield cursor
        return
    with transaction.atomic(), connection.cursor() as cursor:
        names = list(_SCAN_SETTINGS)
        cursor.execute(f"SELECT {', '.join('current_setting(%s)' for _ in names)}", names)
        before = dict(zip(names, cursor.fetchone(), strict=True))
        _configure(cursor, {**_SCAN_SETTINGS, "work_mem": settings.INVOICE_RUN_WORK_MEM})
        yield cursor  # on an error the savepoint's rollback puts them back
        _configure(cursor, before)


# A scan's plan: hash the windows, read the events in table order, hash the groups (a
# merge join or a sort of a month's events cost more than the hashes), in this process
# alone (a run's batches are already spread over the workers).
_SCAN_SETTINGS = {
    "enable_nestloop": "off",
    "enable_mergejoin": "off",
    "enable_sort": "off",
    "max_parallel_workers_per_gather": "0",
    "work_mem": "",  # the invoice run's (settings.INVOICE_RUN_WORK_MEM)
}


def _configure(cursor: Any, values: dict[str, str]) -> None:
    """SET LOCAL each of `values` (one statement)."""
    calls = ", ".join("set_config(%s, %s, true)" for _ in values)
    cursor.execute(f"SELECT {calls}", [item for pair in values.items() for item in pair])


# The column of (count, sum, max, distinct count) that a meter's aggregation reads.
_AGGREGATION_COLUMN: dict[str, int] = {
    Meter.Aggregation.COUNT: 0,
    Meter.Aggregation.SUM: 1,
    Meter.Aggregation.MAX: 2,
    Meter.Aggregation.UNIQUE_COUNT: 3,
}
