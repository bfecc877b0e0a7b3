from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.final_action_enum import FinalActionEnum

T = TypeVar("T", bound="DunningOutput")


@_attrs_define
class DunningOutput:
    """
    Attributes:
        retry_days (list[int]): Days after the first failed payment at which it is charged again
        final_action (FinalActionEnum): * `none` - Nothing
            * `mark_uncollectible` - Mark the invoice uncollectible
            * `cancel_subscription` - Cancel the subscription now
    """

    retry_days: list[int]
    final_action: FinalActionEnum
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        retry_days = self.retry_days

        final_action = self.final_action.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "retry_days": retry_days,
                "final_action": final_action,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        retry_days = cast(list[int], d.pop("retry_days"))

        final_action = FinalActionEnum(d.pop("final_action"))

        dunning_output = cls(
            retry_days=retry_days,
            final_action=final_action,
        )

        dunning_output.additional_properties = d
        return dunning_output

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
