from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.credit_grant_entry_kind_enum import CreditGrantEntryKindEnum

T = TypeVar("T", bound="CreditGrantEntryOutput")


@_attrs_define
class CreditGrantEntryOutput:
    """
    Attributes:
        id (int):
        kind (CreditGrantEntryKindEnum): * `used` - Used by an invoice
            * `invoice_voided` - Given back by a voided invoice
            * `expired` - Expired
            * `voided` - Voided
        amount (str): Taken off `remaining`; negative: given back (a voided invoice)
        invoice_id (None | UUID):
        credit_note_id (None | UUID):
        description (str):
        created_at (datetime.datetime):
    """

    id: int
    kind: CreditGrantEntryKindEnum
    amount: str
    invoice_id: None | UUID
    credit_note_id: None | UUID
    description: str
    created_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        kind = self.kind.value

        amount = self.amount

        invoice_id: None | str
        if isinstance(self.invoice_id, UUID):
            invoice_id = str(self.invoice_id)
        else:
            invoice_id = self.invoice_id

        credit_note_id: None | str
        if isinstance(self.credit_note_id, UUID):
            credit_note_id = str(self.credit_note_id)
        else:
            credit_note_id = self.credit_note_id

        description = self.description

        created_at = self.created_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "kind": kind,
                "amount": amount,
                "invoice_id": invoice_id,
                "credit_note_id": credit_note_id,
                "description": description,
                "created_at": created_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        kind = CreditGrantEntryKindEnum(d.pop("kind"))

        amount = d.pop("amount")

        def _parse_invoice_id(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                invoice_id_type_0 = UUID(data)

                return invoice_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        invoice_id = _parse_invoice_id(d.pop("invoice_id"))

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

        description = d.pop("description")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        credit_grant_entry_output = cls(
            id=id,
            kind=kind,
            amount=amount,
            invoice_id=invoice_id,
            credit_note_id=credit_note_id,
            description=description,
            created_at=created_at,
        )

        credit_grant_entry_output.additional_properties = d
        return credit_grant_entry_output

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
