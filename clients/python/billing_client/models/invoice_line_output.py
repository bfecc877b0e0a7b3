from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.kind_enum import KindEnum
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.invoice_line_output_group_type_0 import InvoiceLineOutputGroupType0
    from ..models.invoice_tier_output import InvoiceTierOutput


T = TypeVar("T", bound="InvoiceLineOutput")


@_attrs_define
class InvoiceLineOutput:
    """
    Attributes:
        kind (KindEnum): * `flat_fee` - Flat fee
            * `usage` - Usage
            * `late_usage` - Late usage
            * `correction` - Correction
            * `proration` - Proration
            * `minimum_true_up` - Minimum commitment true-up
            * `progressive_billing_credit` - Progressive billing credit
            * `discount` - Discount
            * `credit_purchase` - Credit purchase
        description (str):
        quantity (str):
        amount (str):
        id (int | Unset): Stored lines (not previews): usage and delta lines list their events at
            …/invoices/{id}/lines/{line_id}/events
        meter (None | str | Unset):
        model (None | str | Unset):
        tiers (list[InvoiceTierOutput] | Unset):
        period_start (datetime.datetime | None | Unset):
        period_end (datetime.datetime | None | Unset):
        discount_id (UUID | Unset): Discount lines: the customer's discount it applies (its description names the
            coupon)
        filter_ (None | str | Unset): Usage and delta lines of a charge with filters: the filter's name
        group (InvoiceLineOutputGroupType0 | None | Unset): Usage and delta lines of a charge with group_by:
            {"workspace": "w1"}; null values: property missing
    """

    kind: KindEnum
    description: str
    quantity: str
    amount: str
    id: int | Unset = UNSET
    meter: None | str | Unset = UNSET
    model: None | str | Unset = UNSET
    tiers: list[InvoiceTierOutput] | Unset = UNSET
    period_start: datetime.datetime | None | Unset = UNSET
    period_end: datetime.datetime | None | Unset = UNSET
    discount_id: UUID | Unset = UNSET
    filter_: None | str | Unset = UNSET
    group: InvoiceLineOutputGroupType0 | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.invoice_line_output_group_type_0 import InvoiceLineOutputGroupType0  # noqa: PLC0415

        kind = self.kind.value

        description = self.description

        quantity = self.quantity

        amount = self.amount

        id = self.id

        meter: None | str | Unset
        if isinstance(self.meter, Unset):
            meter = UNSET
        else:
            meter = self.meter

        model: None | str | Unset
        if isinstance(self.model, Unset):
            model = UNSET
        else:
            model = self.model

        tiers: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.tiers, Unset):
            tiers = []
            for tiers_item_data in self.tiers:
                tiers_item = tiers_item_data.to_dict()
                tiers.append(tiers_item)

        period_start: None | str | Unset
        if isinstance(self.period_start, Unset):
            period_start = UNSET
        elif isinstance(self.period_start, datetime.datetime):
            period_start = self.period_start.isoformat()
        else:
            period_start = self.period_start

        period_end: None | str | Unset
        if isinstance(self.period_end, Unset):
            period_end = UNSET
        elif isinstance(self.period_end, datetime.datetime):
            period_end = self.period_end.isoformat()
        else:
            period_end = self.period_end

        discount_id: str | Unset = UNSET
        if not isinstance(self.discount_id, Unset):
            discount_id = str(self.discount_id)

        filter_: None | str | Unset
        if isinstance(self.filter_, Unset):
            filter_ = UNSET
        else:
            filter_ = self.filter_

        group: dict[str, Any] | None | Unset
        if isinstance(self.group, Unset):
            group = UNSET
        elif isinstance(self.group, InvoiceLineOutputGroupType0):
            group = self.group.to_dict()
        else:
            group = self.group

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "kind": kind,
                "description": description,
                "quantity": quantity,
                "amount": amount,
            }
        )
        if id is not UNSET:
            field_dict["id"] = id
        if meter is not UNSET:
            field_dict["meter"] = meter
        if model is not UNSET:
            field_dict["model"] = model
        if tiers is not UNSET:
            field_dict["tiers"] = tiers
        if period_start is not UNSET:
            field_dict["period_start"] = period_start
        if period_end is not UNSET:
            field_dict["period_end"] = period_end
        if discount_id is not UNSET:
            field_dict["discount_id"] = discount_id
        if filter_ is not UNSET:
            field_dict["filter"] = filter_
        if group is not UNSET:
            field_dict["group"] = group

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.invoice_line_output_group_type_0 import InvoiceLineOutputGroupType0  # noqa: PLC0415
        from ..models.invoice_tier_output import InvoiceTierOutput  # noqa: PLC0415

        d = dict(src_dict)
        kind = KindEnum(d.pop("kind"))

        description = d.pop("description")

        quantity = d.pop("quantity")

        amount = d.pop("amount")

        id = d.pop("id", UNSET)

        def _parse_meter(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        meter = _parse_meter(d.pop("meter", UNSET))

        def _parse_model(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        model = _parse_model(d.pop("model", UNSET))

        _tiers = d.pop("tiers", UNSET)
        tiers: list[InvoiceTierOutput] | Unset = UNSET
        if _tiers is not UNSET:
            tiers = []
            for tiers_item_data in _tiers:
                tiers_item = InvoiceTierOutput.from_dict(tiers_item_data)

                tiers.append(tiers_item)

        def _parse_period_start(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                period_start_type_0 = datetime.datetime.fromisoformat(data)

                return period_start_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        period_start = _parse_period_start(d.pop("period_start", UNSET))

        def _parse_period_end(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                period_end_type_0 = datetime.datetime.fromisoformat(data)

                return period_end_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        period_end = _parse_period_end(d.pop("period_end", UNSET))

        _discount_id = d.pop("discount_id", UNSET)
        discount_id: UUID | Unset
        if isinstance(_discount_id, Unset):
            discount_id = UNSET
        else:
            discount_id = UUID(_discount_id)

        def _parse_filter_(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        filter_ = _parse_filter_(d.pop("filter", UNSET))

        def _parse_group(data: object) -> InvoiceLineOutputGroupType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                group_type_0 = InvoiceLineOutputGroupType0.from_dict(data)

                return group_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(InvoiceLineOutputGroupType0 | None | Unset, data)

        group = _parse_group(d.pop("group", UNSET))

        invoice_line_output = cls(
            kind=kind,
            description=description,
            quantity=quantity,
            amount=amount,
            id=id,
            meter=meter,
            model=model,
            tiers=tiers,
            period_start=period_start,
            period_end=period_end,
            discount_id=discount_id,
            filter_=filter_,
            group=group,
        )

        invoice_line_output.additional_properties = d
        return invoice_line_output

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
