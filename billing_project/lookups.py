"""Arrays as statement parameters, cheaply: `field__any=values` and `array_literal`.

Django's `__in` writes one placeholder per value and prepares each value in Python
(`get_db_prep_value`, then psycopg parses the statement's placeholders), and psycopg
adapts a list parameter element by element in Python (a dumper call and two regular
expressions each). An invoice-run batch sends arrays of 500 ids, periods and states
in about ten statements, and that adaptation was a tenth of the run's Python time.

`array_literal(values)` writes PostgreSQL's array text once ("{…}", one string
parameter) for the statement to cast (`%s::uuid[]`), and `field__any=values` is
`field = ANY(%s::<the column's type>[])` with that literal: the statement's text is
the same whatever the number of values (psycopg's query cache and PostgreSQL's plans
see one statement). Values must be of the column's type already (UUIDs, ints,
Decimals, aware datetimes, strings, booleans, None): nothing is converted on the way.

    >>> Subscription.objects.filter(pk__any=ids)
    >>> cursor.execute("… WHERE id = ANY(%s::uuid[])", [array_literal(ids)])
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from django.db.models import Field, ForeignObject, Lookup


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


_ELEMENT: dict[type, Callable[[Any], str]] = {
    str: _quoted,
    datetime: lambda value: _quoted(value.isoformat()),
    bool: lambda value: "t" if value else "f",
    type(None): lambda value: "NULL",
}


def array_literal(values: Iterable[Any]) -> str:
    """PostgreSQL's text of an array of `values` (cast it in the statement).

    >>> array_literal([1, None, "a,b", datetime(2026, 1, 1, tzinfo=UTC)])
    '{1,NULL,"a,b","2026-01-01T00:00:00+00:00"}'
    """
    return "{" + ",".join([_ELEMENT.get(type(value), str)(value) for value in values]) + "}"


class AnyLookup(Lookup):
    lookup_name = "any"
    prepare_rhs = False

    def get_db_prep_lookup(self, value: Any, connection: Any) -> Any:
        return "%s", (array_literal(value),)

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        array_type = self.lhs.output_field.db_type(connection)
        return f"{lhs} = ANY({rhs}::{array_type}[])", (*lhs_params, *rhs_params)


Field.register_lookup(AnyLookup)
ForeignObject.register_lookup(AnyLookup)  # relations keep their own lookups
