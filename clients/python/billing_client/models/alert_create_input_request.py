from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.alert_type_enum import AlertTypeEnum
from ..types import UNSET, Unset

T = TypeVar("T", bound="AlertCreateInputRequest")


@_attrs_define
class AlertCreateInputRequest:
    """
    Attributes:
        type_ (AlertTypeEnum): * `usage_amount` - Usage amount
            * `meter_quantity` - Meter quantity
            * `credit_balance` - Credit balance
        thresholds (list[str]): 1 to 20 distinct decimal strings ≥ 0
        meter (None | str | Unset): A meter's code: meter_quantity only
        step (None | str | Unset): > 0: fires again every step beyond the largest threshold
    """

    type_: AlertTypeEnum
    thresholds: list[str]
    meter: None | str | Unset = UNSET
    step: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_.value

        thresholds = self.thresholds

        meter: None | str | Unset
        if isinstance(self.meter, Unset):
            meter = UNSET
        else:
            meter = self.meter

        step: None | str | Unset
        if isinstance(self.step, Unset):
            step = UNSET
        else:
            step = self.step

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "thresholds": thresholds,
            }
        )
        if meter is not UNSET:
            field_dict["meter"] = meter
        if step is not UNSET:
            field_dict["step"] = step

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        type_ = AlertTypeEnum(d.pop("type"))

        thresholds = cast(list[str], d.pop("thresholds"))

        def _parse_meter(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        meter = _parse_meter(d.pop("meter", UNSET))

        def _parse_step(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        step = _parse_step(d.pop("step", UNSET))

        alert_create_input_request = cls(
            type_=type_,
            thresholds=thresholds,
            meter=meter,
            step=step,
        )

        alert_create_input_request.additional_properties = d
        return alert_create_input_request

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
