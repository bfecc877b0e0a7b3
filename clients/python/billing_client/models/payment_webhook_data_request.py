from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="PaymentWebhookDataRequest")


@_attrs_define
class PaymentWebhookDataRequest:
    """
    Attributes:
        amount (str): Decimal string, like "73.50"
        invoice_id (UUID | Unset): payment.*: the invoice charged (required)
        credit_note_id (UUID | Unset): refund.*: the credit note refunded (required)
        currency (str | Unset): ISO 4217, upper case (required for payment.*)
        failure_reason (None | str | Unset):
    """

    amount: str
    invoice_id: UUID | Unset = UNSET
    credit_note_id: UUID | Unset = UNSET
    currency: str | Unset = UNSET
    failure_reason: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        amount = self.amount

        invoice_id: str | Unset = UNSET
        if not isinstance(self.invoice_id, Unset):
            invoice_id = str(self.invoice_id)

        credit_note_id: str | Unset = UNSET
        if not isinstance(self.credit_note_id, Unset):
            credit_note_id = str(self.credit_note_id)

        currency = self.currency

        failure_reason: None | str | Unset
        if isinstance(self.failure_reason, Unset):
            failure_reason = UNSET
        else:
            failure_reason = self.failure_reason

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "amount": amount,
            }
        )
        if invoice_id is not UNSET:
            field_dict["invoice_id"] = invoice_id
        if credit_note_id is not UNSET:
            field_dict["credit_note_id"] = credit_note_id
        if currency is not UNSET:
            field_dict["currency"] = currency
        if failure_reason is not UNSET:
            field_dict["failure_reason"] = failure_reason

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        amount = d.pop("amount")

        _invoice_id = d.pop("invoice_id", UNSET)
        invoice_id: UUID | Unset
        if isinstance(_invoice_id, Unset):
            invoice_id = UNSET
        else:
            invoice_id = UUID(_invoice_id)

        _credit_note_id = d.pop("credit_note_id", UNSET)
        credit_note_id: UUID | Unset
        if isinstance(_credit_note_id, Unset):
            credit_note_id = UNSET
        else:
            credit_note_id = UUID(_credit_note_id)

        currency = d.pop("currency", UNSET)

        def _parse_failure_reason(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        failure_reason = _parse_failure_reason(d.pop("failure_reason", UNSET))

        payment_webhook_data_request = cls(
            amount=amount,
            invoice_id=invoice_id,
            credit_note_id=credit_note_id,
            currency=currency,
            failure_reason=failure_reason,
        )

        payment_webhook_data_request.additional_properties = d
        return payment_webhook_data_request

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
