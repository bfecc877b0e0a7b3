from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.category_enum import CategoryEnum
from ..models.currency_code import CurrencyCode
from ..types import UNSET, Unset

T = TypeVar("T", bound="CreditGrantCreateInputRequest")


@_attrs_define
class CreditGrantCreateInputRequest:
    """
    Attributes:
        amount (str): > 0, at most the currency's minor unit
        currency (CurrencyCode):
        category (CategoryEnum): * `paid` - Paid
            * `promotional` - Promotional
        priority (int | Unset): Lowest is used first Default: 50.
        effective_at (datetime.datetime | Unset): Default: now
        expires_at (datetime.datetime | None | Unset): Default: never
        name (str | Unset):
        invoice (bool | None | Unset): Paid grants only (default true): issue a credit_purchase invoice
    """

    amount: str
    currency: CurrencyCode
    category: CategoryEnum
    priority: int | Unset = 50
    effective_at: datetime.datetime | Unset = UNSET
    expires_at: datetime.datetime | None | Unset = UNSET
    name: str | Unset = UNSET
    invoice: bool | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        amount = self.amount

        currency = self.currency.value

        category = self.category.value

        priority = self.priority

        effective_at: str | Unset = UNSET
        if not isinstance(self.effective_at, Unset):
            effective_at = self.effective_at.isoformat()

        expires_at: None | str | Unset
        if isinstance(self.expires_at, Unset):
            expires_at = UNSET
        elif isinstance(self.expires_at, datetime.datetime):
            expires_at = self.expires_at.isoformat()
        else:
            expires_at = self.expires_at

        name = self.name

        invoice: bool | None | Unset
        if isinstance(self.invoice, Unset):
            invoice = UNSET
        else:
            invoice = self.invoice

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "amount": amount,
                "currency": currency,
                "category": category,
            }
        )
        if priority is not UNSET:
            field_dict["priority"] = priority
        if effective_at is not UNSET:
            field_dict["effective_at"] = effective_at
        if expires_at is not UNSET:
            field_dict["expires_at"] = expires_at
        if name is not UNSET:
            field_dict["name"] = name
        if invoice is not UNSET:
            field_dict["invoice"] = invoice

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        amount = d.pop("amount")

        currency = CurrencyCode(d.pop("currency"))

        category = CategoryEnum(d.pop("category"))

        priority = d.pop("priority", UNSET)

        _effective_at = d.pop("effective_at", UNSET)
        effective_at: datetime.datetime | Unset
        if isinstance(_effective_at, Unset):
            effective_at = UNSET
        else:
            effective_at = datetime.datetime.fromisoformat(_effective_at)

        def _parse_expires_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                expires_at_type_0 = datetime.datetime.fromisoformat(data)

                return expires_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        expires_at = _parse_expires_at(d.pop("expires_at", UNSET))

        name = d.pop("name", UNSET)

        def _parse_invoice(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        invoice = _parse_invoice(d.pop("invoice", UNSET))

        credit_grant_create_input_request = cls(
            amount=amount,
            currency=currency,
            category=category,
            priority=priority,
            effective_at=effective_at,
            expires_at=expires_at,
            name=name,
            invoice=invoice,
        )

        credit_grant_create_input_request.additional_properties = d
        return credit_grant_create_input_request

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
