from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.customer_create_input_request_metadata import CustomerCreateInputRequestMetadata


T = TypeVar("T", bound="CustomerCreateInputRequest")


@_attrs_define
class CustomerCreateInputRequest:
    """
    Attributes:
        external_id (str):
        name (str):
        email (None | str | Unset):
        metadata (CustomerCreateInputRequestMetadata | Unset): A JSON object: at most 50 keys and 8192 bytes as compact
            UTF-8 JSON, without NUL characters
        tax_rates (list[str] | Unset): Codes of active tax rates, in order; when not empty, instead of the tenant's
            default rates
        tax_exempt (bool | Unset): Pays no tax (default false)
    """

    external_id: str
    name: str
    email: None | str | Unset = UNSET
    metadata: CustomerCreateInputRequestMetadata | Unset = UNSET
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
        field_dict.update(
            {
                "external_id": external_id,
                "name": name,
            }
        )
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
        from ..models.customer_create_input_request_metadata import CustomerCreateInputRequestMetadata  # noqa: PLC0415

        d = dict(src_dict)
        external_id = d.pop("external_id")

        name = d.pop("name")

        def _parse_email(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        email = _parse_email(d.pop("email", UNSET))

        _metadata = d.pop("metadata", UNSET)
        metadata: CustomerCreateInputRequestMetadata | Unset
        if isinstance(_metadata, Unset):
            metadata = UNSET
        else:
            metadata = CustomerCreateInputRequestMetadata.from_dict(_metadata)

        tax_rates = cast(list[str], d.pop("tax_rates", UNSET))

        tax_exempt = d.pop("tax_exempt", UNSET)

        customer_create_input_request = cls(
            external_id=external_id,
            name=name,
            email=email,
            metadata=metadata,
            tax_rates=tax_rates,
            tax_exempt=tax_exempt,
        )

        customer_create_input_request.additional_properties = d
        return customer_create_input_request

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
