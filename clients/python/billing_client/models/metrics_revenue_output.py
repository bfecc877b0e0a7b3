from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.metrics_currency_revenue import MetricsCurrencyRevenue


T = TypeVar("T", bound="MetricsRevenueOutput")


@_attrs_define
class MetricsRevenueOutput:
    """
    Attributes:
        from_ (datetime.datetime):
        to (datetime.datetime):
        currencies (list[MetricsCurrencyRevenue]):
    """

    from_: datetime.datetime
    to: datetime.datetime
    currencies: list[MetricsCurrencyRevenue]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from_ = self.from_.isoformat()

        to = self.to.isoformat()

        currencies = []
        for currencies_item_data in self.currencies:
            currencies_item = currencies_item_data.to_dict()
            currencies.append(currencies_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "from": from_,
                "to": to,
                "currencies": currencies,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.metrics_currency_revenue import MetricsCurrencyRevenue  # noqa: PLC0415

        d = dict(src_dict)
        from_ = datetime.datetime.fromisoformat(d.pop("from"))

        to = datetime.datetime.fromisoformat(d.pop("to"))

        currencies = []
        _currencies = d.pop("currencies")
        for currencies_item_data in _currencies:
            currencies_item = MetricsCurrencyRevenue.from_dict(currencies_item_data)

            currencies.append(currencies_item)

        metrics_revenue_output = cls(
            from_=from_,
            to=to,
            currencies=currencies,
        )

        metrics_revenue_output.additional_properties = d
        return metrics_revenue_output

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
