from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.currency_code import CurrencyCode
from ..models.interval_enum import IntervalEnum
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.charge_input_request import ChargeInputRequest
    from ..models.threshold_input_request import ThresholdInputRequest


T = TypeVar("T", bound="PlanCreateInputRequest")


@_attrs_define
class PlanCreateInputRequest:
    """
    Attributes:
        code (str):
        name (str):
        interval (IntervalEnum): * `month` - Month
            * `year` - Year
        description (str | Unset):
        currency (CurrencyCode | Unset):
        amount (str | Unset): The flat fee per interval (default 0)
        trial_days (int | Unset):
        active (bool | Unset):
        charges (list[ChargeInputRequest] | Unset):
        usage_thresholds (list[ThresholdInputRequest] | Unset): Progressive billing: a threshold invoice as usage
            reaches each
        minimum_amount (str | Unset): Minimum commitment per period (default 0)
    """

    code: str
    name: str
    interval: IntervalEnum
    description: str | Unset = UNSET
    currency: CurrencyCode | Unset = UNSET
    amount: str | Unset = UNSET
    trial_days: int | Unset = UNSET
    active: bool | Unset = UNSET
    charges: list[ChargeInputRequest] | Unset = UNSET
    usage_thresholds: list[ThresholdInputRequest] | Unset = UNSET
    minimum_amount: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        code = self.code

        name = self.name

        interval = self.interval.value

        description = self.description

        currency: str | Unset = UNSET
        if not isinstance(self.currency, Unset):
            currency = self.currency.value

        amount = self.amount

        trial_days = self.trial_days

        active = self.active

        charges: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.charges, Unset):
            charges = []
            for charges_item_data in self.charges:
                charges_item = charges_item_data.to_dict()
                charges.append(charges_item)

        usage_thresholds: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.usage_thresholds, Unset):
            usage_thresholds = []
            for usage_thresholds_item_data in self.usage_thresholds:
                usage_thresholds_item = usage_thresholds_item_data.to_dict()
                usage_thresholds.append(usage_thresholds_item)

        minimum_amount = self.minimum_amount

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "code": code,
                "name": name,
                "interval": interval,
            }
        )
        if description is not UNSET:
            field_dict["description"] = description
        if currency is not UNSET:
            field_dict["currency"] = currency
        if amount is not UNSET:
            field_dict["amount"] = amount
        if trial_days is not UNSET:
            field_dict["trial_days"] = trial_days
        if active is not UNSET:
            field_dict["active"] = active
        if charges is not UNSET:
            field_dict["charges"] = charges
        if usage_thresholds is not UNSET:
            field_dict["usage_thresholds"] = usage_thresholds
        if minimum_amount is not UNSET:
            field_dict["minimum_amount"] = minimum_amount

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.charge_input_request import ChargeInputRequest  # noqa: PLC0415
        from ..models.threshold_input_request import ThresholdInputRequest  # noqa: PLC0415

        d = dict(src_dict)
        code = d.pop("code")

        name = d.pop("name")

        interval = IntervalEnum(d.pop("interval"))

        description = d.pop("description", UNSET)

        _currency = d.pop("currency", UNSET)
        currency: CurrencyCode | Unset
        if isinstance(_currency, Unset):
            currency = UNSET
        else:
            currency = CurrencyCode(_currency)

        amount = d.pop("amount", UNSET)

        trial_days = d.pop("trial_days", UNSET)

        active = d.pop("active", UNSET)

        _charges = d.pop("charges", UNSET)
        charges: list[ChargeInputRequest] | Unset = UNSET
        if _charges is not UNSET:
            charges = []
            for charges_item_data in _charges:
                charges_item = ChargeInputRequest.from_dict(charges_item_data)

                charges.append(charges_item)

        _usage_thresholds = d.pop("usage_thresholds", UNSET)
        usage_thresholds: list[ThresholdInputRequest] | Unset = UNSET
        if _usage_thresholds is not UNSET:
            usage_thresholds = []
            for usage_thresholds_item_data in _usage_thresholds:
                usage_thresholds_item = ThresholdInputRequest.from_dict(usage_thresholds_item_data)

                usage_thresholds.append(usage_thresholds_item)

        minimum_amount = d.pop("minimum_amount", UNSET)

        plan_create_input_request = cls(
            code=code,
            name=name,
            interval=interval,
            description=description,
            currency=currency,
            amount=amount,
            trial_days=trial_days,
            active=active,
            charges=charges,
            usage_thresholds=usage_thresholds,
            minimum_amount=minimum_amount,
        )

        plan_create_input_request.additional_properties = d
        return plan_create_input_request

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
