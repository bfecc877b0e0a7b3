from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.patched_customer_update_input_request_metadata import PatchedCustomerUpdateInputRequestMetadata


T = TypeVar("T", bound="PatchedCustomerUpdateInputRequest")


@_attrs_define
class PatchedCustomerUpdateInputRequest:
    """
    Attributes:
        external_id (str | Unset): Fixed: only its current value
        name (str | Unset):
        email (None | str | Unset):
        metadata (PatchedCustomerUpdateInputRequestMetadata | Unset): Replaces the whole object
        tax_rates (list[str] | Unset): Codes of active tax rates, in order; when not empty, instead of the tenant's
            default rates
        tax_exempt (bool | Unset):
    """

    external_id: str | Unset = UNSET
    name: str | Unset = UNSET
    email: None | str | Unset = UNSET
    metadata: PatchedCustomerUpdateInputRequestMetadata | Unset = UNSET
    tax_rates: list[str] | Unset = UNSET
    tax_exempt: bool | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        external_id = self.external_id

        name = self.name

        email: None | str | Unset
        if isinstance(self.email, Unset):
            email = UNSET
        else:
            email = self.email

        metadata: dict[str, Any] | Unset = UNSET
        if not isinstance(self.metadata, Unset):
            metadata = self.metadata.to_dict()

        tax_rates: list[str] | Unset = UNSET
        if not isinstance(self.tax_rates, Unset):
            tax_rates = self.tax_rates

        tax_exempt = self.tax_exempt

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if external_id is not UNSET:
            field_dict["external_id"] = external_id
        if name is not UNSET:
            field_dict["name"] = name
        if email is not UNSET:
            field_dict["email"] = email
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if tax_rates is not UNSET:
            field_dict["tax_rates"] = tax_rates
        if tax_exempt is not UNSET:
            field_dict["tax_exempt"] = tax_exempt

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.patched_customer_update_input_request_metadata import PatchedCustomerUpdateInputRequestMetadata  # noqa: PLC0415

        d = dict(src_dict)
        external_id = d.pop("external_id", UNSET)

        name = d.pop("name", UNSET)

        def _parse_email(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        email = _parse_email(d.pop("email", UNSET))

        _metadata = d.pop("metadata", UNSET)
        metadata: PatchedCustomerUpdateInputRequestMetadata | Unset
        if isinstance(_metadata, Unset):
            metadata = UNSET
        else:
            metadata = PatchedCustomerUpdateInputRequestMetadata.from_dict(_metadata)

        tax_rates = cast(list[str], d.pop("tax_rates", UNSET))

        tax_exempt = d.pop("tax_exempt", UNSET)

        patched_customer_update_input_request = cls(
            external_id=external_id,
            name=name,
            email=email,
            metadata=metadata,
            tax_rates=tax_rates,
            tax_exempt=tax_exempt,
        )

        patched_customer_update_input_request.additional_properties = d
        return patched_customer_update_input_request

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
