from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.customer_usage_meter_output import CustomerUsageMeterOutput


T = TypeVar("T", bound="CustomerUsageOutput")


@_attrs_define
class CustomerUsageOutput:
    """
    Attributes:
        from_ (datetime.datetime):
        to (datetime.datetime):
        meters (list[CustomerUsageMeterOutput]):
    """

    from_: datetime.datetime
    to: datetime.datetime
    meters: list[CustomerUsageMeterOutput]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from_ = self.from_.isoformat()

        to = self.to.isoformat()

        meters = []
        for meters_item_data in self.meters:
            meters_item = meters_item_data.to_dict()
            meters.append(meters_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "from": from_,
                "to": to,
                "meters": meters,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.customer_usage_meter_output import CustomerUsageMeterOutput  # noqa: PLC0415

        d = dict(src_dict)
        from_ = datetime.datetime.fromisoformat(d.pop("from"))

        to = datetime.datetime.fromisoformat(d.pop("to"))

        meters = []
        _meters = d.pop("meters")
        for meters_item_data in _meters:
            meters_item = CustomerUsageMeterOutput.from_dict(meters_item_data)

            meters.append(meters_item)

        customer_usage_output = cls(
            from_=from_,
            to=to,
            meters=meters,
        )

        customer_usage_output.additional_properties = d
        return customer_usage_output

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
