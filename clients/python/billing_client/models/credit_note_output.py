from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.reason_enum import ReasonEnum
from ..models.refund_status_enum import RefundStatusEnum

T = TypeVar("T", bound="CreditNoteOutput")


@_attrs_define
class CreditNoteOutput:
    """Documents the credit note body (API.md's fields in its order, then the customer
    and currency); `credit_note_body` renders it without queries.

        Attributes:
            id (UUID):
            number (str): CN- and six digits, gapless per tenant
            invoice_id (UUID):
            amount (str):
            tax (str): Its share of the invoice's tax (part of amount)
            refund_amount (str): Paid back through the payment provider
            credit_amount (str): Credited to the customer balance
            refund_status (None | RefundStatusEnum): null when nothing is refunded

                * `pending` - Sent to the provider
                * `succeeded` - Refunded
                * `failed` - Failed (credited to the balance)
                * `not_sent` - Not sent (no payment provider)
            reason (ReasonEnum): * `duplicate` - Duplicate
                * `fraudulent` - Fraudulent
                * `order_change` - Order change
                * `product_unsatisfactory` - Product unsatisfactory
                * `other` - Other
            memo (str):
            created_at (datetime.datetime):
            customer_id (UUID):
            currency (str):
    """

    id: UUID
    number: str
    invoice_id: UUID
    amount: str
    tax: str
    refund_amount: str
    credit_amount: str
    refund_status: None | RefundStatusEnum
    reason: ReasonEnum
    memo: str
    created_at: datetime.datetime
    customer_id: UUID
    currency: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        number = self.number

        invoice_id = str(self.invoice_id)

        amount = self.amount

        tax = self.tax

        refund_amount = self.refund_amount

        credit_amount = self.credit_amount

        refund_status: None | str
        if isinstance(self.refund_status, RefundStatusEnum):
            refund_status = self.refund_status.value
        else:
            refund_status = self.refund_status

        reason = self.reason.value

        memo = self.memo

        created_at = self.created_at.isoformat()

        customer_id = str(self.customer_id)

        currency = self.currency

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "number": number,
                "invoice_id": invoice_id,
                "amount": amount,
                "tax": tax,
                "refund_amount": refund_amount,
                "credit_amount": credit_amount,
                "refund_status": refund_status,
                "reason": reason,
                "memo": memo,
                "created_at": created_at,
                "customer_id": customer_id,
                "currency": currency,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = UUID(d.pop("id"))

        number = d.pop("number")

        invoice_id = UUID(d.pop("invoice_id"))

        amount = d.pop("amount")

        tax = d.pop("tax")

        refund_amount = d.pop("refund_amount")

        credit_amount = d.pop("credit_amount")

        def _parse_refund_status(data: object) -> None | RefundStatusEnum:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                refund_status_type_0 = RefundStatusEnum(data)

                return refund_status_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | RefundStatusEnum, data)

        refund_status = _parse_refund_status(d.pop("refund_status"))

        reason = ReasonEnum(d.pop("reason"))

        memo = d.pop("memo")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        customer_id = UUID(d.pop("customer_id"))

        currency = d.pop("currency")

        credit_note_output = cls(
            id=id,
            number=number,
            invoice_id=invoice_id,
            amount=amount,
            tax=tax,
            refund_amount=refund_amount,
            credit_amount=credit_amount,
            refund_status=refund_status,
            reason=reason,
            memo=memo,
            created_at=created_at,
            customer_id=customer_id,
            currency=currency,
        )

        credit_note_output.additional_properties = d
        return credit_note_output

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
