"""Reads of the catalog. Every function takes `*, tenant` first and queries through it.

For other apps: `plan_charges` / `charges_by_plan` give charges with their meters, and
`charge.to_spec()` turns one into the pure pricing definition that
`plans.pricing.calculate` prices.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Prefetch, QuerySet

from plans.models import Charge, Coupon, DefaultTaxRate, Meter, Plan, TaxRate
from tenants.models import TenantRef


def charges_prefetch() -> Prefetch:
    """Prefetch of a plan's charges, in order, with their meters (one query for any number of plans)."""
    return Prefetch("charges", queryset=Charge.objects.select_related("meter").order_by("position", "created_at"))


def meters_by_code(*, tenant: TenantRef, codes: Iterable[str]) -> dict[str, Meter]:
    """The tenant's meters among `codes`, by code; unknown codes are simply absent."""
    return {meter.code: meter for meter in Meter.objects.for_tenant(tenant).filter(code__in=set(codes))}


def plan_list(*, tenant: TenantRef) -> QuerySet[Plan]:
    """The tenant's plans with their charges and meters prefetched."""
    return Plan.objects.for_tenant(tenant).prefetch_related(charges_prefetch())


def plan_get(*, tenant: TenantRef, plan_id: uuid.UUID) -> Plan | None:
    return plan_list(tenant=tenant).filter(pk=plan_id).first()


def plan_charges(*, tenant: TenantRef, plan: Plan | uuid.UUID) -> list[Charge]:
    """The charges of one plan, in order, with their meters."""
    plan_id = plan.pk if isinstance(plan, Plan) else plan
    return list(
        Charge.objects.for_tenant(tenant)
        .filter(plan_id=plan_id)
        .select_related("meter")
        .order_by("position", "created_at")
    )


def charges_by_plan(*, tenant: TenantRef, plan_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[Charge]]:
    """The charges of many plans in one query (for invoice runs), by plan id, in order.

    Plans without charges map to an empty list; no plans, no query (the late-usage
    detection asks for the plans of what it found, nothing most of the time).
    """
    ids = set(plan_ids)
    if not ids:
        return {}
    result: dict[uuid.UUID, list[Charge]] = defaultdict(list)
    for charge in (
        Charge.objects.for_tenant(tenant)
        .filter(plan_id__in=ids)
        .select_related("meter")
        .order_by("plan_id", "position", "created_at")
    ):
        result[charge.plan_id].append(charge)
    return {plan_id: result.get(plan_id, []) for plan_id in ids}


def tax_rate_list(*, tenant: TenantRef) -> QuerySet[TaxRate]:
    return TaxRate.objects.for_tenant(tenant).order_by("-created_at")


def tenant_default_tax_rates(*, tenant: TenantRef) -> list[TaxRate]:
    """The tenant's default tax rates, in order."""
    links = DefaultTaxRate.objects.for_tenant(tenant).select_related("tax_rate").order_by("position")
    return [link.tax_rate for link in links]


def coupon_list(*, tenant: TenantRef) -> QuerySet[Coupon]:
    return Coupon.objects.for_tenant(tenant).order_by("-created_at")


def coupon_get_by_code(*, tenant: TenantRef, code: str) -> Coupon | None:
    return Coupon.objects.for_tenant(tenant).filter(code=code).first()


def tenant_has_usage_thresholds(*, tenant: TenantRef) -> bool:
    """Whether an active plan of the tenant bills progressively (has usage thresholds)."""
    return Plan.objects.for_tenant(tenant).filter(usage_thresholds__len__gt=0).exists()
