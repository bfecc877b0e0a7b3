"""Provenance of a dimensional charge's lines: only the events of the line's bucket
(its filter and group, `plans.dimensions`), judged by their properties as of each
watermark, so an event amended from one group to another shows on both groups'
correction lines (in one as billed, in the other as counted now)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.db.models.fields.json import KeyTextTransform

from invoices.models import Invoice, InvoiceLine
from plans.dimensions import Bucket, Dimensions
from plans.models import Charge
from subscriptions.models import Subscription, SubscriptionSegment
from tenants.models import TenantRef
from usage.models import UsageEvent


def line_dimensions(*, tenant: TenantRef, invoice: Invoice, line: InvoiceLine, start: datetime) -> Dimensions | None:
    """The dimensions of the charge that priced `line` (the plan of the segment live
    at `start`, the line's window's start); None for a plain charge."""
    if invoice.subscription_id is None:
        return None
    segment = (
        SubscriptionSegment.objects.filter(subscription_id=invoice.subscription_id, start_at__lte=start)
        .filter(Q(end_at__isnull=True) | Q(end_at__gt=start))
        .values_list("plan_id", flat=True)
        .first()
    )
    plan_id = (
        segment or Subscription.objects.filter(pk=invoice.subscription_id).values_list("plan_id", flat=True).first()
    )
    charge = Charge.objects.for_tenant(tenant).filter(plan_id=plan_id, meter_id=line.meter_id).first()
    return None if charge is None else charge.dimensions()


def line_bucket(dims: Dimensions, line: InvoiceLine) -> Bucket:
    group = line.group_values
    values = None if not dims.group_by else tuple((group or {}).get(k) for k in dims.group_by)
    return Bucket(line.filter_name, values)


def in_bucket(
    events: QuerySet[UsageEvent], dims: Dimensions, bucket: Bucket, prefix: str
) -> tuple[QuerySet[UsageEvent], Q]:
    """`events` with the aliases the condition needs, and the condition: the event's
    properties as of `prefix`'s watermark put it in `bucket` (the first filter it
    matches is the bucket's, or none for the default; its group's values are the
    bucket's, a missing property matching null)."""
    keys = sorted({k for f in dims.filters for k, _ in f.properties} | set(dims.group_by))
    alias = {k: f"{prefix}dim{i}" for i, k in enumerate(keys)}
    events = events.alias(**{alias[k]: KeyTextTransform(k, f"{prefix}properties") for k in keys})

    def matches(properties: Any) -> Q:
        q = Q()
        for key, values in properties:
            q &= Q(**{f"{alias[key]}__in": list(values), f"{alias[key]}__isnull": False})
        return q

    condition = Q()
    for f in dims.filters:
        if f.name == bucket.filter:
            condition &= matches(f.properties)
            break
        condition &= ~matches(f.properties)
    for key, value in zip(dims.group_by, bucket.group or (), strict=False):
        condition &= Q(**{f"{alias[key]}__isnull": True}) if value is None else Q(**{alias[key]: value})
    return events, condition
