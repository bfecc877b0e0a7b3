from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.payment_webhook_input_type_enum import PaymentWebhookInputTypeEnum

if TYPE_CHECKING:
    from ..models.payment_webhook_data_request import PaymentWebhookDataRequest


T = TypeVar("T", bound="PaymentWebhookInputRequest")


@_attrs_define
class PaymentWebhookInputRequest:
    """
    Attributes:
        type_ (PaymentWebhookInputTypeEnum): * `payment.succeeded` - Payment succeeded
            * `payment.failed` - Payment failed
            * `refund.succeeded` - Refund succeeded
            * `refund.failed` - Refund failed
        data (PaymentWebhookDataRequest):
    """

    type_: PaymentWebhookInputTypeEnum
    data: PaymentWebhookDataRequest
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_.value

        data = self.data.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "data": data,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.payment_webhook_data_request import PaymentWebhookDataRequest  # noqa: PLC0415

        d = dict(src_dict)
        type_ = PaymentWebhookInputTypeEnum(d.pop("type"))

        data = PaymentWebhookDataRequest.from_dict(d.pop("data"))

        payment_webhook_input_request = cls(
            type_=type_,
            data=data,
        )

        payment_webhook_input_request.additional_properties = d
        return payment_webhook_input_request

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
