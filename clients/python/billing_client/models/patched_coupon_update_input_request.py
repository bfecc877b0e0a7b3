from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="PatchedCouponUpdateInputRequest")


@_attrs_define
class PatchedCouponUpdateInputRequest:
    """
    Attributes:
        name (str | Unset):
        active (bool | Unset):
        code (Any | Unset): Never changes (400 naming it): create a new coupon instead.
        percent_off (Any | Unset): Never changes (400 naming it): create a new coupon instead.
        amount_off (Any | Unset): Never changes (400 naming it): create a new coupon instead.
        currency (Any | Unset): Never changes (400 naming it): create a new coupon instead.
        duration (Any | Unset): Never changes (400 naming it): create a new coupon instead.
        duration_in_periods (Any | Unset): Never changes (400 naming it): create a new coupon instead.
        max_redemptions (Any | Unset): Never changes (400 naming it): create a new coupon instead.
        redeem_by (Any | Unset): Never changes (400 naming it): create a new coupon instead.
        plan_ids (Any | Unset): Never changes (400 naming it): create a new coupon instead.
    """

    name: str | Unset = UNSET
    active: bool | Unset = UNSET
    code: Any | Unset = UNSET
    percent_off: Any | Unset = UNSET
    amount_off: Any | Unset = UNSET
    currency: Any | Unset = UNSET
    duration: Any | Unset = UNSET
    duration_in_periods: Any | Unset = UNSET
    max_redemptions: Any | Unset = UNSET
    redeem_by: Any | Unset = UNSET
    plan_ids: Any | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        active = self.active

        code = self.code

        percent_off = self.percent_off

        amount_off = self.amount_off

        currency = self.currency

        duration = self.duration

        duration_in_periods = self.duration_in_periods

        max_redemptions = self.max_redemptions

        redeem_by = self.redeem_by

        plan_ids = self.plan_ids

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if name is not UNSET:
            field_dict["name"] = name
        if active is not UNSET:
            field_dict["active"] = active
        if code is not UNSET:
            field_dict["code"] = code
        if percent_off is not UNSET:
            field_dict["percent_off"] = percent_off
        if amount_off is not UNSET:
            field_dict["amount_off"] = amount_off
        if currency is not UNSET:
            field_dict["currency"] = currency
        if duration is not UNSET:
            field_dict["duration"] = duration
        if duration_in_periods is not UNSET:
            field_dict["duration_in_periods"] = duration_in_periods
        if max_redemptions is not UNSET:
            field_dict["max_redemptions"] = max_redemptions
        if redeem_by is not UNSET:
            field_dict["redeem_by"] = redeem_by
        if plan_ids is not UNSET:
            field_dict["plan_ids"] = plan_ids

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name", UNSET)

        active = d.pop("active", UNSET)

        code = d.pop("code", UNSET)

        percent_off = d.pop("percent_off", UNSET)

        amount_off = d.pop("amount_off", UNSET)

        currency = d.pop("currency", UNSET)

        duration = d.pop("duration", UNSET)

        duration_in_periods = d.pop("duration_in_periods", UNSET)

        max_redemptions = d.pop("max_redemptions", UNSET)

        redeem_by = d.pop("redeem_by", UNSET)

        plan_ids = d.pop("plan_ids", UNSET)

        patched_coupon_update_input_request = cls(
            name=name,
            active=active,
            code=code,
            percent_off=percent_off,
            amount_off=amount_off,
            currency=currency,
            duration=duration,
            duration_in_periods=duration_in_periods,
            max_redemptions=max_redemptions,
            redeem_by=redeem_by,
            plan_ids=plan_ids,
        )

        patched_coupon_update_input_request.additional_properties = d
        return patched_coupon_update_input_request

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
