"""Bulk inserts for the hot paths (invoice runs): rows travel as one JSON document that
PostgreSQL unpacks with `jsonb_to_recordset`, in C.

Django's bulk_create prepares every value of every row in Python (field conversion,
then the driver's adaptation), which cost more than the database's own work for the
thousands of rows an invoice batch writes. Values here must already be what the
column stores; UUIDs, Decimals and datetimes (to the microsecond) are encoded as text.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db import connection
from psycopg import sql


class _Encoder(json.JSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, datetime):
            return o.isoformat()  # DjangoJSONEncoder would cut microseconds
        if isinstance(o, Decimal | UUID):
            return str(o)
        return super().default(o)


def insert_rows(table: str, columns: Mapping[str, str], rows: Sequence[Mapping[str, Any]]) -> None:
    """INSERT `rows` (dicts keyed by column name) into `table` in one statement.

    `columns` maps each column to its SQL type, e.g. {"id": "uuid", "amount": "numeric"}.

    >>> insert_rows("invoices_invoiceline", {"invoice_id": "uuid", "amount": "numeric"}, [{"invoice_id": i, "amount": a}])
    """
    if not rows:
        return
    names = sql.SQL(", ").join(sql.Identifier(name) for name in columns)
    record = sql.SQL(", ").join(sql.SQL("{} {}").format(sql.Identifier(n), sql.SQL(t)) for n, t in columns.items())
    statement = sql.SQL(
        "INSERT INTO {table} ({names}) SELECT {names} FROM jsonb_to_recordset(%s::jsonb) AS r({record})"
    )
    document = json.dumps(list(rows), cls=_Encoder, separators=(",", ":"))
    with connection.cursor() as cursor:
        query = statement.format(table=sql.Identifier(table), names=names, record=record).as_string(cursor.cursor)
        cursor.execute(query, [document])
