from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.aggregation_enum import AggregationEnum

if TYPE_CHECKING:
    from ..models.invoice_line_output import InvoiceLineOutput
    from ..models.line_event_output import LineEventOutput


T = TypeVar("T", bound="LineEventsOutput")


@_attrs_define
class LineEventsOutput:
    """
    Attributes:
        line (InvoiceLineOutput):
        aggregation (AggregationEnum): * `count` - Count
            * `sum` - Sum
            * `max` - Max
            * `unique_count` - Unique count
        usage_seq (int): The usage sequence this invoice counted through
        billed_usage_seq (int | None): Delta lines: the sequence the window was billed through before; else null
        quantity (str): Recomputed from the events: equals the line's quantity
        counted_quantity (str): The window's quantity as this invoice counted it
        billed_quantity (None | str): Delta lines: the window's quantity as billed before (quantity = counted − billed)
        results (list[LineEventOutput]): By timestamp, then id
        next_ (None | str):
        previous (None | str):
    """

    line: InvoiceLineOutput
    aggregation: AggregationEnum
    usage_seq: int
    billed_usage_seq: int | None
    quantity: str
    counted_quantity: str
    billed_quantity: None | str
    results: list[LineEventOutput]
    next_: None | str
    previous: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        line = self.line.to_dict()

        aggregation = self.aggregation.value

        usage_seq = self.usage_seq

        billed_usage_seq: int | None
        billed_usage_seq = self.billed_usage_seq

        quantity = self.quantity

        counted_quantity = self.counted_quantity

        billed_quantity: None | str
        billed_quantity = self.billed_quantity

        results = []
        for results_item_data in self.results:
            results_item = results_item_data.to_dict()
            results.append(results_item)

        next_: None | str
        next_ = self.next_

        previous: None | str
        previous = self.previous

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "line": line,
                "aggregation": aggregation,
                "usage_seq": usage_seq,
                "billed_usage_seq": billed_usage_seq,
                "quantity": quantity,
                "counted_quantity": counted_quantity,
                "billed_quantity": billed_quantity,
                "results": results,
                "next": next_,
                "previous": previous,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.invoice_line_output import InvoiceLineOutput  # noqa: PLC0415
        from ..models.line_event_output import LineEventOutput  # noqa: PLC0415

        d = dict(src_dict)
        line = InvoiceLineOutput.from_dict(d.pop("line"))

        aggregation = AggregationEnum(d.pop("aggregation"))

        usage_seq = d.pop("usage_seq")

        def _parse_billed_usage_seq(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        billed_usage_seq = _parse_billed_usage_seq(d.pop("billed_usage_seq"))

        quantity = d.pop("quantity")

        counted_quantity = d.pop("counted_quantity")

        def _parse_billed_quantity(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        billed_quantity = _parse_billed_quantity(d.pop("billed_quantity"))

        results = []
        _results = d.pop("results")
        for results_item_data in _results:
            results_item = LineEventOutput.from_dict(results_item_data)

            results.append(results_item)

        def _parse_next_(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        next_ = _parse_next_(d.pop("next"))

        def _parse_previous(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        previous = _parse_previous(d.pop("previous"))

        line_events_output = cls(
            line=line,
            aggregation=aggregation,
            usage_seq=usage_seq,
            billed_usage_seq=billed_usage_seq,
            quantity=quantity,
            counted_quantity=counted_quantity,
            billed_quantity=billed_quantity,
            results=results,
            next_=next_,
            previous=previous,
        )

        line_events_output.additional_properties = d
        return line_events_output

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
