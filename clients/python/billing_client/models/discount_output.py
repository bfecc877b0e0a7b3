from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.end_reason_enum import EndReasonEnum

if TYPE_CHECKING:
    from ..models.coupon_output import CouponOutput


T = TypeVar("T", bound="DiscountOutput")


@_attrs_define
class DiscountOutput:
    """
    Attributes:
        id (UUID):
        coupon (CouponOutput):
        customer_id (UUID):
        subscription_id (None | UUID): null: every subscription of the customer
        periods_used (int): (subscription, billing period) pairs discounted
        amount_remaining (None | str): A once amount_off coupon: what is left to use on later invoices; null for the
            others Example: 0.10.
        created_at (datetime.datetime):
        ended_at (datetime.datetime | None): Business time it was used up or removed
        end_reason (EndReasonEnum | None): used: its duration or amount ran out; removed: ended by DELETE; null while
            active
    """

    id: UUID
    coupon: CouponOutput
    customer_id: UUID
    subscription_id: None | UUID
    periods_used: int
    amount_remaining: None | str
    created_at: datetime.datetime
    ended_at: datetime.datetime | None
    end_reason: EndReasonEnum | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        coupon = self.coupon.to_dict()

        customer_id = str(self.customer_id)

        subscription_id: None | str
        if isinstance(self.subscription_id, UUID):
            subscription_id = str(self.subscription_id)
        else:
            subscription_id = self.subscription_id

        periods_used = self.periods_used

        amount_remaining: None | str
        amount_remaining = self.amount_remaining

        created_at = self.created_at.isoformat()

        ended_at: None | str
        if isinstance(self.ended_at, datetime.datetime):
            ended_at = self.ended_at.isoformat()
        else:
            ended_at = self.ended_at

        end_reason: None | str
        if isinstance(self.end_reason, EndReasonEnum):
            end_reason = self.end_reason.value
        else:
            end_reason = self.end_reason

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "coupon": coupon,
                "customer_id": customer_id,
                "subscription_id": subscription_id,
                "periods_used": periods_used,
                "amount_remaining": amount_remaining,
                "created_at": created_at,
                "ended_at": ended_at,
                "end_reason": end_reason,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.coupon_output import CouponOutput  # noqa: PLC0415

        d = dict(src_dict)
        id = UUID(d.pop("id"))

        coupon = CouponOutput.from_dict(d.pop("coupon"))

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

        periods_used = d.pop("periods_used")

        def _parse_amount_remaining(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        amount_remaining = _parse_amount_remaining(d.pop("amount_remaining"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_ended_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                ended_at_type_0 = datetime.datetime.fromisoformat(data)

                return ended_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        ended_at = _parse_ended_at(d.pop("ended_at"))

        def _parse_end_reason(data: object) -> EndReasonEnum | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                end_reason_type_1 = EndReasonEnum(data)

                return end_reason_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(EndReasonEnum | None, data)

        end_reason = _parse_end_reason(d.pop("end_reason"))

        discount_output = cls(
            id=id,
            coupon=coupon,
            customer_id=customer_id,
            subscription_id=subscription_id,
            periods_used=periods_used,
            amount_remaining=amount_remaining,
            created_at=created_at,
            ended_at=ended_at,
            end_reason=end_reason,
        )

        discount_output.additional_properties = d
        return discount_output

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
