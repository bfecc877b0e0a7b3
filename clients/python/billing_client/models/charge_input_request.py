from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.model_enum import ModelEnum
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.filter_input_request import FilterInputRequest
    from ..models.tier_input_request import TierInputRequest


T = TypeVar("T", bound="ChargeInputRequest")


@_attrs_define
class ChargeInputRequest:
    """Fields beyond the model's are refused by the service (`plans.pricing.spec_problems`).

    Attributes:
        model (ModelEnum): * `per_unit` - Per unit
            * `tiered` - Tiered (graduated)
            * `volume` - Volume
            * `package` - Package
        meter (str): The code of a meter of the tenant
        unit_amount (None | str | Unset): per_unit
        package_size (int | None | Unset): package
        package_amount (None | str | Unset): package
        tiers (list[TierInputRequest] | None | Unset): tiered and volume
        filters (list[FilterInputRequest] | Unset): Dimensions: the first matching filter prices an event
        group_by (list[str] | Unset): Dimensions: property names, one line per distinct value tuple: ["workspace"]
    """

    model: ModelEnum
    meter: str
    unit_amount: None | str | Unset = UNSET
    package_size: int | None | Unset = UNSET
    package_amount: None | str | Unset = UNSET
    tiers: list[TierInputRequest] | None | Unset = UNSET
    filters: list[FilterInputRequest] | Unset = UNSET
    group_by: list[str] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        model = self.model.value

        meter = self.meter

        unit_amount: None | str | Unset
        if isinstance(self.unit_amount, Unset):
            unit_amount = UNSET
        else:
            unit_amount = self.unit_amount

        package_size: int | None | Unset
        if isinstance(self.package_size, Unset):
            package_size = UNSET
        else:
            package_size = self.package_size

        package_amount: None | str | Unset
        if isinstance(self.package_amount, Unset):
            package_amount = UNSET
        else:
            package_amount = self.package_amount

        tiers: list[dict[str, Any]] | None | Unset
        if isinstance(self.tiers, Unset):
            tiers = UNSET
        elif isinstance(self.tiers, list):
            tiers = []
            for tiers_type_0_item_data in self.tiers:
                tiers_type_0_item = tiers_type_0_item_data.to_dict()
                tiers.append(tiers_type_0_item)

        else:
            tiers = self.tiers

        filters: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.filters, Unset):
            filters = []
            for filters_item_data in self.filters:
                filters_item = filters_item_data.to_dict()
                filters.append(filters_item)

        group_by: list[str] | Unset = UNSET
        if not isinstance(self.group_by, Unset):
            group_by = self.group_by

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "model": model,
                "meter": meter,
            }
        )
        if unit_amount is not UNSET:
            field_dict["unit_amount"] = unit_amount
        if package_size is not UNSET:
            field_dict["package_size"] = package_size
        if package_amount is not UNSET:
            field_dict["package_amount"] = package_amount
        if tiers is not UNSET:
            field_dict["tiers"] = tiers
        if filters is not UNSET:
            field_dict["filters"] = filters
        if group_by is not UNSET:
            field_dict["group_by"] = group_by

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.filter_input_request import FilterInputRequest  # noqa: PLC0415
        from ..models.tier_input_request import TierInputRequest  # noqa: PLC0415

        d = dict(src_dict)
        model = ModelEnum(d.pop("model"))

        meter = d.pop("meter")

        def _parse_unit_amount(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        unit_amount = _parse_unit_amount(d.pop("unit_amount", UNSET))

        def _parse_package_size(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        package_size = _parse_package_size(d.pop("package_size", UNSET))

        def _parse_package_amount(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        package_amount = _parse_package_amount(d.pop("package_amount", UNSET))

        def _parse_tiers(data: object) -> list[TierInputRequest] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                tiers_type_0 = []
                _tiers_type_0 = data
                for tiers_type_0_item_data in _tiers_type_0:
                    tiers_type_0_item = TierInputRequest.from_dict(tiers_type_0_item_data)

                    tiers_type_0.append(tiers_type_0_item)

                return tiers_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[TierInputRequest] | None | Unset, data)

        tiers = _parse_tiers(d.pop("tiers", UNSET))

        _filters = d.pop("filters", UNSET)
        filters: list[FilterInputRequest] | Unset = UNSET
        if _filters is not UNSET:
            filters = []
            for filters_item_data in _filters:
                filters_item = FilterInputRequest.from_dict(filters_item_data)

                filters.append(filters_item)

        group_by = cast(list[str], d.pop("group_by", UNSET))

        charge_input_request = cls(
            model=model,
            meter=meter,
            unit_amount=unit_amount,
            package_size=package_size,
            package_amount=package_amount,
            tiers=tiers,
            filters=filters,
            group_by=group_by,
        )

        charge_input_request.additional_properties = d
        return charge_input_request

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
