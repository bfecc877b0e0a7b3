from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.batch_usage_event_input_request_properties_type_0 import BatchUsageEventInputRequestPropertiesType0


T = TypeVar("T", bound="BatchUsageEventInputRequest")


@_attrs_define
class BatchUsageEventInputRequest:
    """The documented shape of one event (OpenAPI only: `parse_event` validates). Text is
    taken as sent (not trimmed); null is the same as leaving a field out.

        Attributes:
            external_customer_id (str):
            meter (str):
            idempotency_key (str):
            value (int | None | str | Unset): Default "1". A decimal string ≥ 0 below 10^15 with at most 12 decimal places,
                or a whole number
            timestamp (datetime.datetime | None | Unset): RFC 3339; default now; from 1970-01-01T00:00:00Z to 5 minutes
                ahead
            properties (BatchUsageEventInputRequestPropertiesType0 | None | Unset): A JSON object of at most 8 KB, without
                NUL characters
    """

    external_customer_id: str
    meter: str
    idempotency_key: str
    value: int | None | str | Unset = UNSET
    timestamp: datetime.datetime | None | Unset = UNSET
    properties: BatchUsageEventInputRequestPropertiesType0 | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.batch_usage_event_input_request_properties_type_0 import (
            BatchUsageEventInputRequestPropertiesType0,  # noqa: PLC0415
        )

        external_customer_id = self.external_customer_id

        meter = self.meter

        idempotency_key = self.idempotency_key

        value: int | None | str | Unset
        if isinstance(self.value, Unset):
            value = UNSET
        else:
            value = self.value

        timestamp: None | str | Unset
        if isinstance(self.timestamp, Unset):
            timestamp = UNSET
        elif isinstance(self.timestamp, datetime.datetime):
            timestamp = self.timestamp.isoformat()
        else:
            timestamp = self.timestamp

        properties: dict[str, Any] | None | Unset
        if isinstance(self.properties, Unset):
            properties = UNSET
        elif isinstance(self.properties, BatchUsageEventInputRequestPropertiesType0):
            properties = self.properties.to_dict()
        else:
            properties = self.properties

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "external_customer_id": external_customer_id,
                "meter": meter,
                "idempotency_key": idempotency_key,
            }
        )
        if value is not UNSET:
            field_dict["value"] = value
        if timestamp is not UNSET:
            field_dict["timestamp"] = timestamp
        if properties is not UNSET:
            field_dict["properties"] = properties

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.batch_usage_event_input_request_properties_type_0 import (
            BatchUsageEventInputRequestPropertiesType0,  # noqa: PLC0415
        )

        d = dict(src_dict)
        external_customer_id = d.pop("external_customer_id")

        meter = d.pop("meter")

        idempotency_key = d.pop("idempotency_key")

        def _parse_value(data: object) -> int | None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | str | Unset, data)

        value = _parse_value(d.pop("value", UNSET))

        def _parse_timestamp(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                timestamp_type_0 = datetime.datetime.fromisoformat(data)

                return timestamp_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        timestamp = _parse_timestamp(d.pop("timestamp", UNSET))

        def _parse_properties(data: object) -> BatchUsageEventInputRequestPropertiesType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                properties_type_0 = BatchUsageEventInputRequestPropertiesType0.from_dict(data)

                return properties_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(BatchUsageEventInputRequestPropertiesType0 | None | Unset, data)

        properties = _parse_properties(d.pop("properties", UNSET))

        batch_usage_event_input_request = cls(
            external_customer_id=external_customer_id,
            meter=meter,
            idempotency_key=idempotency_key,
            value=value,
            timestamp=timestamp,
            properties=properties,
        )

        batch_usage_event_input_request.additional_properties = d
        return batch_usage_event_input_request

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
