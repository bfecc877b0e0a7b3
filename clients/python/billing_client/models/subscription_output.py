from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.subscription_status_enum import SubscriptionStatusEnum

if TYPE_CHECKING:
    from ..models.pending_change_output import PendingChangeOutput


T = TypeVar("T", bound="SubscriptionOutput")


@_attrs_define
class SubscriptionOutput:
    """
    Attributes:
        id (UUID):
        customer_id (UUID):
        plan_id (UUID):
        status (SubscriptionStatusEnum): * `trialing` - Trialing
            * `active` - Active
            * `past_due` - Past due
            * `canceled` - Canceled
        start_at (datetime.datetime): When the subscription began (may be in the past for a backfill)
        trial_end (datetime.datetime | None): End of the free trial; null without one
        current_period_start (datetime.datetime):
        current_period_end (datetime.datetime): Exclusive: periods are [start, end)
        cancel_at_period_end (bool):
        canceled_at (datetime.datetime | None):
        pending_change (None | PendingChangeOutput): A plan change for the end of the current period (effective:
            period_end); null without one
        created_at (datetime.datetime):
    """

    id: UUID
    customer_id: UUID
    plan_id: UUID
    status: SubscriptionStatusEnum
    start_at: datetime.datetime
    trial_end: datetime.datetime | None
    current_period_start: datetime.datetime
    current_period_end: datetime.datetime
    cancel_at_period_end: bool
    canceled_at: datetime.datetime | None
    pending_change: None | PendingChangeOutput
    created_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.pending_change_output import PendingChangeOutput  # noqa: PLC0415

        id = str(self.id)

        customer_id = str(self.customer_id)

        plan_id = str(self.plan_id)

        status = self.status.value

        start_at = self.start_at.isoformat()

        trial_end: None | str
        if isinstance(self.trial_end, datetime.datetime):
            trial_end = self.trial_end.isoformat()
        else:
            trial_end = self.trial_end

        current_period_start = self.current_period_start.isoformat()

        current_period_end = self.current_period_end.isoformat()

        cancel_at_period_end = self.cancel_at_period_end

        canceled_at: None | str
        if isinstance(self.canceled_at, datetime.datetime):
            canceled_at = self.canceled_at.isoformat()
        else:
            canceled_at = self.canceled_at

        pending_change: dict[str, Any] | None
        if isinstance(self.pending_change, PendingChangeOutput):
            pending_change = self.pending_change.to_dict()
        else:
            pending_change = self.pending_change

        created_at = self.created_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "customer_id": customer_id,
                "plan_id": plan_id,
                "status": status,
                "start_at": start_at,
                "trial_end": trial_end,
                "current_period_start": current_period_start,
                "current_period_end": current_period_end,
                "cancel_at_period_end": cancel_at_period_end,
                "canceled_at": canceled_at,
                "pending_change": pending_change,
                "created_at": created_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.pending_change_output import PendingChangeOutput  # noqa: PLC0415

        d = dict(src_dict)
        id = UUID(d.pop("id"))

        customer_id = UUID(d.pop("customer_id"))

        plan_id = UUID(d.pop("plan_id"))

        status = SubscriptionStatusEnum(d.pop("status"))

        start_at = datetime.datetime.fromisoformat(d.pop("start_at"))

        def _parse_trial_end(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                trial_end_type_0 = datetime.datetime.fromisoformat(data)

                return trial_end_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        trial_end = _parse_trial_end(d.pop("trial_end"))

        current_period_start = datetime.datetime.fromisoformat(d.pop("current_period_start"))

        current_period_end = datetime.datetime.fromisoformat(d.pop("current_period_end"))

        cancel_at_period_end = d.pop("cancel_at_period_end")

        def _parse_canceled_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                canceled_at_type_0 = datetime.datetime.fromisoformat(data)

                return canceled_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        canceled_at = _parse_canceled_at(d.pop("canceled_at"))

        def _parse_pending_change(data: object) -> None | PendingChangeOutput:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                pending_change_type_1 = PendingChangeOutput.from_dict(data)

                return pending_change_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PendingChangeOutput, data)

        pending_change = _parse_pending_change(d.pop("pending_change"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        subscription_output = cls(
            id=id,
            customer_id=customer_id,
            plan_id=plan_id,
            status=status,
            start_at=start_at,
            trial_end=trial_end,
            current_period_start=current_period_start,
            current_period_end=current_period_end,
            cancel_at_period_end=cancel_at_period_end,
            canceled_at=canceled_at,
            pending_change=pending_change,
            created_at=created_at,
        )

        subscription_output.additional_properties = d
        return subscription_output

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
