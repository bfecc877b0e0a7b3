from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.event_types_enum import EventTypesEnum
from ..types import UNSET, Unset

T = TypeVar("T", bound="WebhookEndpointOutput")


@_attrs_define
class WebhookEndpointOutput:
    """
    Attributes:
        id (UUID):
        url (str):
        created_at (datetime.datetime):
        updated_at (datetime.datetime):
        event_types (list[EventTypesEnum] | Unset): Event types sent to this endpoint; empty means all
        description (str | Unset):
        active (bool | Unset): Inactive endpoints receive no new events
    """

    id: UUID
    url: str
    created_at: datetime.datetime
    updated_at: datetime.datetime
    event_types: list[EventTypesEnum] | Unset = UNSET
    description: str | Unset = UNSET
    active: bool | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        url = self.url

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        event_types: list[str] | Unset = UNSET
        if not isinstance(self.event_types, Unset):
            event_types = []
            for event_types_item_data in self.event_types:
                event_types_item = event_types_item_data.value
                event_types.append(event_types_item)

        description = self.description

        active = self.active

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "url": url,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )
        if event_types is not UNSET:
            field_dict["event_types"] = event_types
        if description is not UNSET:
            field_dict["description"] = description
        if active is not UNSET:
            field_dict["active"] = active

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = UUID(d.pop("id"))

        url = d.pop("url")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        _event_types = d.pop("event_types", UNSET)
        event_types: list[EventTypesEnum] | Unset = UNSET
        if _event_types is not UNSET:
            event_types = []
            for event_types_item_data in _event_types:
                event_types_item = EventTypesEnum(event_types_item_data)

                event_types.append(event_types_item)

        description = d.pop("description", UNSET)

        active = d.pop("active", UNSET)

        webhook_endpoint_output = cls(
            id=id,
            url=url,
            created_at=created_at,
            updated_at=updated_at,
            event_types=event_types,
            description=description,
            active=active,
        )

        webhook_endpoint_output.additional_properties = d
        return webhook_endpoint_output

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
