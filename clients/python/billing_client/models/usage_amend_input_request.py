from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.usage_amend_input_request_properties_type_0 import UsageAmendInputRequestPropertiesType0


T = TypeVar("T", bound="UsageAmendInputRequest")


@_attrs_define
class UsageAmendInputRequest:
    """The documented shape of an amendment (OpenAPI only: `parse_amendment`
    validates). `timestamp`, `external_customer_id` and `meter` are refused (400).

        Attributes:
            reason (str):
            value (int | None | str | Unset): Default "1". A decimal string ≥ 0 below 10^15 with at most 12 decimal places,
                or a whole number
            properties (None | Unset | UsageAmendInputRequestPropertiesType0): Replace the event's properties
    """

    reason: str
    value: int | None | str | Unset = UNSET
    properties: None | Unset | UsageAmendInputRequestPropertiesType0 = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.usage_amend_input_request_properties_type_0 import UsageAmendInputRequestPropertiesType0  # noqa: PLC0415

        reason = self.reason

        value: int | None | str | Unset
        if isinstance(self.value, Unset):
            value = UNSET
        else:
            value = self.value

        properties: dict[str, Any] | None | Unset
        if isinstance(self.properties, Unset):
            properties = UNSET
        elif isinstance(self.properties, UsageAmendInputRequestPropertiesType0):
            properties = self.properties.to_dict()
        else:
            properties = self.properties

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "reason": reason,
            }
        )
        if value is not UNSET:
            field_dict["value"] = value
        if properties is not UNSET:
            field_dict["properties"] = properties

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.usage_amend_input_request_properties_type_0 import UsageAmendInputRequestPropertiesType0  # noqa: PLC0415

        d = dict(src_dict)
        reason = d.pop("reason")

        def _parse_value(data: object) -> int | None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | str | Unset, data)

        value = _parse_value(d.pop("value", UNSET))

        def _parse_properties(data: object) -> None | Unset | UsageAmendInputRequestPropertiesType0:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                properties_type_0 = UsageAmendInputRequestPropertiesType0.from_dict(data)

                return properties_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UsageAmendInputRequestPropertiesType0, data)

        properties = _parse_properties(d.pop("properties", UNSET))

        usage_amend_input_request = cls(
            reason=reason,
            value=value,
            properties=properties,
        )

        usage_amend_input_request.additional_properties = d
        return usage_amend_input_request

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
