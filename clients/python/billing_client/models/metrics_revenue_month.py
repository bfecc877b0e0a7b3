from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="MetricsRevenueMonth")


@_attrs_define
class MetricsRevenueMonth:
    """
    Attributes:
        month (str): The UTC month, YYYY-MM
        invoiced (str): Totals of the non-void invoices issued in the month
        paid (str): Totals of the invoices paid in the month
    """

    month: str
    invoiced: str
    paid: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        month = self.month

        invoiced = self.invoiced

        paid = self.paid

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "month": month,
                "invoiced": invoiced,
                "paid": paid,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        month = d.pop("month")

        invoiced = d.pop("invoiced")

        paid = d.pop("paid")

        metrics_revenue_month = cls(
            month=month,
            invoiced=invoiced,
            paid=paid,
        )

        metrics_revenue_month.additional_properties = d
        return metrics_revenue_month

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
