from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="CustomerOutput")


@_attrs_define
class CustomerOutput:
    """
    Attributes:
        id (UUID):
        external_id (str): The tenant's own id for this customer
        name (str):
        email (None | str):
        tax_rates (list[str]): Codes of the customer's own tax rates, in order; [] pays the tenant's default rates
        created_at (datetime.datetime):
        metadata (Any | Unset): A JSON object: at most 50 keys and 8 KB
        tax_exempt (bool | Unset): Pays no tax, whatever the rates
    """

    id: UUID
    external_id: str
    name: str
    email: None | str
    tax_rates: list[str]
    created_at: datetime.datetime
    metadata: Any | Unset = UNSET
    tax_exempt: bool | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        external_id = self.external_id

        name = self.name

        email: None | str
        email = self.email

        tax_rates = self.tax_rates

        created_at = self.created_at.isoformat()

        metadata = self.metadata

        tax_exempt = self.tax_exempt

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "external_id": external_id,
                "name": name,
                "email": email,
                "tax_rates": tax_rates,
                "created_at": created_at,
            }
        )
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if tax_exempt is not UNSET:
            field_dict["tax_exempt"] = tax_exempt

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = UUID(d.pop("id"))

        external_id = d.pop("external_id")

        name = d.pop("name")

        def _parse_email(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        email = _parse_email(d.pop("email"))

        tax_rates = cast(list[str], d.pop("tax_rates"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        metadata = d.pop("metadata", UNSET)

        tax_exempt = d.pop("tax_exempt", UNSET)

        customer_output = cls(
            id=id,
            external_id=external_id,
            name=name,
            email=email,
            tax_rates=tax_rates,
            created_at=created_at,
            metadata=metadata,
            tax_exempt=tax_exempt,
        )

        customer_output.additional_properties = d
        return customer_output

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
