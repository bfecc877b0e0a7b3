from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.aggregation_enum import AggregationEnum

T = TypeVar("T", bound="CustomerUsageMeterOutput")


@_attrs_define
class CustomerUsageMeterOutput:
    """
    Attributes:
        meter (str): The meter's code
        aggregation (AggregationEnum): * `count` - Count
            * `sum` - Sum
            * `max` - Max
            * `unique_count` - Unique count
        quantity (str): A decimal string, like "1234"
    """

    meter: str
    aggregation: AggregationEnum
    quantity: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        meter = self.meter

        aggregation = self.aggregation.value

        quantity = self.quantity

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "meter": meter,
                "aggregation": aggregation,
                "quantity": quantity,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        meter = d.pop("meter")

        aggregation = AggregationEnum(d.pop("aggregation"))

        quantity = d.pop("quantity")

        customer_usage_meter_output = cls(
            meter=meter,
            aggregation=aggregation,
            quantity=quantity,
        )

        customer_usage_meter_output.additional_properties = d
        return customer_usage_meter_output

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
