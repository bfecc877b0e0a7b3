from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.alert_type_enum import AlertTypeEnum

T = TypeVar("T", bound="AlertOutput")


@_attrs_define
class AlertOutput:
    """Documents the alert body; `alert_body` renders it.

    Attributes:
        id (UUID):
        subscription_id (UUID):
        type_ (AlertTypeEnum): * `usage_amount` - Usage amount
            * `meter_quantity` - Meter quantity
            * `credit_balance` - Credit balance
        meter (None | str): The meter's code (meter_quantity)
        thresholds (list[str]): Ascending decimal strings
        step (None | str):
        created_at (datetime.datetime):
    """

    id: UUID
    subscription_id: UUID
    type_: AlertTypeEnum
    meter: None | str
    thresholds: list[str]
    step: None | str
    created_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        subscription_id = str(self.subscription_id)

        type_ = self.type_.value

        meter: None | str
        meter = self.meter

        thresholds = self.thresholds

        step: None | str
        step = self.step

        created_at = self.created_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "subscription_id": subscription_id,
                "type": type_,
                "meter": meter,
                "thresholds": thresholds,
                "step": step,
                "created_at": created_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = UUID(d.pop("id"))

        subscription_id = UUID(d.pop("subscription_id"))

        type_ = AlertTypeEnum(d.pop("type"))

        def _parse_meter(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        meter = _parse_meter(d.pop("meter"))

        thresholds = cast(list[str], d.pop("thresholds"))

        def _parse_step(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        step = _parse_step(d.pop("step"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        alert_output = cls(
            id=id,
            subscription_id=subscription_id,
            type_=type_,
            meter=meter,
            thresholds=thresholds,
            step=step,
            created_at=created_at,
        )

        alert_output.additional_properties = d
        return alert_output

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
