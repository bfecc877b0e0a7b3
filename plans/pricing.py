"""The pricing engine: pure functions of (charge definition, Decimal quantity).

No ORM, settings, clock or I/O here, and no rounding: amounts come back exact
(`plans.money.quantize_money` rounds a line once, to the currency's minor unit).
Rows become specs with `Charge.to_spec()` / `Plan.flat_spec()`.

Semantics (API.md, "Catalog: meters and plans"):
- A tier's `up_to` is its inclusive upper bound; the last tier is open (`None`).
- Graduated (`tiered`): each unit is priced by the tier it falls in, decimals split
  at the bound, and every tier the quantity reaches adds its `flat_amount` once. The
  first tier is always reached, so 0 costs the first tier's flat amount.
- `volume`: every unit at the tier that the whole quantity falls in, plus that tier's
  flat amount; 100.5 with a tier up to 100 falls in the next tier.
- `package`: ceil(quantity / package_size) * package_amount; 0 costs nothing.
- A negative quantity (a sum of negative usage values) prices as 0.

>>> tiers = (TierSpec(5, Decimal("7.00")), TierSpec(10, Decimal("6.50")), TierSpec(None, Decimal("6.00")))
>>> calculate(ChargeSpec.tiered(tiers), Decimal(6)).amount
Decimal('41.50')
>>> calculate(ChargeSpec.volume(tiers), Decimal(6)).amount
Decimal('39.00')
"""

from __future__ import annotations

import decimal
import functools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from billing_project.memo import by_identity
from tenants.decimals import decimal_problem

# Bounds of what a plan may say: prices below 10^9 with at most 12 decimal places (so
# that a price times a quantity of usage fits an invoice line), whole-number bounds of
# at most 15 digits, like a usage event's value.
PRICE_MAX_INTEGER_DIGITS = 9
PRICE_DECIMAL_PLACES = 12
MAX_PACKAGE_SIZE = 1_000_000_000
MAX_TIER_UP_TO = 999_999_999_999_999

FIELD_REQUIRED = "{field} is required for {model} charges."
FIELD_NOT_ALLOWED = "{field} does not apply to {model} charges."
AMOUNT_NEGATIVE = "Amounts must be zero or more."
AMOUNT_TOO_PRECISE = f"Amounts have at most {PRICE_DECIMAL_PLACES} decimal places."
AMOUNT_TOO_LARGE = f"Amounts have at most {PRICE_MAX_INTEGER_DIGITS} digits before the decimal point."
PACKAGE_SIZE_NOT_POSITIVE = f"package_size must be a whole number from 1 to {MAX_PACKAGE_SIZE}."
TIER_BOUND_INVALID = f"up_to must be a whole number from 1 to {MAX_TIER_UP_TO}, or null for the last tier."
TIERS_NOT_INCREASING = "Each tier's up_to must be greater than the previous tier's."
ONLY_LAST_TIER_OPEN = "Only the last tier may have up_to: null."
LAST_TIER_MUST_BE_OPEN = "The last tier must have up_to: null, so that every quantity has a price."

_AMOUNT_PROBLEMS = {"max_decimal_places": AMOUNT_TOO_PRECISE, "max_whole_digits": AMOUNT_TOO_LARGE}
# Wide enough that no product of a 24-digit price and a realistic quantity is rounded;
# Inexact is trapped, so an amount is either exact or an error, never silently rounded.
_PRECISION = 100
ZERO = Decimal(0)


class PricingModel(StrEnum):
    FLAT = "flat"
    PER_UNIT = "per_unit"
    TIERED = "tiered"
    VOLUME = "volume"
    PACKAGE = "package"


@dataclass(frozen=True)
class TierSpec:
    """One tier: units up to `up_to` (inclusive; `None` for the open last tier)."""

    up_to: int | None
    unit_amount: Decimal = ZERO
    flat_amount: Decimal = ZERO


@dataclass(frozen=True)
class ChargeSpec:
    """What a charge costs, independent of storage. Build one with the class methods:

    >>> ChargeSpec.package(100, Decimal("1.50")).package_size
    100

    `flat` is the plan's fee: `unit_amount` per period, the quantity being the number
    of periods (1, or the elapsed fraction of a period when prorating).
    """

    model: PricingModel
    unit_amount: Decimal | None = None
    package_size: int | None = None
    package_amount: Decimal | None = None
    tiers: tuple[TierSpec, ...] = ()

    @classmethod
    def flat(cls, amount: Decimal) -> ChargeSpec:
        return cls(PricingModel.FLAT, unit_amount=amount)

    @classmethod
    def per_unit(cls, unit_amount: Decimal) -> ChargeSpec:
        return cls(PricingModel.PER_UNIT, unit_amount=unit_amount)

    @classmethod
    def package(cls, package_size: int, package_amount: Decimal) -> ChargeSpec:
        return cls(PricingModel.PACKAGE, package_size=package_size, package_amount=package_amount)

    @classmethod
    def tiered(cls, tiers: Iterable[TierSpec]) -> ChargeSpec:
        return cls(PricingModel.TIERED, tiers=tuple(tiers))

    @classmethod
    def volume(cls, tiers: Iterable[TierSpec]) -> ChargeSpec:
        return cls(PricingModel.VOLUME, tiers=tuple(tiers))


class TierLine(NamedTuple):
    """The part of a price that one tier contributes.

    The tier holds quantities above `from_value` (exclusive; the first tier starts at 0
    inclusive) up to `up_to` (inclusive, `None` when open).

    A named tuple rather than a frozen dataclass (immutable either way): an invoice run
    makes one per tier of every graduated line, and a frozen dataclass's `__init__`
    (an `object.__setattr__` per field) cost more than the tier's arithmetic.
    """

    from_value: int
    up_to: int | None
    quantity: Decimal
    unit_amount: Decimal
    flat_amount: Decimal
    amount: Decimal


@dataclass(frozen=True)
class PriceResult:
    """The exact, unrounded `amount` of `quantity`, with the tiers it used (tiered and
    volume only; empty for the other models)."""

    model: PricingModel
    quantity: Decimal
    amount: Decimal
    tiers: tuple[TierLine, ...] = ()


@dataclass(frozen=True)
class SpecProblem:
    """A rule a spec breaks, at `path` inside the charge (`("tiers", 2, "up_to")`)."""

    path: tuple[str | int, ...]
    message: str
    code: str


# -- validation ---------------------------------------------------------------------

_PRICE_FIELDS = ("unit_amount", "package_size", "package_amount", "tiers")
_REQUIRED: dict[PricingModel, tuple[str, ...]] = {
    PricingModel.FLAT: ("unit_amount",),
    PricingModel.PER_UNIT: ("unit_amount",),
    PricingModel.PACKAGE: ("package_size", "package_amount"),
    PricingModel.TIERED: ("tiers",),
    PricingModel.VOLUME: ("tiers",),
}


def spec_problems(spec: ChargeSpec) -> list[SpecProblem]:
    """Every rule that `spec` breaks; an empty list means the engine can price it.

    >>> spec_problems(ChargeSpec.tiered([TierSpec(10), TierSpec(5), TierSpec(None)]))[0].path
    ('tiers', 1, 'up_to')
    """
    return [*_field_problems(spec), *_amount_problems(spec), *_tier_problems(spec.tiers)]


def _field_problems(spec: ChargeSpec) -> Iterator[SpecProblem]:
    required = _REQUIRED[spec.model]
    for field in _PRICE_FIELDS:
        value = getattr(spec, field)
        present = bool(value) if field == "tiers" else value is not None
        if field in required and not present:
            yield SpecProblem((field,), FIELD_REQUIRED.format(field=field, model=spec.model), "required")
        elif field not in required and present:
            yield SpecProblem((field,), FIELD_NOT_ALLOWED.format(field=field, model=spec.model), "not_allowed")


def _amount_problems(spec: ChargeSpec) -> Iterator[SpecProblem]:
    amounts: list[tuple[tuple[str | int, ...], Decimal | None]] = [
        (("unit_amount",), spec.unit_amount),
        (("package_amount",), spec.package_amount),
    ]
    for index, tier in enumerate(spec.tiers):
        amounts += [
            (("tiers", index, "unit_amount"), tier.unit_amount),
            (("tiers", index, "flat_amount"), tier.flat_amount),
        ]
    for path, amount in amounts:
        if amount is not None and not (amount.is_finite() and amount >= 0):
            yield SpecProblem(path, AMOUNT_NEGATIVE, "min_value")
        elif amount is not None:
            problem = decimal_problem(
                amount, integer_digits=PRICE_MAX_INTEGER_DIGITS, decimal_places=PRICE_DECIMAL_PLACES
            )
            if problem:
                yield SpecProblem(path, _AMOUNT_PROBLEMS[problem], problem)
    if spec.package_size is not None and not 1 <= spec.package_size <= MAX_PACKAGE_SIZE:
        yield SpecProblem(("package_size",), PACKAGE_SIZE_NOT_POSITIVE, _range_code(spec.package_size))


def _range_code(bound: int) -> str:
    return "min_value" if bound < 1 else "max_value"


def _tier_problems(tiers: tuple[TierSpec, ...]) -> Iterator[SpecProblem]:
    last = len(tiers) - 1
    previous: int | None = None
    for index, tier in enumerate(tiers):
        path = ("tiers", index, "up_to")
        if tier.up_to is None:
            if index != last:
                yield SpecProblem(path, ONLY_LAST_TIER_OPEN, "open_tier_not_last")
            continue
        if index == last:
            yield SpecProblem(path, LAST_TIER_MUST_BE_OPEN, "last_tier_not_open")
        if not 1 <= tier.up_to <= MAX_TIER_UP_TO:
            yield SpecProblem(path, TIER_BOUND_INVALID, _range_code(tier.up_to))
        elif previous is not None and tier.up_to <= previous:
            yield SpecProblem(path, TIERS_NOT_INCREASING, "not_increasing")
        previous = tier.up_to if previous is None else max(previous, tier.up_to)


# -- calculation --------------------------------------------------------------------


def _exact() -> decimal.Context:
    context = decimal.Context(prec=_PRECISION, rounding=decimal.ROUND_HALF_EVEN)
    context.traps[decimal.Inexact] = True
    return context


# The context the calculators compute in (`decimal.localcontext` enters a copy of it):
# built once, as building one costs more than the arithmetic of a line.
_EXACT = _exact()


def _quantity(quantity: Decimal | int) -> Decimal:
    if isinstance(quantity, bool) or not isinstance(quantity, Decimal | int):
        raise TypeError(f"quantity must be a Decimal, not {type(quantity).__name__}")
    value = Decimal(quantity)
    if not value.is_finite():
        raise ValueError(f"quantity must be finite, not {value}")
    return max(value, ZERO)


def _required(value: Decimal | int | None, name: str) -> Decimal:
    if value is None:
        raise ValueError(f"this spec has no {name}")
    return Decimal(value)


@functools.lru_cache(maxsize=1024)  # pure; a run prices the same few tier lists thousands of times
def _tiers_valid(tiers: tuple[TierSpec, ...]) -> bool:
    return bool(tiers) and not any(_tier_problems(tiers))


TIERS_INVALID = "tiers must have increasing bounds and end with an open tier (up_to None)"


def _required_tiers(spec: ChargeSpec) -> tuple[TierSpec, ...]:
    if not _tiers_valid(spec.tiers):
        raise ValueError(TIERS_INVALID)
    return spec.tiers


@functools.lru_cache(maxsize=1024)  # pure, like `_tiers_valid`
def _tier_table(tiers: tuple[TierSpec, ...]) -> tuple[tuple[int | None, Decimal | None, Decimal, Decimal], ...]:
    """The valid `tiers` as (up_to, up_to as a Decimal, unit amount, flat amount)."""
    if not _tiers_valid(tiers):
        raise ValueError(TIERS_INVALID)
    return tuple((t.up_to, None if t.up_to is None else Decimal(t.up_to), t.unit_amount, t.flat_amount) for t in tiers)


# `_tier_table` by the identity of the tiers tuple (`by_identity`): the lru_cache
# hashes its argument, a tuple of dataclasses whose `__hash__` runs in Python, on every
# graduated line of a run.
_table_of = by_identity(_tier_table, limit=1024)


def calculate_flat(spec: ChargeSpec, quantity: Decimal = Decimal(1)) -> PriceResult:
    """The flat fee * `quantity` periods (1, or a fraction when prorating)."""
    qty = _quantity(quantity)
    with decimal.localcontext(_EXACT):
        amount = qty * _required(spec.unit_amount, "unit_amount")
    return PriceResult(PricingModel.FLAT, qty, amount)


def calculate_per_unit(spec: ChargeSpec, quantity: Decimal) -> PriceResult:
    """quantity * unit_amount."""
    qty = _quantity(quantity)
    with decimal.localcontext(_EXACT):
        amount = qty * _required(spec.unit_amount, "unit_amount")
    return PriceResult(PricingModel.PER_UNIT, qty, amount)


def calculate_package(spec: ChargeSpec, quantity: Decimal) -> PriceResult:
    """ceil(quantity / package_size) * package_amount: 1 to 100 units of a 100-unit
    package cost one package, 100.5 cost two, 0 cost nothing."""
    qty = _quantity(quantity)
    size = _required(spec.package_size, "package_size")
    with decimal.localcontext(_EXACT):
        packages, remainder = divmod(qty, size)
        if remainder:
            packages += 1
        amount = packages * _required(spec.package_amount, "package_amount")
    return PriceResult(PricingModel.PACKAGE, qty, amount)


def calculate_tiered(spec: ChargeSpec, quantity: Decimal) -> PriceResult:
    """Graduated: each unit at the tier it falls in, plus each reached tier's flat fee.

    With tiers up to 100 and then open, 100.5 puts 100 in the first tier and 0.5 in the
    second; exactly 100 never reaches the second tier (bounds are inclusive).

    The arithmetic is the `_EXACT` context's own methods (`_EXACT.add` …), not the
    operators inside `decimal.localcontext(_EXACT)`: the same operations in the same
    context (Inexact trapped), without copying the context for every line of a run.
    """
    qty = _quantity(quantity)
    lines: list[TierLine] = []
    add, multiply, total = _EXACT.add, _EXACT.multiply, ZERO
    start = 0
    for index, (up_to, bound, unit_amount, flat_amount) in enumerate(_table_of(spec.tiers)):
        if index > 0 and qty <= start:
            break
        top = qty if bound is None else min(qty, bound)
        in_tier = _EXACT.subtract(top, start)
        amount = add(multiply(in_tier, unit_amount), flat_amount)
        lines.append(TierLine(start, up_to, in_tier, unit_amount, flat_amount, amount))
        total = add(total, amount)
        start = up_to if up_to is not None else start
    return PriceResult(PricingModel.TIERED, qty, total, tuple(lines))


def calculate_volume(spec: ChargeSpec, quantity: Decimal) -> PriceResult:
    """Every unit at the tier that the whole quantity falls in, plus that tier's flat fee.

    0 falls in the first tier; the total may fall as the quantity rises into a cheaper tier.
    """
    qty = _quantity(quantity)
    tiers = _required_tiers(spec)
    start = 0
    for tier in tiers:
        if tier.up_to is None or qty <= tier.up_to:
            break
        start = tier.up_to
    with decimal.localcontext(_EXACT):
        amount = qty * tier.unit_amount + tier.flat_amount
    line = TierLine(start, tier.up_to, qty, tier.unit_amount, tier.flat_amount, amount)
    return PriceResult(PricingModel.VOLUME, qty, amount, (line,))


_CALCULATORS: dict[PricingModel, Callable[[ChargeSpec, Decimal], PriceResult]] = {
    PricingModel.FLAT: calculate_flat,
    PricingModel.PER_UNIT: calculate_per_unit,
    PricingModel.TIERED: calculate_tiered,
    PricingModel.VOLUME: calculate_volume,
    PricingModel.PACKAGE: calculate_package,
}


def calculate(spec: ChargeSpec, quantity: Decimal) -> PriceResult:
    """Price `quantity` by the spec's own model.

    >>> calculate(ChargeSpec.per_unit(Decimal("0.10")), Decimal(3)).amount
    Decimal('0.30')
    """
    return _CALCULATORS[spec.model](spec, quantity)
