"""The one way services change fields of an existing row (HackSoft's `model_update`),
and the one way they lock rows before reading them (`lock_rows`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)


def model_update(*, instance: M, fields: Iterable[str], data: Mapping[str, Any]) -> tuple[M, list[str]]:
    """Set the `fields` that `data` names and changes, save only those (and
    `updated_at` when the model has one), and return the instance with the changed
    field names. A key of `data` outside `fields` is a programming error (TypeError):
    a service lists what it lets change, and its validation runs before this.

    >>> model_update(instance=plan, fields=["name", "active"], data={"name": "Pro"})
    (<Plan: pro>, ['name'])
    """
    allowed = list(fields)
    unknown = set(data) - set(allowed)
    if unknown:
        raise TypeError(f"{type(instance).__name__} cannot change {sorted(unknown)}")
    changed = [field for field in allowed if field in data and getattr(instance, field) != data[field]]
    for field in changed:
        setattr(instance, field, data[field])
    if changed:
        extra = ["updated_at"] if any(f.name == "updated_at" for f in instance._meta.get_fields()) else []
        instance.save(update_fields=[*changed, *extra])
    return instance, changed


def lock_rows(rows: QuerySet[Any], *, skip_locked: bool = False) -> list[Any]:
    """Lock the rows of `rows` for the caller's transaction and return their ids, in
    order; read them after, with whatever joins. Locked with a join, a row waited for
    is re-checked against the rows joined before the wait (PostgreSQL's EvalPlanQual):
    a subscription whose plan a concurrent change had just moved would fail the join
    to its old plan and be missed.

    >>> ids = lock_rows(Subscription.objects.filter(pk=sub_id))
    >>> Subscription.objects.select_related("plan").filter(pk__in=ids).first()
    """
    return list(rows.select_for_update(skip_locked=skip_locked).values_list("pk", flat=True))
