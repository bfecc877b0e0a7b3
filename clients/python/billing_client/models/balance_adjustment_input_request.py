from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.currency_code import CurrencyCode

T = TypeVar("T", bound="BalanceAdjustmentInputRequest")


@_attrs_define
class BalanceAdjustmentInputRequest:
    """
    Attributes:
        currency (CurrencyCode):
        amount (str): Not 0; positive credits the customer, negative takes credit back (409 if the balance would go
            below 0); no more decimal places than the currency has
        description (str):
    """

    currency: CurrencyCode
    amount: str
    description: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        currency = self.currency.value

        amount = self.amount

        description = self.description

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "currency": currency,
                "amount": amount,
                "description": description,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        currency = CurrencyCode(d.pop("currency"))

        amount = d.pop("amount")

        description = d.pop("description")

        balance_adjustment_input_request = cls(
            currency=currency,
            amount=amount,
            description=description,
        )

        balance_adjustment_input_request.additional_properties = d
        return balance_adjustment_input_request

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
