from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.metrics_currency_mrr import MetricsCurrencyMrr


T = TypeVar("T", bound="MetricsMrrOutput")


@_attrs_define
class MetricsMrrOutput:
    """
    Attributes:
        refreshed_at (datetime.datetime | None): When the figures were computed
        currencies (list[MetricsCurrencyMrr]):
    """

    refreshed_at: datetime.datetime | None
    currencies: list[MetricsCurrencyMrr]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        refreshed_at: None | str
        if isinstance(self.refreshed_at, datetime.datetime):
            refreshed_at = self.refreshed_at.isoformat()
        else:
            refreshed_at = self.refreshed_at

        currencies = []
        for currencies_item_data in self.currencies:
            currencies_item = currencies_item_data.to_dict()
            currencies.append(currencies_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "refreshed_at": refreshed_at,
                "currencies": currencies,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.metrics_currency_mrr import MetricsCurrencyMrr  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_refreshed_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                refreshed_at_type_0 = datetime.datetime.fromisoformat(data)

                return refreshed_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        refreshed_at = _parse_refreshed_at(d.pop("refreshed_at"))

        currencies = []
        _currencies = d.pop("currencies")
        for currencies_item_data in _currencies:
            currencies_item = MetricsCurrencyMrr.from_dict(currencies_item_data)

            currencies.append(currencies_item)

        metrics_mrr_output = cls(
            refreshed_at=refreshed_at,
            currencies=currencies,
        )

        metrics_mrr_output.additional_properties = d
        return metrics_mrr_output

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
