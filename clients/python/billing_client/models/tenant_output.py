from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="TenantOutput")


@_attrs_define
class TenantOutput:
    """
    Attributes:
        id (UUID):
        name (str):
        sandbox (bool): Lives on its own clock; set at sign-up
        created_at (datetime.datetime):
        default_currency (str | Unset): ISO 4217 code, upper case
    """

    id: UUID
    name: str
    sandbox: bool
    created_at: datetime.datetime
    default_currency: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        name = self.name

        sandbox = self.sandbox

        created_at = self.created_at.isoformat()

        default_currency = self.default_currency

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "name": name,
                "sandbox": sandbox,
                "created_at": created_at,
            }
        )
        if default_currency is not UNSET:
            field_dict["default_currency"] = default_currency

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = UUID(d.pop("id"))

        name = d.pop("name")

        sandbox = d.pop("sandbox")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        default_currency = d.pop("default_currency", UNSET)

        tenant_output = cls(
            id=id,
            name=name,
            sandbox=sandbox,
            created_at=created_at,
            default_currency=default_currency,
        )

        tenant_output.additional_properties = d
        return tenant_output

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
