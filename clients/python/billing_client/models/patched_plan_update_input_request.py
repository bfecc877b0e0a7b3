from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="PatchedPlanUpdateInputRequest")


@_attrs_define
class PatchedPlanUpdateInputRequest:
    """
    Attributes:
        name (str | Unset):
        description (str | Unset):
        active (bool | Unset):
        code (Any | Unset): The prices of a plan cannot change (code, currency, interval, amount, trial_days and charges
            are fixed): create a new plan instead.
        currency (Any | Unset): The prices of a plan cannot change (code, currency, interval, amount, trial_days and
            charges are fixed): create a new plan instead.
        interval (Any | Unset): The prices of a plan cannot change (code, currency, interval, amount, trial_days and
            charges are fixed): create a new plan instead.
        amount (Any | Unset): The prices of a plan cannot change (code, currency, interval, amount, trial_days and
            charges are fixed): create a new plan instead.
        trial_days (Any | Unset): The prices of a plan cannot change (code, currency, interval, amount, trial_days and
            charges are fixed): create a new plan instead.
        charges (Any | Unset): The prices of a plan cannot change (code, currency, interval, amount, trial_days and
            charges are fixed): create a new plan instead.
        usage_thresholds (Any | Unset): The prices of a plan cannot change (code, currency, interval, amount, trial_days
            and charges are fixed): create a new plan instead.
        minimum_amount (Any | Unset): The prices of a plan cannot change (code, currency, interval, amount, trial_days
            and charges are fixed): create a new plan instead.
    """

    name: str | Unset = UNSET
    description: str | Unset = UNSET
    active: bool | Unset = UNSET
    code: Any | Unset = UNSET
    currency: Any | Unset = UNSET
    interval: Any | Unset = UNSET
    amount: Any | Unset = UNSET
    trial_days: Any | Unset = UNSET
    charges: Any | Unset = UNSET
    usage_thresholds: Any | Unset = UNSET
    minimum_amount: Any | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        description = self.description

        active = self.active

        code = self.code

        currency = self.currency

        interval = self.interval

        amount = self.amount

        trial_days = self.trial_days

        charges = self.charges

        usage_thresholds = self.usage_thresholds

        minimum_amount = self.minimum_amount

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if name is not UNSET:
            field_dict["name"] = name
        if description is not UNSET:
            field_dict["description"] = description
        if active is not UNSET:
            field_dict["active"] = active
        if code is not UNSET:
            field_dict["code"] = code
        if currency is not UNSET:
            field_dict["currency"] = currency
        if interval is not UNSET:
            field_dict["interval"] = interval
        if amount is not UNSET:
            field_dict["amount"] = amount
        if trial_days is not UNSET:
            field_dict["trial_days"] = trial_days
        if charges is not UNSET:
            field_dict["charges"] = charges
        if usage_thresholds is not UNSET:
            field_dict["usage_thresholds"] = usage_thresholds
        if minimum_amount is not UNSET:
            field_dict["minimum_amount"] = minimum_amount

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name", UNSET)

        description = d.pop("description", UNSET)

        active = d.pop("active", UNSET)

        code = d.pop("code", UNSET)

        currency = d.pop("currency", UNSET)

        interval = d.pop("interval", UNSET)

        amount = d.pop("amount", UNSET)

        trial_days = d.pop("trial_days", UNSET)

        charges = d.pop("charges", UNSET)

        usage_thresholds = d.pop("usage_thresholds", UNSET)

        minimum_amount = d.pop("minimum_amount", UNSET)

        patched_plan_update_input_request = cls(
            name=name,
            description=description,
            active=active,
            code=code,
            currency=currency,
            interval=interval,
            amount=amount,
            trial_days=trial_days,
            charges=charges,
            usage_thresholds=usage_thresholds,
            minimum_amount=minimum_amount,
        )

        patched_plan_update_input_request.additional_properties = d
        return patched_plan_update_input_request

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
