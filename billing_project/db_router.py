"""The database router: reads of lists and metrics to the read replica, everything else
to the primary (`default`). Installed always; it sends nothing to a replica unless
`settings.DATABASE_REPLICA` names one (set when REPLICA_DATABASE_URL is).

A read goes to the replica only when all of these hold (tenants/replica.py):
  - the code reading asked for it (`replica_reads()`: `list_response` of every list
    route, the metrics routes);
  - nothing was written to the primary earlier in the same request (the router sees
    every ORM write: `db_for_write` notes it);
  - the primary connection is not inside a transaction (`atomic`): a read that a
    write depends on must see the transaction's own rows.
Writes always go to the primary. Migrations run on the primary only: a replica gets
its schema by replication, as it gets the rows.

Raw SQL run on `django.db.connection` is the primary's, whatever this router says.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model

from tenants.replica import note_write, replica_reads_allowed


def replica_alias() -> str | None:
    """The replica's alias when one is configured, else None."""
    return getattr(settings, "DATABASE_REPLICA", None)


class PrimaryReplicaRouter:
    def db_for_read(self, model: type[Model], **hints: Any) -> str | None:
        alias = replica_alias()
        if alias and replica_reads_allowed() and not connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return alias
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model: type[Model], **hints: Any) -> str | None:
        note_write()
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool | None:
        return True  # the replica holds the primary's rows: objects of either relate

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool | None:
        return db == DEFAULT_DB_ALIAS
