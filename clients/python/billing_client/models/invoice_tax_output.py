from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="InvoiceTaxOutput")


@_attrs_define
class InvoiceTaxOutput:
    """
    Attributes:
        code (str):
        name (str):
        percentage (str): "8.875": a percentage, without trailing zeros
        taxable (str): subtotal − discount (negative on a credit)
        amount (str): round(taxable × percentage / 100), this rate alone
    """

    code: str
    name: str
    percentage: str
    taxable: str
    amount: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        code = self.code

        name = self.name

        percentage = self.percentage

        taxable = self.taxable

        amount = self.amount

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "code": code,
                "name": name,
                "percentage": percentage,
                "taxable": taxable,
                "amount": amount,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        code = d.pop("code")

        name = d.pop("name")

        percentage = d.pop("percentage")

        taxable = d.pop("taxable")

        amount = d.pop("amount")

        invoice_tax_output = cls(
            code=code,
            name=name,
            percentage=percentage,
            taxable=taxable,
            amount=amount,
        )

        invoice_tax_output.additional_properties = d
        return invoice_tax_output

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
