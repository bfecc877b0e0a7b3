"""The monthly partitions of the usage events table (`usage_usageevent`).

The table is partitioned by RANGE (timestamp), one partition per calendar month in UTC,
named `usage_usageevent_pYYYY_MM`. There is no DEFAULT partition: a row whose month has
no partition would be refused, so every writer makes sure the partitions of its rows
exist first (`ensure_partitions`), and a daily beat task creates the coming months
ahead (`ensure_partitions_ahead`), so that the check is a set lookup in memory for
nearly every insert. Without a DEFAULT partition, creating a month never has to move
rows out of it (attaching a range that overlaps rows of a DEFAULT partition fails, and
moving them needs the table locked): an event is never lost and a month is never split.

A partition is created under one advisory lock (no two sessions race on the catalog)
with `CREATE TABLE IF NOT EXISTS … PARTITION OF`, which takes an ACCESS EXCLUSIVE lock
on the parent until its transaction ends: the writers create it before their own insert
and in a transaction of its own when they are not in one, so the lock lasts a moment.

Retention (`drop_partitions_before`) detaches and drops whole months, with the
corrections' revisions, the idempotency keys of their events and their late-month
notes (usage.models.UsageLateMonth), never row by row.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from datetime import UTC, datetime

from django.db import connection, transaction

EVENTS_TABLE = "usage_usageevent"
_NAME = re.compile(r"^usage_usageevent_p(\d{4})_(\d{2})$")
# pg_advisory_xact_lock(PARTITION_LOCK_CLASS, 0): the one lock under which partitions change.
PARTITION_LOCK_CLASS = 0x5E90

Month = tuple[int, int]

# Months known to have a committed partition, in this process: filled from the catalog
# when read outside a transaction (a partition made inside one could still roll back)
# and when a creation commits. `forget()` empties it (the migration and retention do),
# and it is forgotten every KNOWN_TTL_SECONDS, so that a month that retention dropped
# in another process is created again (rather than refused) a few minutes later at most.
_known: set[Month] = set()
KNOWN_TTL_SECONDS = 300.0
_known_until = 0.0


def month_of(moment: datetime) -> Month:
    moment = moment.astimezone(UTC)
    return moment.year, moment.month


def next_month(month: Month) -> Month:
    year, number = month
    return (year + 1, 1) if number == 12 else (year, number + 1)


def add_months(month: Month, count: int) -> Month:
    index = month[0] * 12 + month[1] - 1 + count
    return index // 12, index % 12 + 1


def partition_name(month: Month) -> str:
    return f"{EVENTS_TABLE}_p{month[0]:04d}_{month[1]:02d}"


def month_start(month: Month) -> datetime:
    return datetime(month[0], month[1], 1, tzinfo=UTC)


def create_partition_sql(month: Month) -> str:
    start, end = month_start(month), month_start(next_month(month))
    return (
        f"CREATE TABLE IF NOT EXISTS {partition_name(month)} PARTITION OF {EVENTS_TABLE} "
        f"FOR VALUES FROM ('{start.isoformat()}') TO ('{end.isoformat()}')"
    )


def existing_months() -> set[Month]:
    """The months that have a partition, from the catalog (as this transaction sees it)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = to_regclass(%s)",
            [EVENTS_TABLE],
        )
        names = [row[0] for row in cursor.fetchall()]
    return {(int(m[1]), int(m[2])) for name in names if (m := _NAME.match(name))}


def forget() -> None:
    """Empty the process's memory of partitions (after the table's partitions changed)."""
    _known.clear()


def ensure_partitions(timestamps: Iterable[datetime]) -> None:
    """Make sure that the month of every timestamp has a partition, creating the missing
    ones. Costs nothing when every month is known; call it before inserting events."""
    global _known_until
    if time.monotonic() > _known_until:
        _known.clear()
        _known_until = time.monotonic() + KNOWN_TTL_SECONDS
    wanted = {month_of(moment) for moment in timestamps} - _known
    if wanted:
        create_months(wanted)


def create_months(months: Iterable[Month]) -> list[Month]:
    """Create the partitions of `months` that do not exist; returns those created."""
    wanted = set(months)
    outside = not connection.in_atomic_block
    found = existing_months()
    if outside:
        _known.update(found)
    missing = sorted(wanted - found)
    if not missing:
        return []
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s::int4, 0)", [PARTITION_LOCK_CLASS])
        missing = sorted(set(missing) - existing_months())  # another session may have made them
        for month in missing:
            cursor.execute(create_partition_sql(month))
        transaction.on_commit(lambda: _known.update(missing))
    return missing


def ensure_partitions_ahead(*, now: datetime, months_ahead: int) -> list[Month]:
    """The partitions of this month and the `months_ahead` next ones (the beat task)."""
    first = month_of(now)
    return create_months(add_months(first, n) for n in range(months_ahead + 1))


def drop_partitions_before(month: Month) -> list[Month]:
    """Retention: drop the partitions of the months before `month`, with the revisions
    and idempotency keys of their events. Returns the months dropped."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # a table with checks pending cannot be dropped
        cursor.execute("SELECT pg_advisory_xact_lock(%s::int4, 0)", [PARTITION_LOCK_CLASS])
        old = sorted(m for m in existing_months() if m < month)
        for each in old:
            name = partition_name(each)
            cursor.execute(f"ALTER TABLE {EVENTS_TABLE} DETACH PARTITION {name}")
            cursor.execute(
                f"DELETE FROM usage_usageeventrevision r USING {name} e WHERE r.event_id = e.id"  # noqa: S608
            )
            start, end = month_start(each), month_start(next_month(each))
            cursor.execute(
                'DELETE FROM usage_idempotencykey WHERE "timestamp" >= %s AND "timestamp" < %s', [start, end]
            )
            cursor.execute("DELETE FROM usage_latemonth WHERE month = %s", [start.date()])
            cursor.execute(f"DROP TABLE {name}")
        transaction.on_commit(forget)
    return old
