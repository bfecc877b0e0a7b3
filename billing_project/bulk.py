"""Bulk inserts for the hot paths (invoice runs): rows travel by `COPY … FROM STDIN`,
each value adapted by psycopg's C dumpers (UUID, Decimal, datetime, int, str).

Django's bulk_create prepares every value of every row in Python (field conversion,
then the driver's adaptation), which cost more than the database's own work for the
thousands of rows an invoice batch writes; so did the JSON document that an earlier
version sent through `jsonb_to_recordset` (its encoder's `default` hook ran in Python
for every UUID, Decimal and datetime). Values here must already be what the column
stores; a `jsonb` column's value is encoded here (Decimals and UUIDs as strings,
datetimes to the microsecond) unless it is already a string of JSON (`Raw`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar
from uuid import UUID

from django.db import DEFAULT_DB_ALIAS, connection
from django.db.backends.utils import CursorDebugWrapper
from django.db.models import Model
from django.db.models.base import ModelState
from psycopg import sql

M = TypeVar("M", bound=Model)


class _Encoder(json.JSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, datetime):
            return o.isoformat()  # DjangoJSONEncoder would cut microseconds
        if isinstance(o, Decimal | UUID):
            return str(o)
        return super().default(o)


class Raw(str):
    """A `jsonb` value already encoded (e.g. with the model field's own encoder)."""


_ENCODER = _Encoder(separators=(",", ":"))  # one, not one per value (json.dumps(cls=…) builds one each call)


def as_jsonb(value: Any) -> str | None:
    """A `jsonb` column's value as `insert_rows` sends it (None stays NULL)."""
    if value is None or isinstance(value, Raw):
        return value
    return _ENCODER.encode(value)


def insert_rows(
    table: str, columns: Mapping[str, str], rows: Sequence[Mapping[str, Any]] | Sequence[tuple[Any, ...]]
) -> None:
    """INSERT `rows` into `table` in one COPY.

    `columns` maps each column to its SQL type, e.g. {"id": "uuid", "amount": "numeric"}
    (only `jsonb` changes how a value is sent). A row is a dict keyed by column name,
    or a tuple of the values in `columns`' order with the `jsonb` ones already
    encoded (`as_jsonb`): sent as it is, the cheaper shape for thousands of rows.

    >>> insert_rows("invoices_invoiceline", {"invoice_id": "uuid", "amount": "numeric"}, [{"invoice_id": i, "amount": a}])
    """
    if not rows:
        return
    names = list(columns)
    as_json = [columns[name] == "jsonb" for name in names]
    statement = sql.SQL("COPY {table} ({names}) FROM STDIN").format(
        table=sql.Identifier(table), names=sql.SQL(", ").join(sql.Identifier(name) for name in names)
    )

    def copy_all(query: str, params: Any, many: bool, context: Any) -> None:
        with cursor.cursor.copy(statement) as copy:
            for row in rows:
                if isinstance(row, tuple):
                    copy.write_row(row)
                else:
                    copy.write_row([as_jsonb(row[n]) if j else row[n] for n, j in zip(names, as_json, strict=True)])

    with connection.cursor() as cursor:
        query = statement.as_string(cursor.cursor)
        # Through Django's execute wrappers and query log (a COPY is a statement like
        # any other to `django_assert_num_queries` and to instrumentation).
        logged = cursor.debug_sql(query) if isinstance(cursor, CursorDebugWrapper) else nullcontext()
        with logged:
            cursor._execute_with_wrappers(query, None, False, copy_all)


def stored_instance(model: type[M], values: Mapping[str, Any]) -> M:
    """An instance of `model` holding these column values (keyed by attname: every
    concrete field's, a missing one at its default), as Django reads a stored row back
    (`_state.adding` false): what a row written by `insert_rows` is, built without
    `Model.__init__`, whose per-field work (descriptors, `pre_init`/`post_init`) was a
    third of making an invoice in a run. Values must already be the fields' Python
    values; nothing is converted or validated."""
    instance = model.__new__(model)
    data = instance.__dict__
    for f in model._meta.concrete_fields:
        data[f.attname] = values[f.attname] if f.attname in values else f.get_default()
    state = instance._state = ModelState()
    state.adding, state.db = False, DEFAULT_DB_ALIAS  # `connection`'s (its proxy costs a lookup per call)
    return instance
