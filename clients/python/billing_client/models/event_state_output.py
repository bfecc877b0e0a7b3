from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.event_state_output_properties import EventStateOutputProperties


T = TypeVar("T", bound="EventStateOutput")


@_attrs_define
class EventStateOutput:
    """
    Attributes:
        revision (int): The event's revision then (1: as stored)
        value (str):
        properties (EventStateOutputProperties):
        voided (bool): Voided then: it counted nowhere
        sets_max (bool): max meters: the event that set the maximum then
    """

    revision: int
    value: str
    properties: EventStateOutputProperties
    voided: bool
    sets_max: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        revision = self.revision

        value = self.value

        properties = self.properties.to_dict()

        voided = self.voided

        sets_max = self.sets_max

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "revision": revision,
                "value": value,
                "properties": properties,
                "voided": voided,
                "sets_max": sets_max,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.event_state_output_properties import EventStateOutputProperties  # noqa: PLC0415

        d = dict(src_dict)
        revision = d.pop("revision")

        value = d.pop("value")

        properties = EventStateOutputProperties.from_dict(d.pop("properties"))

        voided = d.pop("voided")

        sets_max = d.pop("sets_max")

        event_state_output = cls(
            revision=revision,
            value=value,
            properties=properties,
            voided=voided,
            sets_max=sets_max,
        )

        event_state_output.additional_properties = d
        return event_state_output

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
