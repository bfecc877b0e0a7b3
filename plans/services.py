"""Writes of the catalog: meters and plans (API.md, "Catalog: meters and plans"), tax
rates and the tenant's default tax rates (API.md Part 2, "Taxes").

Rule violations are `Invalid` errors shaped like a nested serializer's, so the error
envelope names the place: `charges.1.tiers.2.up_to`. Duplicate codes are 409.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction

from audit.services import as_created, audit_record, audited_update
from plans import selectors
from plans.dimensions import FILTERS_TOO_MANY, MAX_FILTERS, group_by_problems, overlap_problems, properties_problems
from plans.models import Charge, DefaultTaxRate, Meter, Plan, TaxRate
from plans.pricing import ChargeSpec, spec_problems
from tenants.errors import Conflict, Invalid, Message, NotFound
from tenants.models import Tenant, TenantRef, tenant_get, tenant_pk
from tenants.validators import validate_currency_code

METER_CODE_TAKEN = "A meter with this code already exists in this tenant."
METER_PROPERTY_REQUIRED = "property is required for unique_count meters: it names the event property to count."
METER_PROPERTY_NOT_ALLOWED = "property applies only to unique_count meters."
PLAN_CODE_TAKEN = "A plan with this code already exists in this tenant."
METER_NOT_FOUND = "No such meter."
PLAN_NOT_FOUND = "No such plan."
PLAN_PRICES_IMMUTABLE = (
    "The prices of a plan cannot change (code, currency, interval, amount, trial_days and charges are fixed): "
    "create a new plan instead."
)
CHARGE_MODEL_INVALID = "model must be one of per_unit, tiered, volume or package."
UNKNOWN_METER = "No meter with code {code!r} in this tenant."
DUPLICATE_CHARGE_METER = "Meter {code!r} already has a charge in this plan: a plan charges each meter once."

THRESHOLDS_WITH_VOLUME = (
    "usage_thresholds cannot be used with volume charges: a volume price of the whole quantity can fall as usage "
    "grows, so what a threshold invoice billed could exceed the period's price."
)
THRESHOLDS_WITH_DIMENSIONS = (
    "usage_thresholds cannot be used with charges that have filters or group_by: threshold invoices price "
    "each meter's quantity so far as one line."
)
THRESHOLD_NOT_POSITIVE = "A usage threshold is an amount greater than 0."
THRESHOLD_DUPLICATE = "Usage threshold {amount} is listed twice."

TAX_RATE_CODE_TAKEN = "A tax rate with this code already exists in this tenant."
TAX_RATE_NOT_FOUND = "No such tax rate."
TAX_RATE_IMMUTABLE = "{field} of a tax rate never changes: create a new tax rate instead."
TAX_RATE_UNKNOWN = "No tax rate with code {code!r} in this tenant."
TAX_RATE_INACTIVE = "Tax rate {code!r} is inactive: it cannot be added to a list."
TAX_RATE_LISTED_TWICE = "Tax rate {code!r} is listed twice."
TAX_RATE_EDITABLE_FIELDS = ("name", "active")
TAX_RATE_FIXED_FIELDS = ("code", "percentage")
# A customer or a tenant taxes an invoice with at most this many rates (state, county,
# city, district and the like).
MAX_TAX_RATES = 10

PLAN_EDITABLE_FIELDS = ("name", "description", "active")
# What the audit entry of a creation shows (docs/audit.md).
METER_FIELDS = ("code", "name", "aggregation", "property")
PLAN_FIELDS = (
    "code", "name", "currency", "interval", "amount", "trial_days", "active", "usage_thresholds", "minimum_amount",
)  # fmt: skip
TAX_RATE_FIELDS = ("code", "name", "percentage")
PLAN_PRICE_FIELDS = (
    "code", "currency", "interval", "amount", "trial_days", "charges", "usage_thresholds", "minimum_amount",
)  # fmt: skip

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class FilterDraft:
    """A filter of a charge to create (`plans.dimensions`): `properties` as given,
    checked by the service."""

    name: str
    properties: Any
    spec: ChargeSpec


@dataclass(frozen=True)
class ChargeDraft:
    """A charge to create: the code of a meter of the tenant, its price and its
    dimensions (`filters`, `group_by`: as given, checked by the service)."""

    meter: str
    spec: ChargeSpec
    filters: tuple[FilterDraft, ...] = ()
    group_by: Any = ()


def violates(exc: IntegrityError, constraint: str) -> bool:
    diag = getattr(exc.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None) == constraint


def _nested(errors: Iterable[tuple[Path, Message]]) -> dict[str, Any]:
    """`[(("charges", 1, "meter"), detail)]` → `{"charges": [{}, {"meter": [detail]}]}`,
    the shape of a nested serializer's errors."""
    root: dict[Any, Any] = {}
    for path, detail in errors:
        node = root
        for key in path[:-1]:
            node = node.setdefault(key, {})
            if isinstance(node, list):
                break  # the field itself is refused (say, tiers on a package charge): its parts' errors add nothing
        else:
            if isinstance(node.get(path[-1]), dict):
                node[path[-1]] = []  # as above, the other way round
            node.setdefault(path[-1], []).append(detail)
    return _as_lists(root)


def _as_lists(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    if node and all(isinstance(key, int) for key in node):
        return [_as_lists(node.get(index, {})) for index in range(max(node) + 1)]
    return {key: _as_lists(value) for key, value in node.items()}


def meter_create(*, tenant: TenantRef, code: str, name: str, aggregation: str, property: str | None = None) -> Meter:
    """Create a meter; `property` is required for (and only for) `unique_count`."""
    property = property or ""
    if aggregation == Meter.Aggregation.UNIQUE_COUNT and not property:
        raise Invalid({"property": [Message(METER_PROPERTY_REQUIRED, code="required")]})
    if aggregation != Meter.Aggregation.UNIQUE_COUNT and property:
        raise Invalid({"property": [Message(METER_PROPERTY_NOT_ALLOWED, code="not_allowed")]})
    try:
        with transaction.atomic():
            meter = Meter.objects.create(
                tenant_id=tenant_pk(tenant), code=code, name=name, aggregation=aggregation, property=property
            )
            audit_record(tenant=tenant, action="meter.created", obj=meter, changes=as_created(meter, *METER_FIELDS))
            return meter
    except IntegrityError as exc:
        if violates(exc, "plans_meter_unique_code"):
            raise Conflict(METER_CODE_TAKEN, code="meter_code_taken") from exc
        raise


def _charge_errors(charges: Sequence[ChargeDraft], meters: Mapping[str, Meter]) -> list[tuple[Path, Message]]:
    errors: list[tuple[Path, Message]] = []
    seen: set[str] = set()
    for index, draft in enumerate(charges):
        at: Path = ("charges", index)
        if draft.spec.model not in Charge.Model.values:
            errors.append(((*at, "model"), Message(CHARGE_MODEL_INVALID, code="invalid_choice")))
        errors += [((*at, *p.path), Message(p.message, code=p.code)) for p in spec_problems(draft.spec)]
        if draft.meter not in meters:
            errors.append(((*at, "meter"), Message(UNKNOWN_METER.format(code=draft.meter), code="unknown_meter")))
        elif draft.meter in seen:
            message = DUPLICATE_CHARGE_METER.format(code=draft.meter)
            errors.append(((*at, "meter"), Message(message, code="duplicate_meter")))
        seen.add(draft.meter)
        errors += [((*at, *path), message) for path, message in _dimension_errors(draft)]
    return errors


def _dimension_errors(draft: ChargeDraft) -> list[tuple[Path, Message]]:
    """The charge's filters and group_by against `plans.dimensions`' rules."""
    problems = [*group_by_problems(list(draft.group_by) if isinstance(draft.group_by, tuple) else draft.group_by)]
    errors: list[tuple[Path, Message]] = []
    if len(draft.filters) > MAX_FILTERS:
        errors.append((("filters",), Message(FILTERS_TOO_MANY, code="max_length")))
    parsed = []
    for index, item in enumerate(draft.filters):
        at: Path = ("filters", index)
        if item.spec.model not in Charge.Model.values:
            errors.append(((*at, "model"), Message(CHARGE_MODEL_INVALID, code="invalid_choice")))
        errors += [((*at, *p.path), Message(p.message, code=p.code)) for p in spec_problems(item.spec)]
        properties, found = properties_problems(item.properties)
        errors += [((*at, *p.path), Message(p.message, code=p.code)) for p in found]
        parsed.append((item.name, properties))
    problems += overlap_problems(parsed)
    return errors + [(p.path, Message(p.message, code=p.code)) for p in problems]


def _flat_fee_errors(amount: Decimal) -> list[tuple[Path, Message]]:
    return [(("amount",), Message(p.message, code=p.code)) for p in spec_problems(ChargeSpec.flat(amount))]


def _threshold_errors(thresholds: Sequence[Decimal], charges: Sequence[ChargeDraft]) -> list[tuple[Path, Message]]:
    """Progressive billing's rules (API.md Part 2): amounts > 0, each once, and no
    `volume` charge in the plan. Nor a charge with dimensions (filters, group_by): a
    threshold invoice prices each meter's quantity so far as one line (invoices.progressive),
    so the combination is refused rather than billed at the charge's own price."""
    if not thresholds:
        return []
    errors: list[tuple[Path, Message]] = []
    if any(draft.spec.model == Charge.Model.VOLUME for draft in charges):
        errors.append((("usage_thresholds",), Message(THRESHOLDS_WITH_VOLUME, code="volume_charge")))
    if any(draft.filters or draft.group_by for draft in charges):
        errors.append((("usage_thresholds",), Message(THRESHOLDS_WITH_DIMENSIONS, code="dimensional_charge")))
    for index, amount in enumerate(thresholds):
        at: Path = ("usage_thresholds", index, "amount")
        if amount <= 0:
            errors.append((at, Message(THRESHOLD_NOT_POSITIVE, code="not_positive")))
        elif amount in thresholds[:index]:
            errors.append((at, Message(THRESHOLD_DUPLICATE.format(amount=amount), code="duplicate_threshold")))
    return errors


def _check_currency(currency: str) -> None:
    try:
        validate_currency_code(currency)
    except DjangoValidationError as exc:
        raise Invalid({"currency": [Message(m, code="invalid_currency") for m in exc.messages]}) from exc


def plan_create(
    *,
    tenant: TenantRef,
    code: str,
    name: str,
    interval: str,
    amount: Decimal = Decimal(0),
    currency: str | None = None,
    description: str = "",
    trial_days: int = 0,
    active: bool = True,
    charges: Sequence[ChargeDraft] = (),
    usage_thresholds: Sequence[Decimal] = (),
    minimum_amount: Decimal = Decimal(0),
) -> Plan:
    """Create a plan and its charges in one transaction, or nothing.

    `currency` defaults to the tenant's. Each charge names a meter of the tenant by
    code, at most one charge per meter; every broken rule is reported at once, at its
    place (`charges.1.tiers.2.up_to`). `usage_thresholds` (progressive billing) are
    stored in ascending order; `minimum_amount` is the commitment per period.
    """
    currency = currency or tenant_get(tenant).default_currency
    _check_currency(currency)
    meters = selectors.meters_by_code(tenant=tenant, codes=[draft.meter for draft in charges])
    errors = [
        *_flat_fee_errors(amount),
        *_charge_errors(charges, meters),
        *_threshold_errors(usage_thresholds, charges),
    ]
    if errors:
        raise Invalid(_nested(errors))
    try:
        with transaction.atomic():
            plan = Plan.objects.create(
                tenant_id=tenant_pk(tenant),
                code=code,
                name=name,
                description=description,
                currency=currency,
                interval=interval,
                amount=amount,
                trial_days=trial_days,
                active=active,
                usage_thresholds=sorted(usage_thresholds),
                minimum_amount=minimum_amount,
            )
            Charge.objects.bulk_create(
                Charge(
                    tenant_id=plan.tenant_id,
                    plan=plan,
                    meter=meters[draft.meter],
                    position=position,
                    **Charge.fields_from_spec(draft.spec),
                    filters=[Charge.filter_row(f.name, f.properties, f.spec) for f in draft.filters],
                    group_by=list(draft.group_by),
                )
                for position, draft in enumerate(charges)
            )
            audit_record(tenant=tenant, action="plan.created", obj=plan, changes=as_created(plan, *PLAN_FIELDS))
    except IntegrityError as exc:
        if violates(exc, "plans_plan_unique_code"):
            raise Conflict(PLAN_CODE_TAKEN, code="plan_code_taken") from exc
        raise
    return selectors.plan_list(tenant=tenant).get(pk=plan.pk)


def plan_update(*, tenant: TenantRef, plan: Plan, data: Mapping[str, Any]) -> Plan:
    """Change `name`, `description` and `active` (the keys present in `data`).

    Prices never change once a plan exists: any price field in `data` (even with its
    current value) is a 409 that says to create a new plan.
    """
    if plan.tenant_id != tenant_pk(tenant):
        raise NotFound(PLAN_NOT_FOUND)
    if any(field in data for field in PLAN_PRICE_FIELDS):
        raise Conflict(PLAN_PRICES_IMMUTABLE, code="plan_prices_immutable")
    return audited_update(tenant=tenant, instance=plan, fields=PLAN_EDITABLE_FIELDS, data=data)


# Tax rates


def tax_rate_create(*, tenant: TenantRef, code: str, name: str, percentage: Decimal) -> TaxRate:
    """Create a tax rate; 409 when the tenant has one with this code (the unique
    constraint decides, so concurrent creates cannot both win)."""
    try:
        with transaction.atomic():
            rate = TaxRate.objects.create(tenant_id=tenant_pk(tenant), code=code, name=name, percentage=percentage)
            audit_record(tenant=tenant, action="tax_rate.created", obj=rate, changes=as_created(rate, *TAX_RATE_FIELDS))
            return rate
    except IntegrityError as exc:
        if violates(exc, "plans_taxrate_unique_code"):
            raise Conflict(TAX_RATE_CODE_TAKEN, code="tax_rate_code_taken") from exc
        raise


def tax_rate_update(*, tenant: TenantRef, tax_rate: TaxRate, data: Mapping[str, Any]) -> TaxRate:
    """Change `name` and/or `active`. `code` and `percentage` never change (400 on the
    field, even with the current value): a new percentage is a new rate."""
    if tax_rate.tenant_id != tenant_pk(tenant):
        raise NotFound(TAX_RATE_NOT_FOUND)
    fixed = {
        f: [Message(TAX_RATE_IMMUTABLE.format(field=f), code="immutable")] for f in TAX_RATE_FIXED_FIELDS if f in data
    }
    if fixed:
        raise Invalid(fixed)
    return audited_update(tenant=tenant, instance=tax_rate, fields=TAX_RATE_EDITABLE_FIELDS, data=data)


def tax_rates_from_codes(*, tenant: TenantRef, codes: Sequence[str], field: str) -> list[TaxRate]:
    """The tenant's active rates named by `codes`, in their order, for a list (a
    customer's `tax_rates`, the tenant's `default_tax_rates`). Every unknown, inactive
    or repeated code is a 400 at its place: `field.2`."""
    found = {rate.code: rate for rate in TaxRate.objects.for_tenant(tenant).filter(code__in=set(codes))}
    errors: dict[str, list[Message]] = {}
    for index, code in enumerate(codes):
        rate = found.get(code)
        if rate is None:
            errors[str(index)] = [Message(TAX_RATE_UNKNOWN.format(code=code), code="unknown_tax_rate")]
        elif not rate.active:
            errors[str(index)] = [Message(TAX_RATE_INACTIVE.format(code=code), code="tax_rate_inactive")]
        elif code in codes[:index]:
            errors[str(index)] = [Message(TAX_RATE_LISTED_TWICE.format(code=code), code="duplicate_tax_rate")]
    if errors:
        raise Invalid({field: errors})
    return [found[code] for code in codes]


@transaction.atomic
def tenant_default_tax_rates_set(*, tenant: TenantRef, codes: Sequence[str]) -> list[TaxRate]:
    """Replace the tenant's default tax rates with the active rates named by `codes`,
    in this order (an empty list: none). Invoices already issued keep their taxes."""
    rates = tax_rates_from_codes(tenant=tenant, codes=codes, field="default_tax_rates")
    # Concurrent replacements take turns (else both delete, then both insert position 0).
    found = Tenant.objects.select_for_update().get(pk=tenant_pk(tenant))
    before = [rate.code for rate in selectors.tenant_default_tax_rates(tenant=tenant)]
    DefaultTaxRate.objects.for_tenant(tenant).delete()
    DefaultTaxRate.objects.bulk_create(
        DefaultTaxRate(tenant_id=tenant_pk(tenant), tax_rate=rate, position=position)
        for position, rate in enumerate(rates)
    )
    if before != list(codes):
        audit_record(
            tenant=found, action="tenant.updated", obj=found, changes={"default_tax_rates": [before, list(codes)]}
        )
    return rates
