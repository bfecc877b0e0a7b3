from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.usage_event_output_properties import UsageEventOutputProperties


T = TypeVar("T", bound="UsageEventOutput")


@_attrs_define
class UsageEventOutput:
    """
    Attributes:
        id (int):
        idempotency_key (str):
        external_customer_id (str):
        meter (str):
        value (str):
        timestamp (datetime.datetime):
        properties (UsageEventOutputProperties):
        created_at (datetime.datetime):
        revision (int): 1 as stored; each amend or void adds one
        voided_at (datetime.datetime | None): Real time of the void; null when not voided
        void_reason (str): "" when not voided
    """

    id: int
    idempotency_key: str
    external_customer_id: str
    meter: str
    value: str
    timestamp: datetime.datetime
    properties: UsageEventOutputProperties
    created_at: datetime.datetime
    revision: int
    voided_at: datetime.datetime | None
    void_reason: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        idempotency_key = self.idempotency_key

        external_customer_id = self.external_customer_id

        meter = self.meter

        value = self.value

        timestamp = self.timestamp.isoformat()

        properties = self.properties.to_dict()

        created_at = self.created_at.isoformat()

        revision = self.revision

        voided_at: None | str
        if isinstance(self.voided_at, datetime.datetime):
            voided_at = self.voided_at.isoformat()
        else:
            voided_at = self.voided_at

        void_reason = self.void_reason

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "idempotency_key": idempotency_key,
                "external_customer_id": external_customer_id,
                "meter": meter,
                "value": value,
                "timestamp": timestamp,
                "properties": properties,
                "created_at": created_at,
                "revision": revision,
                "voided_at": voided_at,
                "void_reason": void_reason,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.usage_event_output_properties import UsageEventOutputProperties  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        idempotency_key = d.pop("idempotency_key")

        external_customer_id = d.pop("external_customer_id")

        meter = d.pop("meter")

        value = d.pop("value")

        timestamp = datetime.datetime.fromisoformat(d.pop("timestamp"))

        properties = UsageEventOutputProperties.from_dict(d.pop("properties"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        revision = d.pop("revision")

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

        void_reason = d.pop("void_reason")

        usage_event_output = cls(
            id=id,
            idempotency_key=idempotency_key,
            external_customer_id=external_customer_id,
            meter=meter,
            value=value,
            timestamp=timestamp,
            properties=properties,
            created_at=created_at,
            revision=revision,
            voided_at=voided_at,
            void_reason=void_reason,
        )

        usage_event_output.additional_properties = d
        return usage_event_output

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
