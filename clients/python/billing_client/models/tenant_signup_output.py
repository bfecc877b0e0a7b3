from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.signup_user import SignupUser
    from ..models.tenant_output import TenantOutput


T = TypeVar("T", bound="TenantSignupOutput")


@_attrs_define
class TenantSignupOutput:
    """
    Attributes:
        tenant (TenantOutput):
        user (SignupUser):
        access (str):
        refresh (str):
    """

    tenant: TenantOutput
    user: SignupUser
    access: str
    refresh: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        tenant = self.tenant.to_dict()

        user = self.user.to_dict()

        access = self.access

        refresh = self.refresh

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "tenant": tenant,
                "user": user,
                "access": access,
                "refresh": refresh,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.signup_user import SignupUser  # noqa: PLC0415
        from ..models.tenant_output import TenantOutput  # noqa: PLC0415

        d = dict(src_dict)
        tenant = TenantOutput.from_dict(d.pop("tenant"))

        user = SignupUser.from_dict(d.pop("user"))

        access = d.pop("access")

        refresh = d.pop("refresh")

        tenant_signup_output = cls(
            tenant=tenant,
            user=user,
            access=access,
            refresh=refresh,
        )

        tenant_signup_output.additional_properties = d
        return tenant_signup_output

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
