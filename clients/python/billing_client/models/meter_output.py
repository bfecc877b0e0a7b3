from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.aggregation_enum import AggregationEnum

T = TypeVar("T", bound="MeterOutput")


@_attrs_define
class MeterOutput:
    """
    Attributes:
        id (UUID):
        code (str): Unique in the tenant; usage events name the meter by it
        name (str):
        aggregation (AggregationEnum): * `count` - Count
            * `sum` - Sum
            * `max` - Max
            * `unique_count` - Unique count
        property_ (None | str):
        created_at (datetime.datetime):
    """

    id: UUID
    code: str
    name: str
    aggregation: AggregationEnum
    property_: None | str
    created_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        code = self.code

        name = self.name

        aggregation = self.aggregation.value

        property_: None | str
        property_ = self.property_

        created_at = self.created_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "code": code,
                "name": name,
                "aggregation": aggregation,
                "property": property_,
                "created_at": created_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = UUID(d.pop("id"))

        code = d.pop("code")

        name = d.pop("name")

        aggregation = AggregationEnum(d.pop("aggregation"))

        def _parse_property_(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        property_ = _parse_property_(d.pop("property"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        meter_output = cls(
            id=id,
            code=code,
            name=name,
            aggregation=aggregation,
            property_=property_,
            created_at=created_at,
        )

        meter_output.additional_properties = d
        return meter_output

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
