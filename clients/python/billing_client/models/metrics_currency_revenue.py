from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.metrics_revenue_month import MetricsRevenueMonth


T = TypeVar("T", bound="MetricsCurrencyRevenue")


@_attrs_define
class MetricsCurrencyRevenue:
    """
    Attributes:
        currency (str):
        months (list[MetricsRevenueMonth]):
    """

    currency: str
    months: list[MetricsRevenueMonth]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        currency = self.currency

        months = []
        for months_item_data in self.months:
            months_item = months_item_data.to_dict()
            months.append(months_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "currency": currency,
                "months": months,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.metrics_revenue_month import MetricsRevenueMonth  # noqa: PLC0415

        d = dict(src_dict)
        currency = d.pop("currency")

        months = []
        _months = d.pop("months")
        for months_item_data in _months:
            months_item = MetricsRevenueMonth.from_dict(months_item_data)

            months.append(months_item)

        metrics_currency_revenue = cls(
            currency=currency,
            months=months,
        )

        metrics_currency_revenue.additional_properties = d
        return metrics_currency_revenue

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
