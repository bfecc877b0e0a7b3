from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.upcoming_invoice_output import UpcomingInvoiceOutput


T = TypeVar("T", bound="ChangePreviewOutput")


@_attrs_define
class ChangePreviewOutput:
    """
    Attributes:
        invoice_now (None | UpcomingInvoiceOutput): What the change bills now (now only)
        upcoming_invoice (UpcomingInvoiceOutput): Documents the invoice body; `invoice_body` renders it without queries.
    """

    invoice_now: None | UpcomingInvoiceOutput
    upcoming_invoice: UpcomingInvoiceOutput
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.upcoming_invoice_output import UpcomingInvoiceOutput  # noqa: PLC0415

        invoice_now: dict[str, Any] | None
        if isinstance(self.invoice_now, UpcomingInvoiceOutput):
            invoice_now = self.invoice_now.to_dict()
        else:
            invoice_now = self.invoice_now

        upcoming_invoice = self.upcoming_invoice.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "invoice_now": invoice_now,
                "upcoming_invoice": upcoming_invoice,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.upcoming_invoice_output import UpcomingInvoiceOutput  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_invoice_now(data: object) -> None | UpcomingInvoiceOutput:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                invoice_now_type_1 = UpcomingInvoiceOutput.from_dict(data)

                return invoice_now_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UpcomingInvoiceOutput, data)

        invoice_now = _parse_invoice_now(d.pop("invoice_now"))

        upcoming_invoice = UpcomingInvoiceOutput.from_dict(d.pop("upcoming_invoice"))

        change_preview_output = cls(
            invoice_now=invoice_now,
            upcoming_invoice=upcoming_invoice,
        )

        change_preview_output.additional_properties = d
        return change_preview_output

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
