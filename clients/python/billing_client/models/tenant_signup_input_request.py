from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.currency_code import CurrencyCode
from ..types import UNSET, Unset

T = TypeVar("T", bound="TenantSignupInputRequest")


@_attrs_define
class TenantSignupInputRequest:
    """
    Attributes:
        name (str):
        admin_email (str):
        admin_password (str): Checked by Django's password validators
        default_currency (CurrencyCode | Unset):  Default: CurrencyCode.USD.
        sandbox (bool | Unset): A test tenant whose time is its own clock, moved only by advancing it Default: False.
        clock_time (datetime.datetime | Unset): Sandbox only: where its clock starts (RFC 3339 with its offset);
            default: now
    """

    name: str
    admin_email: str
    admin_password: str
    default_currency: CurrencyCode | Unset = CurrencyCode.USD
    sandbox: bool | Unset = False
    clock_time: datetime.datetime | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        admin_email = self.admin_email

        admin_password = self.admin_password

        default_currency: str | Unset = UNSET
        if not isinstance(self.default_currency, Unset):
            default_currency = self.default_currency.value

        sandbox = self.sandbox

        clock_time: str | Unset = UNSET
        if not isinstance(self.clock_time, Unset):
            clock_time = self.clock_time.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "admin_email": admin_email,
                "admin_password": admin_password,
            }
        )
        if default_currency is not UNSET:
            field_dict["default_currency"] = default_currency
        if sandbox is not UNSET:
            field_dict["sandbox"] = sandbox
        if clock_time is not UNSET:
            field_dict["clock_time"] = clock_time

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name")

        admin_email = d.pop("admin_email")

        admin_password = d.pop("admin_password")

        _default_currency = d.pop("default_currency", UNSET)
        default_currency: CurrencyCode | Unset
        if isinstance(_default_currency, Unset):
            default_currency = UNSET
        else:
            default_currency = CurrencyCode(_default_currency)

        sandbox = d.pop("sandbox", UNSET)

        _clock_time = d.pop("clock_time", UNSET)
        clock_time: datetime.datetime | Unset
        if isinstance(_clock_time, Unset):
            clock_time = UNSET
        else:
            clock_time = datetime.datetime.fromisoformat(_clock_time)

        tenant_signup_input_request = cls(
            name=name,
            admin_email=admin_email,
            admin_password=admin_password,
            default_currency=default_currency,
            sandbox=sandbox,
            clock_time=clock_time,
        )

        tenant_signup_input_request.additional_properties = d
        return tenant_signup_input_request

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
