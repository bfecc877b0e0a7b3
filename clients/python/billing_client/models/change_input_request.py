from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.effective_enum import EffectiveEnum

T = TypeVar("T", bound="ChangeInputRequest")


@_attrs_define
class ChangeInputRequest:
    """
    Attributes:
        plan_id (UUID): A plan of the tenant, active, in the subscription's currency
        effective (EffectiveEnum): * `now` - now
            * `period_end` - period_end
    """

    plan_id: UUID
    effective: EffectiveEnum
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        plan_id = str(self.plan_id)

        effective = self.effective.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "plan_id": plan_id,
                "effective": effective,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        plan_id = UUID(d.pop("plan_id"))

        effective = EffectiveEnum(d.pop("effective"))

        change_input_request = cls(
            plan_id=plan_id,
            effective=effective,
        )

        change_input_request.additional_properties = d
        return change_input_request

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
