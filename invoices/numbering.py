"""Gapless numbers per tenant and series: `INV-000001` for invoices, `CN-000001` for
credit notes (`NumberSequence`).

A number is taken in the transaction that writes what it numbers: the upsert locks
the series' row until that transaction ends, so concurrent writers take numbers one
after the other, and a rollback gives them back (no gap, no duplicate).
"""

from __future__ import annotations

import uuid

from django.db import connection

from invoices.models import NumberSequence

Series = NumberSequence.Series

_NEXT_NUMBERS_SQL = f"""
INSERT INTO {NumberSequence._meta.db_table} (tenant_id, series, last_number) VALUES (%s, %s, %s)
ON CONFLICT (tenant_id, series) DO UPDATE SET last_number = {NumberSequence._meta.db_table}.last_number + EXCLUDED.last_number
RETURNING last_number
"""  # noqa: S608 - the table name is the model's, not input


def take_numbers(tenant_id: uuid.UUID, series: str, count: int) -> list[str]:
    """`count` consecutive numbers of the tenant's `series`, formatted.

    >>> take_numbers(tenant_id, Series.CREDIT_NOTE, 2)  # doctest: +SKIP
    ['CN-000007', 'CN-000008']
    """
    with connection.cursor() as cursor:
        cursor.execute(_NEXT_NUMBERS_SQL, [tenant_id, series, count])
        last = cursor.fetchone()[0]
    return [f"{series}-{n:06d}" for n in range(last - count + 1, last + 1)]
