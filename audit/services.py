"""Writes of the audit log: one function, `audit_record`, that every service calls
after it changes state, in the transaction of the change.

The actor and the request id come from the context where the work started
(`tenants.actors`), never from the caller, so a service need not know whether the
API, the admin, a command or the clock called it:

    before = snapshot(plan, ["name", "active"])
    ... change the plan ...
    audit_record(tenant=tenant, action="plan.updated", obj=plan, changes=changed_since(before, plan))
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from django.db import models, transaction

from audit.models import AuditEntry
from billing_project.bulk import Raw, insert_rows
from tenants import clock
from tenants.actors import current_actor, current_request_id
from tenants.models import TenantRef, tenant_pk
from tenants.updates import model_update

M = TypeVar("M", bound=models.Model)
Changes = Mapping[str, tuple[Any, Any] | list[Any]]

_WORD_START = re.compile(r"(?<!^)(?=[A-Z])")


def object_type_of(obj: models.Model | type[models.Model]) -> str:
    """`CreditNote` (the model or a row of it) → `credit_note`: the object's name in the API."""
    model = obj if isinstance(obj, type) else type(obj)
    return _WORD_START.sub("_", model.__name__).lower()


def _entry(*, tenant: TenantRef, action: str, obj: models.Model, changes: Changes | None, reason: str) -> AuditEntry:
    actor = current_actor()
    return AuditEntry(
        tenant_id=tenant_pk(tenant),
        actor_type=actor.type,
        actor_id=actor.id,
        actor_email=actor.email or "",
        action=action,
        object_type=object_type_of(obj),
        object_id=str(obj.pk),
        changes={field: list(pair) for field, pair in (changes or {}).items()},
        reason=reason or "",
        request_id=current_request_id(),
    )


def audit_record(
    *, tenant: TenantRef, action: str, obj: models.Model, changes: Changes | None = None, reason: str = ""
) -> AuditEntry:
    """Record that `action` happened to `obj` (`changes`: {field: [old, new]}, never a
    secret). Call it inside the change's transaction: if the change rolls back, so
    does the entry."""
    entry = _entry(tenant=tenant, action=action, obj=obj, changes=changes, reason=reason)
    entry.save(force_insert=True)
    return entry


_ENTRY_COLUMNS = {
    "id": "uuid", "tenant_id": "uuid", "at": "timestamptz", "actor_type": "text", "actor_id": "text",
    "actor_email": "text", "action": "text", "object_type": "text", "object_id": "text", "changes": "jsonb",
    "reason": "text", "request_id": "text",
}  # fmt: skip


def audit_record_each(*, tenant: TenantRef, entries: Iterable[tuple[str, models.Model, Changes | None]]) -> int:
    """`audit_record` of many (action, obj, changes) in one COPY: the invoice run's
    batches, which write hundreds of invoices at once. Rows, not model instances (their
    construction cost more than the insert); `changes` encoded by the field's own
    encoder, as `audit_record` stores them. Returns how many it wrote."""
    actor, request_id, tenant_id = current_actor(), current_request_id(), tenant_pk(tenant)
    encode = (AuditEntry._meta.get_field("changes").encoder or json.JSONEncoder)().encode  # one for the batch
    now = clock.real_now()  # when it was recorded: real time, as the model's default
    rows = [
        {
            "id": uuid.uuid4(),
            "tenant_id": tenant_id,
            "at": now,
            "actor_type": actor.type,
            "actor_id": actor.id,
            "actor_email": actor.email or "",
            "action": action,
            "object_type": object_type_of(obj),
            "object_id": str(obj.pk),
            "reason": "",
            "request_id": request_id,
            "changes": Raw(encode({field: list(pair) for field, pair in (changes or {}).items()})),
        }
        for action, obj, changes in entries
    ]
    insert_rows(AuditEntry._meta.db_table, _ENTRY_COLUMNS, rows)
    return len(rows)


def _value(obj: models.Model, field: str) -> Any:
    value = getattr(obj, field)
    return list(value) if isinstance(value, list | tuple) else value


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The values of `fields` of `obj` now (a foreign key by its `<name>_id`)."""
    return {field: _value(obj, field) for field in fields}


def changed_since(before: Mapping[str, Any], obj: models.Model) -> dict[str, list[Any]]:
    """{field: [old, new]} for the fields of the `snapshot` that `obj` has changed since."""
    return {field: [old, _value(obj, field)] for field, old in before.items() if _value(obj, field) != old}


def as_created(obj: models.Model, *fields: str) -> dict[str, list[Any]]:
    """{field: [None, value]}: what a creation set."""
    return {field: [None, _value(obj, field)] for field in fields}


@transaction.atomic
def audited_update(
    *, tenant: TenantRef, instance: M, fields: Iterable[str], data: Mapping[str, Any], action: str = ""
) -> M:
    """`tenants.updates.model_update` and, when it changed something, its entry
    (`<object_type>.updated` unless `action` says otherwise) with the fields' old and
    new values: the PATCH of a service."""
    before = snapshot(instance, [field for field in fields if field in data])
    instance, changed = model_update(instance=instance, fields=fields, data=data)
    if changed:
        action = action or f"{object_type_of(instance)}.updated"
        audit_record(tenant=tenant, action=action, obj=instance, changes=changed_since(before, instance))
    return instance
