from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.outcome_enum import OutcomeEnum

T = TypeVar("T", bound="PaymentWebhookOutput")


@_attrs_define
class PaymentWebhookOutput:
    """
    Attributes:
        webhook_id (str):
        invoice_id (UUID):
        credit_note_id (None | UUID): refund.*: the credit note; null for payment.*
        outcome (OutcomeEnum): * `paid` - Invoice paid
            * `already_paid` - Invoice already paid (no change)
            * `payment_failed` - Payment failed (subscription past due)
            * `ignored` - Failure of an invoice no longer open (no change)
            * `amount_mismatch` - Amount or currency differs from the invoice
            * `invoice_not_payable` - Paid, but the invoice is void
            * `overpaid` - Invoice already settled: the whole amount went to the customer balance
            * `refunded` - Refund succeeded
            * `refund_failed` - Refund failed (credited to the customer balance)
            * `refund_settled` - Refund already settled (no change)
        duplicate (bool): True when this webhook-id was received before
    """

    webhook_id: str
    invoice_id: UUID
    credit_note_id: None | UUID
    outcome: OutcomeEnum
    duplicate: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        webhook_id = self.webhook_id

        invoice_id = str(self.invoice_id)

        credit_note_id: None | str
        if isinstance(self.credit_note_id, UUID):
            credit_note_id = str(self.credit_note_id)
        else:
            credit_note_id = self.credit_note_id

        outcome = self.outcome.value

        duplicate = self.duplicate

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "webhook_id": webhook_id,
                "invoice_id": invoice_id,
                "credit_note_id": credit_note_id,
                "outcome": outcome,
                "duplicate": duplicate,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        webhook_id = d.pop("webhook_id")

        invoice_id = UUID(d.pop("invoice_id"))

        def _parse_credit_note_id(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                credit_note_id_type_0 = UUID(data)

                return credit_note_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        credit_note_id = _parse_credit_note_id(d.pop("credit_note_id"))

        outcome = OutcomeEnum(d.pop("outcome"))

        duplicate = d.pop("duplicate")

        payment_webhook_output = cls(
            webhook_id=webhook_id,
            invoice_id=invoice_id,
            credit_note_id=credit_note_id,
            outcome=outcome,
            duplicate=duplicate,
        )

        payment_webhook_output.additional_properties = d
        return payment_webhook_output

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
