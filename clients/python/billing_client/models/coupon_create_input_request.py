from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.currency_code import CurrencyCode
from ..models.duration_enum import DurationEnum
from ..types import UNSET, Unset

T = TypeVar("T", bound="CouponCreateInputRequest")


@_attrs_define
class CouponCreateInputRequest:
    """
    Attributes:
        code (str):
        name (str):
        duration (DurationEnum): * `once` - Once
            * `repeating` - Repeating
            * `forever` - Forever
        percent_off (None | str | Unset): Above 0, at most 100; exactly one of percent_off and amount_off
        amount_off (None | str | Unset): Above 0, with currency, in its minor unit; or percent_off
        currency (CurrencyCode | None | Unset): With amount_off only
        duration_in_periods (int | None | Unset): repeating only (required then): how many billing periods
        max_redemptions (int | None | Unset): How many times it can be redeemed; null: no limit
        redeem_by (datetime.datetime | None | Unset): RFC 3339; after it (business time) it cannot be redeemed
        plan_ids (list[UUID] | Unset): Plans whose invoices it discounts; empty: every plan
    """

    code: str
    name: str
    duration: DurationEnum
    percent_off: None | str | Unset = UNSET
    amount_off: None | str | Unset = UNSET
    currency: CurrencyCode | None | Unset = UNSET
    duration_in_periods: int | None | Unset = UNSET
    max_redemptions: int | None | Unset = UNSET
    redeem_by: datetime.datetime | None | Unset = UNSET
    plan_ids: list[UUID] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        code = self.code

        name = self.name

        duration = self.duration.value

        percent_off: None | str | Unset
        if isinstance(self.percent_off, Unset):
            percent_off = UNSET
        else:
            percent_off = self.percent_off

        amount_off: None | str | Unset
        if isinstance(self.amount_off, Unset):
            amount_off = UNSET
        else:
            amount_off = self.amount_off

        currency: None | str | Unset
        if isinstance(self.currency, Unset):
            currency = UNSET
        elif isinstance(self.currency, CurrencyCode):
            currency = self.currency.value
        else:
            currency = self.currency

        duration_in_periods: int | None | Unset
        if isinstance(self.duration_in_periods, Unset):
            duration_in_periods = UNSET
        else:
            duration_in_periods = self.duration_in_periods

        max_redemptions: int | None | Unset
        if isinstance(self.max_redemptions, Unset):
            max_redemptions = UNSET
        else:
            max_redemptions = self.max_redemptions

        redeem_by: None | str | Unset
        if isinstance(self.redeem_by, Unset):
            redeem_by = UNSET
        elif isinstance(self.redeem_by, datetime.datetime):
            redeem_by = self.redeem_by.isoformat()
        else:
            redeem_by = self.redeem_by

        plan_ids: list[str] | Unset = UNSET
        if not isinstance(self.plan_ids, Unset):
            plan_ids = []
            for plan_ids_item_data in self.plan_ids:
                plan_ids_item = str(plan_ids_item_data)
                plan_ids.append(plan_ids_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "code": code,
                "name": name,
                "duration": duration,
            }
        )
        if percent_off is not UNSET:
            field_dict["percent_off"] = percent_off
        if amount_off is not UNSET:
            field_dict["amount_off"] = amount_off
        if currency is not UNSET:
            field_dict["currency"] = currency
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
        code = d.pop("code")

        name = d.pop("name")

        duration = DurationEnum(d.pop("duration"))

        def _parse_percent_off(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        percent_off = _parse_percent_off(d.pop("percent_off", UNSET))

        def _parse_amount_off(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        amount_off = _parse_amount_off(d.pop("amount_off", UNSET))

        def _parse_currency(data: object) -> CurrencyCode | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                currency_type_1 = CurrencyCode(data)

                return currency_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CurrencyCode | None | Unset, data)

        currency = _parse_currency(d.pop("currency", UNSET))

        def _parse_duration_in_periods(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        duration_in_periods = _parse_duration_in_periods(d.pop("duration_in_periods", UNSET))

        def _parse_max_redemptions(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_redemptions = _parse_max_redemptions(d.pop("max_redemptions", UNSET))

        def _parse_redeem_by(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                redeem_by_type_0 = datetime.datetime.fromisoformat(data)

                return redeem_by_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        redeem_by = _parse_redeem_by(d.pop("redeem_by", UNSET))

        _plan_ids = d.pop("plan_ids", UNSET)
        plan_ids: list[UUID] | Unset = UNSET
        if _plan_ids is not UNSET:
            plan_ids = []
            for plan_ids_item_data in _plan_ids:
                plan_ids_item = UUID(plan_ids_item_data)

                plan_ids.append(plan_ids_item)

        coupon_create_input_request = cls(
            code=code,
            name=name,
            duration=duration,
            percent_off=percent_off,
            amount_off=amount_off,
            currency=currency,
            duration_in_periods=duration_in_periods,
            max_redemptions=max_redemptions,
            redeem_by=redeem_by,
            plan_ids=plan_ids,
        )

        coupon_create_input_request.additional_properties = d
        return coupon_create_input_request

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
