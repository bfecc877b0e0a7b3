from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="MetricsCurrencyMrr")


@_attrs_define
class MetricsCurrencyMrr:
    """
    Attributes:
        currency (str):
        mrr (str): committed_mrr + usage_mrr, a decimal string
        arr (str): 12 × mrr
        committed_mrr (str): Flat fees of active and past_due subscriptions, per month
        usage_mrr (str): Usage lines of each one's latest finalized invoice, per month
        active_subscriptions (int): active and past_due
        trialing_subscriptions (int):
    """

    currency: str
    mrr: str
    arr: str
    committed_mrr: str
    usage_mrr: str
    active_subscriptions: int
    trialing_subscriptions: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        currency = self.currency

        mrr = self.mrr

        arr = self.arr

        committed_mrr = self.committed_mrr

        usage_mrr = self.usage_mrr

        active_subscriptions = self.active_subscriptions

        trialing_subscriptions = self.trialing_subscriptions

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "currency": currency,
                "mrr": mrr,
                "arr": arr,
                "committed_mrr": committed_mrr,
                "usage_mrr": usage_mrr,
                "active_subscriptions": active_subscriptions,
                "trialing_subscriptions": trialing_subscriptions,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        currency = d.pop("currency")

        mrr = d.pop("mrr")

        arr = d.pop("arr")

        committed_mrr = d.pop("committed_mrr")

        usage_mrr = d.pop("usage_mrr")

        active_subscriptions = d.pop("active_subscriptions")

        trialing_subscriptions = d.pop("trialing_subscriptions")

        metrics_currency_mrr = cls(
            currency=currency,
            mrr=mrr,
            arr=arr,
            committed_mrr=committed_mrr,
            usage_mrr=usage_mrr,
            active_subscriptions=active_subscriptions,
            trialing_subscriptions=trialing_subscriptions,
        )

        metrics_currency_mrr.additional_properties = d
        return metrics_currency_mrr

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
