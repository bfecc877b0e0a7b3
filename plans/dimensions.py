"""Charge dimensions (API.md Part 2, "Charge dimensions"): a charge's `filters` (each
prices the events whose properties it matches) and `group_by` (one line per distinct
value tuple). Pure, like `plans.pricing`: no ORM, no I/O.

- An event matches a filter when, for each property the filter lists, the event's
  property (as text: `properties ->> key`, so 1 matches "1") is one of the listed
  values. The FIRST matching filter prices it; events matching none are priced by
  the charge's own pricing (the "default" bucket, `filter` null on the line).
- `group_by`: the events of each filter (and of the default) are split by the tuple
  of their values of the listed properties; a missing property is its own value
  (null). Each (filter, group) is priced on its own quantity: tiers restart.
- `filters: []` and `group_by: []` mean none (as omitting them). A filter whose
  properties are those of an earlier one, or can only match events that an earlier
  one already takes (a narrower value list of the same keys), is refused: it could
  never price anything.

>>> dims = Dimensions(filters=(FilterSpec("eu", (("region", ("eu",)),), ChargeSpec.per_unit(Decimal(1))),), group_by=())
>>> dims.match({"region": "eu"}), dims.match({"region": "us"})
('eu', None)
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from plans.pricing import ChargeSpec

# Sane caps: a charge with more filters than this is a catalog, not a price list.
MAX_FILTERS = 50
MAX_FILTER_PROPERTIES = 5
MAX_FILTER_VALUES = 100
MAX_GROUP_BY = 3
MAX_NAME_LENGTH = 100
MAX_VALUE_LENGTH = 200

FILTERS_TOO_MANY = f"A charge has at most {MAX_FILTERS} filters."
FILTER_NAME_INVALID = f"name is a non-empty string of at most {MAX_NAME_LENGTH} characters."
FILTER_NAME_TAKEN = "Another filter of this charge has this name: names are unique in a charge."
FILTER_PROPERTIES_INVALID = f'properties is an object of 1 to {MAX_FILTER_PROPERTIES} property names, each with a list of values: {{"region": ["eu"]}}.'
FILTER_PROPERTY_NAME_INVALID = f"Property names are non-empty strings of at most {MAX_NAME_LENGTH} characters."
FILTER_VALUES_INVALID = (
    f"Each property lists 1 to {MAX_FILTER_VALUES} distinct values, strings of 1 to {MAX_VALUE_LENGTH} characters."
)
FILTER_AMBIGUOUS = "Filter {other!r} has the same properties: an event would match both (ambiguous)."
FILTER_UNREACHABLE = "Every event this filter matches is already matched by the earlier filter {other!r}."
GROUP_BY_INVALID = (
    f"group_by is a list of at most {MAX_GROUP_BY} distinct property names, "
    f"non-empty strings of at most {MAX_NAME_LENGTH} characters."
)

Properties = tuple[tuple[str, tuple[str, ...]], ...]  # sorted by property name


@dataclass(frozen=True)
class FilterSpec:
    name: str
    properties: Properties
    spec: ChargeSpec

    def matches(self, event_properties: Mapping[str, Any]) -> bool:
        return all(_as_text(event_properties.get(key)) in values for key, values in self.properties)


class Bucket(NamedTuple):
    """Which line of a dimensional charge a quantity belongs to: a filter's name (None:
    the charge's own pricing) and the group's values in `group_by` order (None without
    `group_by`).

    A named tuple (immutable, hashed in C): a run with dimensions looks every line's
    bucket up in several dicts, where a frozen dataclass's Python `__hash__` showed.
    """

    filter: str | None = None
    group: tuple[str | None, ...] | None = None

    def group_dict(self, group_by: tuple[str, ...]) -> dict[str, str | None] | None:
        return None if self.group is None else dict(zip(group_by, self.group, strict=True))

    def sort_key(self, order: Mapping[str | None, int]) -> tuple[int, tuple[tuple[bool, str], ...]]:
        group = tuple((value is None, value or "") for value in self.group or ())
        return order.get(self.filter, len(order)), group


@dataclass(frozen=True)
class Dimensions:
    filters: tuple[FilterSpec, ...] = ()
    group_by: tuple[str, ...] = ()

    def match(self, event_properties: Mapping[str, Any]) -> str | None:
        """The name of the first filter the event matches; None: the charge's own pricing."""
        return next((f.name for f in self.filters if f.matches(event_properties)), None)

    def bucket_of(self, event_properties: Mapping[str, Any]) -> Bucket:
        group = tuple(_as_text(event_properties.get(k)) for k in self.group_by) if self.group_by else None
        return Bucket(self.match(event_properties), group)

    def spec_of(self, bucket: Bucket, default: ChargeSpec) -> ChargeSpec:
        return next((f.spec for f in self.filters if f.name == bucket.filter), default)

    def lines(self, found: Mapping[Bucket, Decimal]) -> list[tuple[Bucket, Decimal]]:
        """The buckets a period bills, in order (filters as listed, then the default;
        groups by value, null last), with their quantities. Without `group_by` every
        filter and the default get a line (0 when no event), as a charge always does;
        with it, only the groups that had events."""
        quantities = dict(found)
        if not self.group_by:
            for name in [*(f.name for f in self.filters), None]:
                quantities.setdefault(Bucket(name), Decimal(0))
        return sorted(quantities.items(), key=lambda item: self.order_key(item[0]))

    def order_key(self, bucket: Bucket) -> tuple[int, tuple[tuple[bool, str], ...]]:
        """Where `bucket`'s line goes among the charge's (`lines`); kept per bucket on
        the instance, as a run sorts the same few buckets on every invoice."""
        keys: dict[Bucket, tuple[int, tuple[tuple[bool, str], ...]]] = self.__dict__.setdefault("_order_keys", {})
        key = keys.get(bucket)
        if key is None:
            order: dict[str | None, int] = {f.name: i for i, f in enumerate(self.filters)}
            order[None] = len(self.filters)
            key = keys[bucket] = bucket.sort_key(order)
        return key

    def to_json(self) -> list[dict[str, Any]]:
        return [{"name": f.name, "properties": {k: list(v) for k, v in f.properties}} for f in self.filters]


def _as_text(value: Any) -> str | None:
    """A property's value as SQL's `properties ->> key` gives it."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(", ", ": ")) if isinstance(value, dict | list) else str(value)


@dataclass(frozen=True)
class DimensionProblem:
    path: tuple[str | int, ...]
    message: str
    code: str


def _name_ok(value: Any, length: int = MAX_NAME_LENGTH) -> bool:
    return isinstance(value, str) and 0 < len(value) <= length and value.strip() == value and bool(value)


def properties_problems(raw: Any) -> tuple[Properties | None, list[DimensionProblem]]:
    """A filter's `properties` parsed (sorted, values deduplicated in order), or its problems."""
    if not isinstance(raw, dict) or not 1 <= len(raw) <= MAX_FILTER_PROPERTIES:
        return None, [DimensionProblem(("properties",), FILTER_PROPERTIES_INVALID, "invalid")]
    problems: list[DimensionProblem] = []
    parsed: list[tuple[str, tuple[str, ...]]] = []
    for key, values in raw.items():
        if not _name_ok(key):
            problems.append(DimensionProblem(("properties",), FILTER_PROPERTY_NAME_INVALID, "invalid"))
            continue
        ok = isinstance(values, list) and 1 <= len(values) <= MAX_FILTER_VALUES
        ok = ok and all(isinstance(v, str) and 0 < len(v) <= MAX_VALUE_LENGTH for v in values)
        if not ok or len(set(values)) != len(values):
            problems.append(DimensionProblem(("properties", key), FILTER_VALUES_INVALID, "invalid"))
            continue
        parsed.append((key, tuple(values)))
    return (tuple(sorted(parsed)) if not problems else None), problems


def group_by_problems(raw: Any) -> list[DimensionProblem]:
    ok = isinstance(raw, list) and len(raw) <= MAX_GROUP_BY and all(_name_ok(v) for v in raw)
    if not ok or len(set(raw)) != len(raw):
        return [DimensionProblem(("group_by",), GROUP_BY_INVALID, "invalid")]
    return []


def _shadows(earlier: Properties, later: Properties) -> bool:
    """Every event matching `later` matches `earlier` too."""
    later_values = dict(later)
    return all(key in later_values and set(later_values[key]) <= set(values) for key, values in earlier)


def overlap_problems(filters: Iterable[tuple[str, Properties | None]]) -> Iterator[DimensionProblem]:
    """Filters with the same properties as an earlier one (ambiguous) or that an earlier
    one always takes first (unreachable), and repeated names; `(name, properties)`
    in order, properties None when invalid (skipped)."""
    seen: list[tuple[str, Properties]] = []
    names: set[str] = set()
    for index, (name, properties) in enumerate(filters):
        if name in names:
            yield DimensionProblem(("filters", index, "name"), FILTER_NAME_TAKEN, "duplicate_name")
        names.add(name)
        if properties is None:
            continue
        canonical = tuple((k, tuple(sorted(v))) for k, v in properties)
        for other, earlier in seen:
            if canonical == earlier:
                message = FILTER_AMBIGUOUS.format(other=other)
                yield DimensionProblem(("filters", index, "properties"), message, "ambiguous_filter")
                break
            if _shadows(earlier, canonical):
                message = FILTER_UNREACHABLE.format(other=other)
                yield DimensionProblem(("filters", index, "properties"), message, "unreachable_filter")
                break
        seen.append((name, canonical))
