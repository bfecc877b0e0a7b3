from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.reason_enum import ReasonEnum
from ..types import UNSET, Unset

T = TypeVar("T", bound="CreditNoteCreateInputRequest")


@_attrs_define
class CreditNoteCreateInputRequest:
    """
    Attributes:
        amount (str): > 0, in the invoice's currency (at most its minor unit)
        reason (ReasonEnum): * `duplicate` - Duplicate
            * `fraudulent` - Fraudulent
            * `order_change` - Order change
            * `product_unsatisfactory` - Product unsatisfactory
            * `other` - Other
        memo (str | Unset):
        refund_amount (str | Unset): Paid invoices only: paid back through the provider
        credit_amount (str | Unset): Paid invoices only: credited to the customer balance
    """

    amount: str
    reason: ReasonEnum
    memo: str | Unset = UNSET
    refund_amount: str | Unset = UNSET
    credit_amount: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        amount = self.amount

        reason = self.reason.value

        memo = self.memo

        refund_amount = self.refund_amount

        credit_amount = self.credit_amount

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "amount": amount,
                "reason": reason,
            }
        )
        if memo is not UNSET:
            field_dict["memo"] = memo
        if refund_amount is not UNSET:
            field_dict["refund_amount"] = refund_amount
        if credit_amount is not UNSET:
            field_dict["credit_amount"] = credit_amount

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        amount = d.pop("amount")

        reason = ReasonEnum(d.pop("reason"))

        memo = d.pop("memo", UNSET)

        refund_amount = d.pop("refund_amount", UNSET)

        credit_amount = d.pop("credit_amount", UNSET)

        credit_note_create_input_request = cls(
            amount=amount,
            reason=reason,
            memo=memo,
            refund_amount=refund_amount,
            credit_amount=credit_amount,
        )

        credit_note_create_input_request.additional_properties = d
        return credit_note_create_input_request

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
