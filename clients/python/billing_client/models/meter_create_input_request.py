from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.aggregation_enum import AggregationEnum
from ..types import UNSET, Unset

T = TypeVar("T", bound="MeterCreateInputRequest")


@_attrs_define
class MeterCreateInputRequest:
    """
    Attributes:
        code (str):
        name (str):
        aggregation (AggregationEnum): * `count` - Count
            * `sum` - Sum
            * `max` - Max
            * `unique_count` - Unique count
        property_ (None | str | Unset):
    """

    code: str
    name: str
    aggregation: AggregationEnum
    property_: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        code = self.code

        name = self.name

        aggregation = self.aggregation.value

        property_: None | str | Unset
        if isinstance(self.property_, Unset):
            property_ = UNSET
        else:
            property_ = self.property_

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "code": code,
                "name": name,
                "aggregation": aggregation,
            }
        )
        if property_ is not UNSET:
            field_dict["property"] = property_

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        code = d.pop("code")

        name = d.pop("name")

        aggregation = AggregationEnum(d.pop("aggregation"))

        def _parse_property_(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        property_ = _parse_property_(d.pop("property", UNSET))

        meter_create_input_request = cls(
            code=code,
            name=name,
            aggregation=aggregation,
            property_=property_,
        )

        meter_create_input_request.additional_properties = d
        return meter_create_input_request

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
