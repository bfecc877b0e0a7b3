from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.model_enum import ModelEnum

if TYPE_CHECKING:
    from ..models.filter_output import FilterOutput
    from ..models.tier_output import TierOutput


T = TypeVar("T", bound="ChargeOutput")


@_attrs_define
class ChargeOutput:
    """
    Attributes:
        id (UUID):
        meter (str): The meter's code
        meter_id (UUID):
        model (ModelEnum): * `per_unit` - Per unit
            * `tiered` - Tiered (graduated)
            * `volume` - Volume
            * `package` - Package
        unit_amount (None | str):  Example: 0.10.
        package_size (int | None):
        package_amount (None | str):  Example: 0.10.
        tiers (list[TierOutput] | None):
        filters (list[FilterOutput]):
        group_by (list[str]):
    """

    id: UUID
    meter: str
    meter_id: UUID
    model: ModelEnum
    unit_amount: None | str
    package_size: int | None
    package_amount: None | str
    tiers: list[TierOutput] | None
    filters: list[FilterOutput]
    group_by: list[str]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        meter = self.meter

        meter_id = str(self.meter_id)

        model = self.model.value

        unit_amount: None | str
        unit_amount = self.unit_amount

        package_size: int | None
        package_size = self.package_size

        package_amount: None | str
        package_amount = self.package_amount

        tiers: list[dict[str, Any]] | None
        if isinstance(self.tiers, list):
            tiers = []
            for tiers_type_0_item_data in self.tiers:
                tiers_type_0_item = tiers_type_0_item_data.to_dict()
                tiers.append(tiers_type_0_item)

        else:
            tiers = self.tiers

        filters = []
        for filters_item_data in self.filters:
            filters_item = filters_item_data.to_dict()
            filters.append(filters_item)

        group_by = self.group_by

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "meter": meter,
                "meter_id": meter_id,
                "model": model,
                "unit_amount": unit_amount,
                "package_size": package_size,
                "package_amount": package_amount,
                "tiers": tiers,
                "filters": filters,
                "group_by": group_by,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.filter_output import FilterOutput  # noqa: PLC0415
        from ..models.tier_output import TierOutput  # noqa: PLC0415

        d = dict(src_dict)
        id = UUID(d.pop("id"))

        meter = d.pop("meter")

        meter_id = UUID(d.pop("meter_id"))

        model = ModelEnum(d.pop("model"))

        def _parse_unit_amount(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        unit_amount = _parse_unit_amount(d.pop("unit_amount"))

        def _parse_package_size(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        package_size = _parse_package_size(d.pop("package_size"))

        def _parse_package_amount(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        package_amount = _parse_package_amount(d.pop("package_amount"))

        def _parse_tiers(data: object) -> list[TierOutput] | None:
            if data is None:
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                tiers_type_0 = []
                _tiers_type_0 = data
                for tiers_type_0_item_data in _tiers_type_0:
                    tiers_type_0_item = TierOutput.from_dict(tiers_type_0_item_data)

                    tiers_type_0.append(tiers_type_0_item)

                return tiers_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[TierOutput] | None, data)

        tiers = _parse_tiers(d.pop("tiers"))

        filters = []
        _filters = d.pop("filters")
        for filters_item_data in _filters:
            filters_item = FilterOutput.from_dict(filters_item_data)

            filters.append(filters_item)

        group_by = cast(list[str], d.pop("group_by"))

        charge_output = cls(
            id=id,
            meter=meter,
            meter_id=meter_id,
            model=model,
            unit_amount=unit_amount,
            package_size=package_size,
            package_amount=package_amount,
            tiers=tiers,
            filters=filters,
            group_by=group_by,
        )

        charge_output.additional_properties = d
        return charge_output

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
