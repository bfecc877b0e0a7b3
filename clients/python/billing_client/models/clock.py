from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.clock_status_enum import ClockStatusEnum

T = TypeVar("T", bound="Clock")


@_attrs_define
class Clock:
    """
    Attributes:
        time (datetime.datetime): The sandbox's business time
        status (ClockStatusEnum): * `ready` - ready
            * `advancing` - advancing
        advancing_to (datetime.datetime | None): Where the running advance goes; else null
    """

    time: datetime.datetime
    status: ClockStatusEnum
    advancing_to: datetime.datetime | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        time = self.time.isoformat()

        status = self.status.value

        advancing_to: None | str
        if isinstance(self.advancing_to, datetime.datetime):
            advancing_to = self.advancing_to.isoformat()
        else:
            advancing_to = self.advancing_to

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "time": time,
                "status": status,
                "advancing_to": advancing_to,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        time = datetime.datetime.fromisoformat(d.pop("time"))

        status = ClockStatusEnum(d.pop("status"))

        def _parse_advancing_to(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                advancing_to_type_0 = datetime.datetime.fromisoformat(data)

                return advancing_to_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        advancing_to = _parse_advancing_to(d.pop("advancing_to"))

        clock = cls(
            time=time,
            status=status,
            advancing_to=advancing_to,
        )

        clock.additional_properties = d
        return clock

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
