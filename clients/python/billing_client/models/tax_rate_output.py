from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="TaxRateOutput")


@_attrs_define
class TaxRateOutput:
    """
    Attributes:
        id (UUID):
        code (str): Unique in the tenant; lists name the rate by it
        name (str): Shown on invoices: "State sales tax"
        percentage (str):  Example: 8.875.
        created_at (datetime.datetime):
        active (bool | Unset): Inactive rates cannot be added to a list
    """

    id: UUID
    code: str
    name: str
    percentage: str
    created_at: datetime.datetime
    active: bool | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        code = self.code

        name = self.name

        percentage = self.percentage

        created_at = self.created_at.isoformat()

        active = self.active

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "code": code,
                "name": name,
                "percentage": percentage,
                "created_at": created_at,
            }
        )
        if active is not UNSET:
            field_dict["active"] = active

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = UUID(d.pop("id"))

        code = d.pop("code")

        name = d.pop("name")

        percentage = d.pop("percentage")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        active = d.pop("active", UNSET)

        tax_rate_output = cls(
            id=id,
            code=code,
            name=name,
            percentage=percentage,
            created_at=created_at,
            active=active,
        )

        tax_rate_output.additional_properties = d
        return tax_rate_output

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
