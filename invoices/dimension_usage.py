"""Charge dimensions in the invoice run (API.md Part 2, "Charge dimensions"): the
quantities of each (filter, group) bucket of dimensional charges, and their deltas.

The run counts plain charges with `usage_totals_for_period` and dimensional ones with
`usage_totals_by_dimension`: one grouped query each for the whole batch, whatever the
number of filters and groups. A large run counts its dimensional charges ahead, once
for all its batches (`count_ahead`, `Ahead`): a bucket needs each event's properties,
which the events index does not hold, and one pass over the months' table in order
reads each page once, where the batches' counts would read one page per event. Each bucket is its own line (`filter_name`,
`group_values`), so late usage and corrections are deltas per bucket: a window's
buckets now against what each was billed (its usage line plus earlier delta lines of
the same bucket). An event amended from one group to another makes a negative delta
on the one and a positive one on the other.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Protocol, TypeVar

from plans.dimensions import Bucket, Dimensions
from plans.models import Charge, Meter
from tenants.models import TenantRef
from usage.selectors import DimensionTotals, UsageWindow, usage_stored_through, usage_totals_by_dimension


class Candidate(Protocol):
    """What `invoices.billing` found for a touched window and charge (one per billed bucket)."""

    @property
    def invoice_id(self) -> uuid.UUID: ...
    @property
    def window(self) -> UsageWindow: ...
    @property
    def charge(self) -> Charge: ...
    @property
    def billed(self) -> Decimal: ...
    @property
    def bucket(self) -> Bucket | None: ...


C = TypeVar("C", bound=Candidate)


@dataclass(frozen=True)
class Ahead:
    """Dimension totals of a run's windows, counted before its batches (`count_ahead`).

    `seq` is how far usage was stored before the count (`usage_stored_through`): a batch
    that uses these totals records it (or its own, if lower) as its invoices'
    `usage_seq`, so events stored since are found as late usage by the next invoice,
    as for any count. Totals are keyed as a batch's own count would be (exact window,
    meter, dimensions): a window the run bills differently (a plan changed, a trial
    ended, a cancellation since) or a charge that differs is not found here and is
    counted by its batch."""

    seq: int
    pairs: frozenset[tuple[uuid.UUID, Dimensions]]
    windows: frozenset[UsageWindow]
    totals: DimensionTotals


def count_ahead(*, tenant: TenantRef, windows: Sequence[UsageWindow], charges: Iterable[Sequence[Charge]]) -> Ahead:
    """Count the dimensional charges among `charges` in `windows` in one pass (`scan`)."""
    dimensional = _dimensional(charges)
    seq = usage_stored_through(tenant=tenant)  # before the count, and outside its transaction
    totals = usage_totals_by_dimension(tenant=tenant, windows=windows, charges=dimensional, scan=True)
    return Ahead(seq, frozenset((m.pk, d) for m, d in dimensional), frozenset(windows), totals)


def bucket_totals(
    *,
    tenant: TenantRef,
    windows: Sequence[UsageWindow],
    charges: Iterable[Sequence[Charge]],
    ahead: Ahead | None = None,
) -> DimensionTotals:
    """The buckets' quantities of every dimensional charge among `charges` (by plan) in
    `windows`: those counted `ahead` from there, the others with one query."""
    dimensional = _dimensional(charges)
    if not dimensional:
        return {}
    totals: DimensionTotals = {}
    rest = list(windows)
    if ahead is not None and {(m.pk, d) for m, d in dimensional} <= ahead.pairs:
        rest = [w for w in windows if w not in ahead.windows]
        for window in windows:
            if window in ahead.windows:
                for meter, dims in dimensional:
                    totals[(window, meter.pk, dims)] = ahead.totals[(window, meter.pk, dims)]
    if rest:
        totals.update(usage_totals_by_dimension(tenant=tenant, windows=rest, charges=dimensional))
    return totals


def _dimensional(charges: Iterable[Sequence[Charge]]) -> list[tuple[Meter, Dimensions]]:
    return [(c.meter, dims) for cs in charges for c in cs if (dims := c.dimensions()) is not None]


def charge_buckets(
    totals: DimensionTotals, window: UsageWindow, charges: Sequence[Charge]
) -> dict[uuid.UUID, dict[Bucket, Decimal]]:
    """{charge id: {bucket: quantity}} of the window's dimensional charges."""
    return {c.pk: totals.get((window, c.meter_id, dims), {}) for c in charges if (dims := c.dimensions()) is not None}


def line_bucket(charge: Charge, filter_name: str | None, group_values: Any) -> Bucket | None:
    """The bucket of a stored line of `charge` (None for a plain charge's)."""
    dims = charge.dimensions()
    if dims is None:
        return None
    if isinstance(group_values, str):  # a raw cursor reads jsonb as text (Django's psycopg loaders)
        group_values = json.loads(group_values)
    if group_values is None or not dims.group_by:
        return Bucket(filter_name, None if not dims.group_by else ())
    return Bucket(filter_name, tuple(group_values.get(k) for k in dims.group_by))


def dimension_deltas(*, tenant: TenantRef, candidates: Sequence[C]) -> list[tuple[C, Bucket, Decimal]]:
    """The buckets of dimensional charges' touched windows whose quantity changed since
    billed: (the candidate holding what the bucket was billed, or a sibling with zero
    billed for a bucket new to the window, the bucket, its quantity now)."""
    touched: dict[tuple[uuid.UUID, uuid.UUID], list[C]] = {}
    for c in candidates:
        if c.charge.dimensions() is not None:
            touched.setdefault((c.invoice_id, c.charge.meter_id), []).append(c)
    if not touched:
        return []
    pairs = [(rows[0].charge.meter, _dims(rows[0].charge)) for rows in touched.values()]
    windows = list({rows[0].window for rows in touched.values()})
    totals = usage_totals_by_dimension(tenant=tenant, windows=windows, charges=pairs)
    found = []
    for rows in touched.values():
        first = rows[0]
        dims = _dims(first.charge)
        now = totals[(first.window, first.charge.meter_id, dims)]
        billed = {c.bucket: c for c in rows if c.bucket is not None}
        for bucket in sorted({*now, *billed}, key=dims.order_key):
            if bucket.group == () and dims.group_by:
                continue  # no line was billed for the charge at all (group_by without events)
            quantity = now.get(bucket, Decimal(0))
            held = billed.get(bucket)
            if held is None:
                held = _unbilled(first, bucket)
            if quantity != held.billed:
                found.append((held, bucket, quantity))
    return found


def _dims(charge: Charge) -> Dimensions:
    dims = charge.dimensions()
    assert dims is not None
    return dims


def _unbilled(like: C, bucket: Bucket) -> C:
    """A candidate for a bucket that nothing was billed for yet: `like`'s window and invoice."""
    return replace(like, billed=Decimal(0), billed_amount=Decimal(0), source_amount=Decimal(0), bucket=bucket)  # type: ignore[type-var]
