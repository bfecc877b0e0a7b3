from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.tenant_dunning_input_request import TenantDunningInputRequest


T = TypeVar("T", bound="PatchedTenantUpdateInputRequest")


@_attrs_define
class PatchedTenantUpdateInputRequest:
    """
    Attributes:
        default_tax_rates (list[str] | Unset): Codes of active tax rates, in order; [] for none. Replaces the list.
        dunning (TenantDunningInputRequest | Unset):
    """

    default_tax_rates: list[str] | Unset = UNSET
    dunning: TenantDunningInputRequest | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        default_tax_rates: list[str] | Unset = UNSET
        if not isinstance(self.default_tax_rates, Unset):
            default_tax_rates = self.default_tax_rates

        dunning: dict[str, Any] | Unset = UNSET
        if not isinstance(self.dunning, Unset):
            dunning = self.dunning.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if default_tax_rates is not UNSET:
            field_dict["default_tax_rates"] = default_tax_rates
        if dunning is not UNSET:
            field_dict["dunning"] = dunning

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.tenant_dunning_input_request import TenantDunningInputRequest  # noqa: PLC0415

        d = dict(src_dict)
        default_tax_rates = cast(list[str], d.pop("default_tax_rates", UNSET))

        _dunning = d.pop("dunning", UNSET)
        dunning: TenantDunningInputRequest | Unset
        if isinstance(_dunning, Unset):
            dunning = UNSET
        else:
            dunning = TenantDunningInputRequest.from_dict(_dunning)

        patched_tenant_update_input_request = cls(
            default_tax_rates=default_tax_rates,
            dunning=dunning,
        )

        patched_tenant_update_input_request.additional_properties = d
        return patched_tenant_update_input_request

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
