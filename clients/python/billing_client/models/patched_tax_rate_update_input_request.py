from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="PatchedTaxRateUpdateInputRequest")


@_attrs_define
class PatchedTaxRateUpdateInputRequest:
    """
    Attributes:
        name (str | Unset):
        active (bool | Unset):
        code (Any | Unset): Never changes (400 naming it): create a new tax rate instead.
        percentage (Any | Unset): Never changes (400 naming it): create a new tax rate instead.
    """

    name: str | Unset = UNSET
    active: bool | Unset = UNSET
    code: Any | Unset = UNSET
    percentage: Any | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        active = self.active

        code = self.code

        percentage = self.percentage

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if name is not UNSET:
            field_dict["name"] = name
        if active is not UNSET:
            field_dict["active"] = active
        if code is not UNSET:
            field_dict["code"] = code
        if percentage is not UNSET:
            field_dict["percentage"] = percentage

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name", UNSET)

        active = d.pop("active", UNSET)

        code = d.pop("code", UNSET)

        percentage = d.pop("percentage", UNSET)

        patched_tax_rate_update_input_request = cls(
            name=name,
            active=active,
            code=code,
            percentage=percentage,
        )

        patched_tax_rate_update_input_request.additional_properties = d
        return patched_tax_rate_update_input_request

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
