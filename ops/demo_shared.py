"""What the demo tenants of `seed_demo` share: their catalog (a meter of every
aggregation and plans of every charge model, created through the catalog's services)
and how a seeded one is found again (its admin's email is the marker)."""

from __future__ import annotations

from decimal import Decimal

from django.core.management.base import CommandError

from plans.models import Meter
from plans.pricing import ChargeSpec, TierSpec
from plans.services import ChargeDraft, meter_create, plan_create
from tenants.models import Tenant, User

DEMO_CURRENCY = "USD"
EMAIL_TAKEN = "{email} belongs to a user outside a {name!r} tenant: remove that user or use another database."

Agg = Meter.Aggregation
METERS: tuple[tuple[str, str, str, str | None], ...] = (
    ("api_calls", "API calls", Agg.SUM, None),  # the customers report daily totals
    ("sms", "SMS sent", Agg.COUNT, None),  # one event per message
    ("storage_gb", "Storage (GB, peak)", Agg.MAX, None),  # daily readings; the peak is billed
    ("active_users", "Active users", Agg.UNIQUE_COUNT, "user_id"),
    ("transfer_gb", "Data transfer (GB)", Agg.SUM, None),
)


def _tiers(*tiers: tuple[int | None, str] | tuple[int | None, str, str]) -> list[TierSpec]:
    return [TierSpec(t[0], Decimal(t[1]), Decimal(t[2] if len(t) > 2 else "0")) for t in tiers]


# code, name, interval, flat fee, trial days, charges
PLANS: tuple[tuple[str, str, str, str, int, tuple[ChargeDraft, ...]], ...] = (
    (
        "starter", "Starter", "month", "19.00", 0, (
            ChargeDraft("api_calls", ChargeSpec.tiered(_tiers((10_000, "0"), (100_000, "0.001"), (None, "0.0005")))),
            ChargeDraft("sms", ChargeSpec.package(25, Decimal("1.50"))),
        ),
    ),
    (
        "pro", "Pro", "month", "49.00", 14, (
            ChargeDraft("api_calls", ChargeSpec.tiered(_tiers((50_000, "0"), (None, "0.0008")))),
            ChargeDraft("active_users", ChargeSpec.volume(_tiers((10, "8.00"), (50, "6.00"), (None, "4.00", "20.00")))),
            ChargeDraft("storage_gb", ChargeSpec.per_unit(Decimal("0.25"))),
            ChargeDraft("sms", ChargeSpec.package(100, Decimal("4.00"))),
        ),
    ),
    (
        "enterprise", "Enterprise (yearly)", "year", "4800.00", 0, (
            ChargeDraft("transfer_gb", ChargeSpec.per_unit(Decimal("0.05"))),
            ChargeDraft("active_users", ChargeSpec.volume(_tiers((100, "5.00"), (None, "3.00")))),
        ),
    ),
)  # fmt: skip


def demo_catalog(tenant: Tenant) -> None:
    for code, name, aggregation, prop in METERS:
        meter_create(tenant=tenant, code=code, name=name, aggregation=aggregation, property=prop)
    for code, name, interval, amount, trial_days, charges in PLANS:
        plan_create(
            tenant=tenant, code=code, name=name, interval=interval, amount=Decimal(amount),
            currency=DEMO_CURRENCY, trial_days=trial_days, charges=charges,
        )  # fmt: skip


def existing_demo_tenant(admin_email: str, name: str) -> Tenant | None:
    """The demo tenant called `name` if it was seeded already: its admin is `admin_email`."""
    user = User.objects.select_related("tenant").filter(email=admin_email).first()
    if user is None:
        return None
    if user.tenant is None or user.tenant.name != name:
        raise CommandError(EMAIL_TAKEN.format(email=admin_email, name=name))
    return user.tenant
