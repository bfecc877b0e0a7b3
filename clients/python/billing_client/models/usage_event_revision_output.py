from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.action_enum import ActionEnum

if TYPE_CHECKING:
    from ..models.usage_event_revision_output_properties import UsageEventRevisionOutputProperties


T = TypeVar("T", bound="UsageEventRevisionOutput")


@_attrs_define
class UsageEventRevisionOutput:
    """
    Attributes:
        revision (int):
        action (ActionEnum): * `created` - Created
            * `amended` - Amended
            * `voided` - Voided
        value (str):
        properties (UsageEventRevisionOutputProperties):
        actor (str): "user:<id>" or "apikey:<id>"; "" for revision 1 (ingestion)
        reason (str):
        created_at (datetime.datetime): Real time
    """

    revision: int
    action: ActionEnum
    value: str
    properties: UsageEventRevisionOutputProperties
    actor: str
    reason: str
    created_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        revision = self.revision

        action = self.action.value

        value = self.value

        properties = self.properties.to_dict()

        actor = self.actor

        reason = self.reason

        created_at = self.created_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "revision": revision,
                "action": action,
                "value": value,
                "properties": properties,
                "actor": actor,
                "reason": reason,
                "created_at": created_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.usage_event_revision_output_properties import UsageEventRevisionOutputProperties  # noqa: PLC0415

        d = dict(src_dict)
        revision = d.pop("revision")

        action = ActionEnum(d.pop("action"))

        value = d.pop("value")

        properties = UsageEventRevisionOutputProperties.from_dict(d.pop("properties"))

        actor = d.pop("actor")

        reason = d.pop("reason")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        usage_event_revision_output = cls(
            revision=revision,
            action=action,
            value=value,
            properties=properties,
            actor=actor,
            reason=reason,
            created_at=created_at,
        )

        usage_event_revision_output.additional_properties = d
        return usage_event_revision_output

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
