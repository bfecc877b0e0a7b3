from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.billing_reason_enum import BillingReasonEnum
from ..models.invoice_status_enum import InvoiceStatusEnum

if TYPE_CHECKING:
    from ..models.invoice_line_output import InvoiceLineOutput
    from ..models.invoice_tax_output import InvoiceTaxOutput


T = TypeVar("T", bound="UpcomingInvoiceOutput")


@_attrs_define
class UpcomingInvoiceOutput:
    """Documents the invoice body; `invoice_body` renders it without queries.

    Attributes:
        id (None | UUID): null: a preview is not stored
        number (None | str): null: numbers are given at finalization
        customer_id (UUID):
        subscription_id (None | UUID): null for a credit purchase
        status (InvoiceStatusEnum): * `open` - Open
            * `paid` - Paid
            * `void` - Void
            * `uncollectible` - Uncollectible
        billing_reason (BillingReasonEnum): * `period` - Period
            * `cancellation` - Cancellation
            * `plan_change` - Plan change
            * `threshold` - Threshold
            * `adjustment` - Adjustment
            * `credit_purchase` - Credit purchase
        currency (str):
        period_start (datetime.datetime):
        period_end (datetime.datetime):
        subtotal (str): Σ of the lines
        discount (str): Σ of the discounts, shown positive
        tax (str): Σ of taxes[].amount
        taxes (list[InvoiceTaxOutput]): One entry per tax rate, frozen at finalization
        total (str): subtotal − discount + tax, never below 0 (a negative part goes to the customer balance)
        credits_applied (str): Paid by credit grants, then the customer balance
        amount_credited (str): Σ of its credit notes
        amount_paid (str): Collected by the payment provider for it (an excess goes to the customer balance)
        amount_due (str): total − credits_applied − pre-payment credit notes − amount_paid
        issued_at (datetime.datetime):
        due_at (datetime.datetime):
        paid_at (datetime.datetime | None):
        voided_at (datetime.datetime | None):
        attempt_count (int): Charge requests sent for it (the first is 1)
        next_payment_attempt (datetime.datetime | None): Dunning: when the charge is sent again (null: no retry
            scheduled)
        lines (list[InvoiceLineOutput]):
    """

    id: None | UUID
    number: None | str
    customer_id: UUID
    subscription_id: None | UUID
    status: InvoiceStatusEnum
    billing_reason: BillingReasonEnum
    currency: str
    period_start: datetime.datetime
    period_end: datetime.datetime
    subtotal: str
    discount: str
    tax: str
    taxes: list[InvoiceTaxOutput]
    total: str
    credits_applied: str
    amount_credited: str
    amount_paid: str
    amount_due: str
    issued_at: datetime.datetime
    due_at: datetime.datetime
    paid_at: datetime.datetime | None
    voided_at: datetime.datetime | None
    attempt_count: int
    next_payment_attempt: datetime.datetime | None
    lines: list[InvoiceLineOutput]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id: None | str
        if isinstance(self.id, UUID):
            id = str(self.id)
        else:
            id = self.id

        number: None | str
        number = self.number

        customer_id = str(self.customer_id)

        subscription_id: None | str
        if isinstance(self.subscription_id, UUID):
            subscription_id = str(self.subscription_id)
        else:
            subscription_id = self.subscription_id

        status = self.status.value

        billing_reason = self.billing_reason.value

        currency = self.currency

        period_start = self.period_start.isoformat()

        period_end = self.period_end.isoformat()

        subtotal = self.subtotal

        discount = self.discount

        tax = self.tax

        taxes = []
        for taxes_item_data in self.taxes:
            taxes_item = taxes_item_data.to_dict()
            taxes.append(taxes_item)

        total = self.total

        credits_applied = self.credits_applied

        amount_credited = self.amount_credited

        amount_paid = self.amount_paid

        amount_due = self.amount_due

        issued_at = self.issued_at.isoformat()

        due_at = self.due_at.isoformat()

        paid_at: None | str
        if isinstance(self.paid_at, datetime.datetime):
            paid_at = self.paid_at.isoformat()
        else:
            paid_at = self.paid_at

        voided_at: None | str
        if isinstance(self.voided_at, datetime.datetime):
            voided_at = self.voided_at.isoformat()
        else:
            voided_at = self.voided_at

        attempt_count = self.attempt_count

        next_payment_attempt: None | str
        if isinstance(self.next_payment_attempt, datetime.datetime):
            next_payment_attempt = self.next_payment_attempt.isoformat()
        else:
            next_payment_attempt = self.next_payment_attempt

        lines = []
        for lines_item_data in self.lines:
            lines_item = lines_item_data.to_dict()
            lines.append(lines_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "number": number,
                "customer_id": customer_id,
                "subscription_id": subscription_id,
                "status": status,
                "billing_reason": billing_reason,
                "currency": currency,
                "period_start": period_start,
                "period_end": period_end,
                "subtotal": subtotal,
                "discount": discount,
                "tax": tax,
                "taxes": taxes,
                "total": total,
                "credits_applied": credits_applied,
                "amount_credited": amount_credited,
                "amount_paid": amount_paid,
                "amount_due": amount_due,
                "issued_at": issued_at,
                "due_at": due_at,
                "paid_at": paid_at,
                "voided_at": voided_at,
                "attempt_count": attempt_count,
                "next_payment_attempt": next_payment_attempt,
                "lines": lines,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.invoice_line_output import InvoiceLineOutput  # noqa: PLC0415
        from ..models.invoice_tax_output import InvoiceTaxOutput  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_id(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                id_type_0 = UUID(data)

                return id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        id = _parse_id(d.pop("id"))

        def _parse_number(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        number = _parse_number(d.pop("number"))

        customer_id = UUID(d.pop("customer_id"))

        def _parse_subscription_id(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                subscription_id_type_0 = UUID(data)

                return subscription_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        subscription_id = _parse_subscription_id(d.pop("subscription_id"))

        status = InvoiceStatusEnum(d.pop("status"))

        billing_reason = BillingReasonEnum(d.pop("billing_reason"))

        currency = d.pop("currency")

        period_start = datetime.datetime.fromisoformat(d.pop("period_start"))

        period_end = datetime.datetime.fromisoformat(d.pop("period_end"))

        subtotal = d.pop("subtotal")

        discount = d.pop("discount")

        tax = d.pop("tax")

        taxes = []
        _taxes = d.pop("taxes")
        for taxes_item_data in _taxes:
            taxes_item = InvoiceTaxOutput.from_dict(taxes_item_data)

            taxes.append(taxes_item)

        total = d.pop("total")

        credits_applied = d.pop("credits_applied")

        amount_credited = d.pop("amount_credited")

        amount_paid = d.pop("amount_paid")

        amount_due = d.pop("amount_due")

        issued_at = datetime.datetime.fromisoformat(d.pop("issued_at"))

        due_at = datetime.datetime.fromisoformat(d.pop("due_at"))

        def _parse_paid_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                paid_at_type_0 = datetime.datetime.fromisoformat(data)

                return paid_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        paid_at = _parse_paid_at(d.pop("paid_at"))

        def _parse_voided_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                voided_at_type_0 = datetime.datetime.fromisoformat(data)

                return voided_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        voided_at = _parse_voided_at(d.pop("voided_at"))

        attempt_count = d.pop("attempt_count")

        def _parse_next_payment_attempt(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                next_payment_attempt_type_0 = datetime.datetime.fromisoformat(data)

                return next_payment_attempt_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        next_payment_attempt = _parse_next_payment_attempt(d.pop("next_payment_attempt"))

        lines = []
        _lines = d.pop("lines")
        for lines_item_data in _lines:
            lines_item = InvoiceLineOutput.from_dict(lines_item_data)

            lines.append(lines_item)

        upcoming_invoice_output = cls(
            id=id,
            number=number,
            customer_id=customer_id,
            subscription_id=subscription_id,
            status=status,
            billing_reason=billing_reason,
            currency=currency,
            period_start=period_start,
            period_end=period_end,
            subtotal=subtotal,
            discount=discount,
            tax=tax,
            taxes=taxes,
            total=total,
            credits_applied=credits_applied,
            amount_credited=amount_credited,
            amount_paid=amount_paid,
            amount_due=amount_due,
            issued_at=issued_at,
            due_at=due_at,
            paid_at=paid_at,
            voided_at=voided_at,
            attempt_count=attempt_count,
            next_payment_attempt=next_payment_attempt,
            lines=lines,
        )

        upcoming_invoice_output.additional_properties = d
        return upcoming_invoice_output

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
