from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.event_state_output import EventStateOutput
    from ..models.line_event_output_properties import LineEventOutputProperties


T = TypeVar("T", bound="LineEventOutput")


@_attrs_define
class LineEventOutput:
    """
    Attributes:
        revision (int): The event's revision then (1: as stored)
        value (str):
        properties (LineEventOutputProperties):
        voided (bool): Voided then: it counted nowhere
        sets_max (bool): max meters: the event that set the maximum then
        id (int):
        idempotency_key (str):
        timestamp (datetime.datetime):
        changed (bool | Unset): Delta lines: its revision differs from the one billed (false: unchanged, listed because
            the quantities cannot be recomputed without it)
        billed (EventStateOutput | None | Unset): Delta lines: the event as the window was billed before (null: not
            stored yet then)
    """

    revision: int
    value: str
    properties: LineEventOutputProperties
    voided: bool
    sets_max: bool
    id: int
    idempotency_key: str
    timestamp: datetime.datetime
    changed: bool | Unset = UNSET
    billed: EventStateOutput | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.event_state_output import EventStateOutput  # noqa: PLC0415

        revision = self.revision

        value = self.value

        properties = self.properties.to_dict()

        voided = self.voided

        sets_max = self.sets_max

        id = self.id

        idempotency_key = self.idempotency_key

        timestamp = self.timestamp.isoformat()

        changed = self.changed

        billed: dict[str, Any] | None | Unset
        if isinstance(self.billed, Unset):
            billed = UNSET
        elif isinstance(self.billed, EventStateOutput):
            billed = self.billed.to_dict()
        else:
            billed = self.billed

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "revision": revision,
                "value": value,
                "properties": properties,
                "voided": voided,
                "sets_max": sets_max,
                "id": id,
                "idempotency_key": idempotency_key,
                "timestamp": timestamp,
            }
        )
        if changed is not UNSET:
            field_dict["changed"] = changed
        if billed is not UNSET:
            field_dict["billed"] = billed

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.event_state_output import EventStateOutput  # noqa: PLC0415
        from ..models.line_event_output_properties import LineEventOutputProperties  # noqa: PLC0415

        d = dict(src_dict)
        revision = d.pop("revision")

        value = d.pop("value")

        properties = LineEventOutputProperties.from_dict(d.pop("properties"))

        voided = d.pop("voided")

        sets_max = d.pop("sets_max")

        id = d.pop("id")

        idempotency_key = d.pop("idempotency_key")

        timestamp = datetime.datetime.fromisoformat(d.pop("timestamp"))

        changed = d.pop("changed", UNSET)

        def _parse_billed(data: object) -> EventStateOutput | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                billed_type_1 = EventStateOutput.from_dict(data)

                return billed_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(EventStateOutput | None | Unset, data)

        billed = _parse_billed(d.pop("billed", UNSET))

        line_event_output = cls(
            revision=revision,
            value=value,
            properties=properties,
            voided=voided,
            sets_max=sets_max,
            id=id,
            idempotency_key=idempotency_key,
            timestamp=timestamp,
            changed=changed,
            billed=billed,
        )

        line_event_output.additional_properties = d
        return line_event_output

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
