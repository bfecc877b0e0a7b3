"""The base of every list filterset: filters refuse what the OpenAPI schema does not
allow, where django-filter would ignore it and list everything. That is an empty value
of a typed filter (`?status=`, `?customer_id=`, `?from=`; an empty text filter still
means "no filter") and a boolean other than `true` or `false` (`?active=yes`)."""

from __future__ import annotations

from collections.abc import Iterator

import django_filters
from django.core.exceptions import ValidationError

EMPTY_FILTER = "{name} may not be empty: leave it out to list everything."
BAD_BOOLEAN = "{name} must be true or false."


class StrictFilterSet(django_filters.FilterSet):
    def is_valid(self) -> bool:
        valid = super().is_valid()
        for name, problem in self._problems():
            self.form.add_error(name, problem)
        return valid and not self.form.errors

    def _problems(self) -> Iterator[tuple[str, ValidationError]]:
        for name, filter_ in self.filters.items():
            if name not in self.data:
                continue
            raw = self.data.get(name)
            if isinstance(filter_, django_filters.BooleanFilter):
                if raw not in ("true", "false"):
                    yield name, ValidationError(BAD_BOOLEAN.format(name=name), code="invalid")
            elif raw == "" and not isinstance(filter_, django_filters.CharFilter):
                yield name, ValidationError(EMPTY_FILTER.format(name=name), code="empty")
