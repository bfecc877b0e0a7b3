from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.category_enum import CategoryEnum
from ..models.credit_grant_status_enum import CreditGrantStatusEnum

if TYPE_CHECKING:
    from ..models.credit_grant_entry_output import CreditGrantEntryOutput


T = TypeVar("T", bound="CreditGrantDetailOutput")


@_attrs_define
class CreditGrantDetailOutput:
    """Documents the grant body; `credit_grant_body` renders it.

    Attributes:
        id (UUID):
        customer_id (UUID):
        name (str):
        category (CategoryEnum): * `paid` - Paid
            * `promotional` - Promotional
        currency (str):
        amount (str):
        remaining (str): amount − used − expired − voided, never below 0
        used (str):
        expired (str):
        voided (str):
        priority (int):
        status (CreditGrantStatusEnum): * `pending` - Pending (purchase invoice not paid)
            * `active` - Active
            * `depleted` - Depleted
            * `expired` - Expired
            * `voided` - Voided
        effective_at (datetime.datetime):
        expires_at (datetime.datetime | None):
        invoice_id (None | UUID): Paid grants: the credit_purchase invoice
        created_at (datetime.datetime):
        ledger (list[CreditGrantEntryOutput]): Its entries, in the order they were written
    """

    id: UUID
    customer_id: UUID
    name: str
    category: CategoryEnum
    currency: str
    amount: str
    remaining: str
    used: str
    expired: str
    voided: str
    priority: int
    status: CreditGrantStatusEnum
    effective_at: datetime.datetime
    expires_at: datetime.datetime | None
    invoice_id: None | UUID
    created_at: datetime.datetime
    ledger: list[CreditGrantEntryOutput]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        customer_id = str(self.customer_id)

        name = self.name

        category = self.category.value

        currency = self.currency

        amount = self.amount

        remaining = self.remaining

        used = self.used

        expired = self.expired

        voided = self.voided

        priority = self.priority

        status = self.status.value

        effective_at = self.effective_at.isoformat()

        expires_at: None | str
        if isinstance(self.expires_at, datetime.datetime):
            expires_at = self.expires_at.isoformat()
        else:
            expires_at = self.expires_at

        invoice_id: None | str
        if isinstance(self.invoice_id, UUID):
            invoice_id = str(self.invoice_id)
        else:
            invoice_id = self.invoice_id

        created_at = self.created_at.isoformat()

        ledger = []
        for ledger_item_data in self.ledger:
            ledger_item = ledger_item_data.to_dict()
            ledger.append(ledger_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "customer_id": customer_id,
                "name": name,
                "category": category,
                "currency": currency,
                "amount": amount,
                "remaining": remaining,
                "used": used,
                "expired": expired,
                "voided": voided,
                "priority": priority,
                "status": status,
                "effective_at": effective_at,
                "expires_at": expires_at,
                "invoice_id": invoice_id,
                "created_at": created_at,
                "ledger": ledger,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.credit_grant_entry_output import CreditGrantEntryOutput  # noqa: PLC0415

        d = dict(src_dict)
        id = UUID(d.pop("id"))

        customer_id = UUID(d.pop("customer_id"))

        name = d.pop("name")

        category = CategoryEnum(d.pop("category"))

        currency = d.pop("currency")

        amount = d.pop("amount")

        remaining = d.pop("remaining")

        used = d.pop("used")

        expired = d.pop("expired")

        voided = d.pop("voided")

        priority = d.pop("priority")

        status = CreditGrantStatusEnum(d.pop("status"))

        effective_at = datetime.datetime.fromisoformat(d.pop("effective_at"))

        def _parse_expires_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                expires_at_type_0 = datetime.datetime.fromisoformat(data)

                return expires_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        expires_at = _parse_expires_at(d.pop("expires_at"))

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

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        ledger = []
        _ledger = d.pop("ledger")
        for ledger_item_data in _ledger:
            ledger_item = CreditGrantEntryOutput.from_dict(ledger_item_data)

            ledger.append(ledger_item)

        credit_grant_detail_output = cls(
            id=id,
            customer_id=customer_id,
            name=name,
            category=category,
            currency=currency,
            amount=amount,
            remaining=remaining,
            used=used,
            expired=expired,
            voided=voided,
            priority=priority,
            status=status,
            effective_at=effective_at,
            expires_at=expires_at,
            invoice_id=invoice_id,
            created_at=created_at,
            ledger=ledger,
        )

        credit_grant_detail_output.additional_properties = d
        return credit_grant_detail_output

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
