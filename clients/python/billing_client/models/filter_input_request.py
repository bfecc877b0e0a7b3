from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.model_enum import ModelEnum
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.filter_input_request_properties import FilterInputRequestProperties
    from ..models.tier_input_request import TierInputRequest


T = TypeVar("T", bound="FilterInputRequest")


@_attrs_define
class FilterInputRequest:
    """A filter of a charge: the events whose properties match are priced by its own fields.

    Attributes:
        model (ModelEnum): * `per_unit` - Per unit
            * `tiered` - Tiered (graduated)
            * `volume` - Volume
            * `package` - Package
        name (str): Unique in the charge; shown on its lines
        properties (FilterInputRequestProperties): {"region": ["eu", "us"]}: matches when each listed property is one of
            its values
        unit_amount (None | str | Unset): per_unit
        package_size (int | None | Unset): package
        package_amount (None | str | Unset): package
        tiers (list[TierInputRequest] | None | Unset): tiered and volume
    """

    model: ModelEnum
    name: str
    properties: FilterInputRequestProperties
    unit_amount: None | str | Unset = UNSET
    package_size: int | None | Unset = UNSET
    package_amount: None | str | Unset = UNSET
    tiers: list[TierInputRequest] | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        model = self.model.value

        name = self.name

        properties = self.properties.to_dict()

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

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "model": model,
                "name": name,
                "properties": properties,
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

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.filter_input_request_properties import FilterInputRequestProperties  # noqa: PLC0415
        from ..models.tier_input_request import TierInputRequest  # noqa: PLC0415

        d = dict(src_dict)
        model = ModelEnum(d.pop("model"))

        name = d.pop("name")

        properties = FilterInputRequestProperties.from_dict(d.pop("properties"))

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

        filter_input_request = cls(
            model=model,
            name=name,
            properties=properties,
            unit_amount=unit_amount,
            package_size=package_size,
            package_amount=package_amount,
            tiers=tiers,
        )

        filter_input_request.additional_properties = d
        return filter_input_request

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
