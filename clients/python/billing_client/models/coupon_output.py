from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.duration_enum import DurationEnum

T = TypeVar("T", bound="CouponOutput")


@_attrs_define
class CouponOutput:
    """
    Attributes:
        id (UUID):
        code (str): Unique in the tenant; discounts are attached by it
        name (str): Shown on the invoices' discount lines
        percent_off (None | str): Or amount_off Example: 8.875.
        amount_off (None | str): In currency; or percent_off Example: 0.10.
        currency (None | str):
        duration (DurationEnum): * `once` - Once
            * `repeating` - Repeating
            * `forever` - Forever
        duration_in_periods (int | None): repeating: how many periods
        max_redemptions (int | None): Null: no limit
        redeem_by (datetime.datetime | None): Business time after which it cannot be attached
        plan_ids (list[UUID]): Plans whose invoices it discounts; empty: every plan
        times_redeemed (int): How many discounts were attached from it
        active (bool): Inactive coupons take no new redemptions
        created_at (datetime.datetime):
    """

    id: UUID
    code: str
    name: str
    percent_off: None | str
    amount_off: None | str
    currency: None | str
    duration: DurationEnum
    duration_in_periods: int | None
    max_redemptions: int | None
    redeem_by: datetime.datetime | None
    plan_ids: list[UUID]
    times_redeemed: int
    active: bool
    created_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        code = self.code

        name = self.name

        percent_off: None | str
        percent_off = self.percent_off

        amount_off: None | str
        amount_off = self.amount_off

        currency: None | str
        currency = self.currency

        duration = self.duration.value

        duration_in_periods: int | None
        duration_in_periods = self.duration_in_periods

        max_redemptions: int | None
        max_redemptions = self.max_redemptions

        redeem_by: None | str
        if isinstance(self.redeem_by, datetime.datetime):
            redeem_by = self.redeem_by.isoformat()
        else:
            redeem_by = self.redeem_by

        plan_ids = []
        for plan_ids_item_data in self.plan_ids:
            plan_ids_item = str(plan_ids_item_data)
            plan_ids.append(plan_ids_item)

        times_redeemed = self.times_redeemed

        active = self.active

        created_at = self.created_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "code": code,
                "name": name,
                "percent_off": percent_off,
                "amount_off": amount_off,
                "currency": currency,
                "duration": duration,
                "duration_in_periods": duration_in_periods,
                "max_redemptions": max_redemptions,
                "redeem_by": redeem_by,
                "plan_ids": plan_ids,
                "times_redeemed": times_redeemed,
                "active": active,
                "created_at": created_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = UUID(d.pop("id"))

        code = d.pop("code")

        name = d.pop("name")

        def _parse_percent_off(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        percent_off = _parse_percent_off(d.pop("percent_off"))

        def _parse_amount_off(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        amount_off = _parse_amount_off(d.pop("amount_off"))

        def _parse_currency(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        currency = _parse_currency(d.pop("currency"))

        duration = DurationEnum(d.pop("duration"))

        def _parse_duration_in_periods(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        duration_in_periods = _parse_duration_in_periods(d.pop("duration_in_periods"))

        def _parse_max_redemptions(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        max_redemptions = _parse_max_redemptions(d.pop("max_redemptions"))

        def _parse_redeem_by(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                redeem_by_type_0 = datetime.datetime.fromisoformat(data)

                return redeem_by_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        redeem_by = _parse_redeem_by(d.pop("redeem_by"))

        plan_ids = []
        _plan_ids = d.pop("plan_ids")
        for plan_ids_item_data in _plan_ids:
            plan_ids_item = UUID(plan_ids_item_data)

            plan_ids.append(plan_ids_item)

        times_redeemed = d.pop("times_redeemed")

        active = d.pop("active")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        coupon_output = cls(
            id=id,
            code=code,
            name=name,
            percent_off=percent_off,
            amount_off=amount_off,
            currency=currency,
            duration=duration,
            duration_in_periods=duration_in_periods,
            max_redemptions=max_redemptions,
            redeem_by=redeem_by,
            plan_ids=plan_ids,
            times_redeemed=times_redeemed,
            active=active,
            created_at=created_at,
        )

        coupon_output.additional_properties = d
        return coupon_output

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
