from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.final_action_enum import FinalActionEnum
from ..types import UNSET, Unset

T = TypeVar("T", bound="TenantDunningInputRequest")


@_attrs_define
class TenantDunningInputRequest:
    """
    Attributes:
        retry_days (list[int] | Unset): Strictly increasing days from 1 to 365, at most 10; [] for no retries. Default
            [3, 5, 7].
        final_action (FinalActionEnum | Unset): * `none` - Nothing
            * `mark_uncollectible` - Mark the invoice uncollectible
            * `cancel_subscription` - Cancel the subscription now
    """

    retry_days: list[int] | Unset = UNSET
    final_action: FinalActionEnum | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        retry_days: list[int] | Unset = UNSET
        if not isinstance(self.retry_days, Unset):
            retry_days = self.retry_days

        final_action: str | Unset = UNSET
        if not isinstance(self.final_action, Unset):
            final_action = self.final_action.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if retry_days is not UNSET:
            field_dict["retry_days"] = retry_days
        if final_action is not UNSET:
            field_dict["final_action"] = final_action

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        retry_days = cast(list[int], d.pop("retry_days", UNSET))

        _final_action = d.pop("final_action", UNSET)
        final_action: FinalActionEnum | Unset
        if isinstance(_final_action, Unset):
            final_action = UNSET
        else:
            final_action = FinalActionEnum(_final_action)

        tenant_dunning_input_request = cls(
            retry_days=retry_days,
            final_action=final_action,
        )

        tenant_dunning_input_request.additional_properties = d
        return tenant_dunning_input_request

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
