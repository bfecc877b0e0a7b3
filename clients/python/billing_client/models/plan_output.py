from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.interval_enum import IntervalEnum
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.charge_output import ChargeOutput
    from ..models.threshold_output import ThresholdOutput


T = TypeVar("T", bound="PlanOutput")


@_attrs_define
class PlanOutput:
    """
    Attributes:
        id (UUID):
        code (str): Unique in the tenant
        name (str):
        currency (str): ISO 4217, upper case
        interval (IntervalEnum): * `month` - Month
            * `year` - Year
        amount (str):  Example: 0.10.
        created_at (datetime.datetime):
        charges (list[ChargeOutput]):
        usage_thresholds (list[ThresholdOutput]): Progressive billing, ascending
        minimum_amount (str): Minimum commitment per period (0: none) Example: 0.10.
        description (str | Unset):
        trial_days (int | Unset):
        active (bool | Unset): Inactive plans take no new subscriptions
    """

    id: UUID
    code: str
    name: str
    currency: str
    interval: IntervalEnum
    amount: str
    created_at: datetime.datetime
    charges: list[ChargeOutput]
    usage_thresholds: list[ThresholdOutput]
    minimum_amount: str
    description: str | Unset = UNSET
    trial_days: int | Unset = UNSET
    active: bool | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        code = self.code

        name = self.name

        currency = self.currency

        interval = self.interval.value

        amount = self.amount

        created_at = self.created_at.isoformat()

        charges = []
        for charges_item_data in self.charges:
            charges_item = charges_item_data.to_dict()
            charges.append(charges_item)

        usage_thresholds = []
        for usage_thresholds_item_data in self.usage_thresholds:
            usage_thresholds_item = usage_thresholds_item_data.to_dict()
            usage_thresholds.append(usage_thresholds_item)

        minimum_amount = self.minimum_amount

        description = self.description

        trial_days = self.trial_days

        active = self.active

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "code": code,
                "name": name,
                "currency": currency,
                "interval": interval,
                "amount": amount,
                "created_at": created_at,
                "charges": charges,
                "usage_thresholds": usage_thresholds,
                "minimum_amount": minimum_amount,
            }
        )
        if description is not UNSET:
            field_dict["description"] = description
        if trial_days is not UNSET:
            field_dict["trial_days"] = trial_days
        if active is not UNSET:
            field_dict["active"] = active

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.charge_output import ChargeOutput  # noqa: PLC0415
        from ..models.threshold_output import ThresholdOutput  # noqa: PLC0415

        d = dict(src_dict)
        id = UUID(d.pop("id"))

        code = d.pop("code")

        name = d.pop("name")

        currency = d.pop("currency")

        interval = IntervalEnum(d.pop("interval"))

        amount = d.pop("amount")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        charges = []
        _charges = d.pop("charges")
        for charges_item_data in _charges:
            charges_item = ChargeOutput.from_dict(charges_item_data)

            charges.append(charges_item)

        usage_thresholds = []
        _usage_thresholds = d.pop("usage_thresholds")
        for usage_thresholds_item_data in _usage_thresholds:
            usage_thresholds_item = ThresholdOutput.from_dict(usage_thresholds_item_data)

            usage_thresholds.append(usage_thresholds_item)

        minimum_amount = d.pop("minimum_amount")

        description = d.pop("description", UNSET)

        trial_days = d.pop("trial_days", UNSET)

        active = d.pop("active", UNSET)

        plan_output = cls(
            id=id,
            code=code,
            name=name,
            currency=currency,
            interval=interval,
            amount=amount,
            created_at=created_at,
            charges=charges,
            usage_thresholds=usage_thresholds,
            minimum_amount=minimum_amount,
            description=description,
            trial_days=trial_days,
            active=active,
        )

        plan_output.additional_properties = d
        return plan_output

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
