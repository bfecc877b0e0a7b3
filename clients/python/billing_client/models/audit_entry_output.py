from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.actor_output import ActorOutput


T = TypeVar("T", bound="AuditEntryOutput")


@_attrs_define
class AuditEntryOutput:
    """
    Attributes:
        id (UUID):
        at (datetime.datetime):
        actor (ActorOutput):
        action (str): <object_type>.<what happened>, e.g. invoice.voided
        object_type (str):
        object_id (str):
        changes (Any): {field: [old, new]}
        reason (str | Unset):
        request_id (str | Unset):
    """

    id: UUID
    at: datetime.datetime
    actor: ActorOutput
    action: str
    object_type: str
    object_id: str
    changes: Any
    reason: str | Unset = UNSET
    request_id: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        at = self.at.isoformat()

        actor = self.actor.to_dict()

        action = self.action

        object_type = self.object_type

        object_id = self.object_id

        changes = self.changes

        reason = self.reason

        request_id = self.request_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "at": at,
                "actor": actor,
                "action": action,
                "object_type": object_type,
                "object_id": object_id,
                "changes": changes,
            }
        )
        if reason is not UNSET:
            field_dict["reason"] = reason
        if request_id is not UNSET:
            field_dict["request_id"] = request_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.actor_output import ActorOutput  # noqa: PLC0415

        d = dict(src_dict)
        id = UUID(d.pop("id"))

        at = datetime.datetime.fromisoformat(d.pop("at"))

        actor = ActorOutput.from_dict(d.pop("actor"))

        action = d.pop("action")

        object_type = d.pop("object_type")

        object_id = d.pop("object_id")

        changes = d.pop("changes")

        reason = d.pop("reason", UNSET)

        request_id = d.pop("request_id", UNSET)

        audit_entry_output = cls(
            id=id,
            at=at,
            actor=actor,
            action=action,
            object_type=object_type,
            object_id=object_id,
            changes=changes,
            reason=reason,
            request_id=request_id,
        )

        audit_entry_output.additional_properties = d
        return audit_entry_output

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
