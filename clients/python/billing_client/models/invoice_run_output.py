from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.invoice_run_status_enum import InvoiceRunStatusEnum

T = TypeVar("T", bound="InvoiceRunOutput")


@_attrs_define
class InvoiceRunOutput:
    """
    Attributes:
        id (UUID):
        status (InvoiceRunStatusEnum): * `queued` - Queued
            * `running` - Running
            * `succeeded` - Succeeded
            * `failed` - Failed
        as_of (datetime.datetime):
        invoices_created (int):
        subscriptions_processed (int):
        started_at (datetime.datetime | None):
        finished_at (datetime.datetime | None):
        error (str):
        errors (Any): Subscriptions that could not be billed: [{subscription_id, error}]
        created_at (datetime.datetime):
    """

    id: UUID
    status: InvoiceRunStatusEnum
    as_of: datetime.datetime
    invoices_created: int
    subscriptions_processed: int
    started_at: datetime.datetime | None
    finished_at: datetime.datetime | None
    error: str
    errors: Any
    created_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        status = self.status.value

        as_of = self.as_of.isoformat()

        invoices_created = self.invoices_created

        subscriptions_processed = self.subscriptions_processed

        started_at: None | str
        if isinstance(self.started_at, datetime.datetime):
            started_at = self.started_at.isoformat()
        else:
            started_at = self.started_at

        finished_at: None | str
        if isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        error = self.error

        errors = self.errors

        created_at = self.created_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "status": status,
                "as_of": as_of,
                "invoices_created": invoices_created,
                "subscriptions_processed": subscriptions_processed,
                "started_at": started_at,
                "finished_at": finished_at,
                "error": error,
                "errors": errors,
                "created_at": created_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = UUID(d.pop("id"))

        status = InvoiceRunStatusEnum(d.pop("status"))

        as_of = datetime.datetime.fromisoformat(d.pop("as_of"))

        invoices_created = d.pop("invoices_created")

        subscriptions_processed = d.pop("subscriptions_processed")

        def _parse_started_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                started_at_type_0 = datetime.datetime.fromisoformat(data)

                return started_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        started_at = _parse_started_at(d.pop("started_at"))

        def _parse_finished_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                finished_at_type_0 = datetime.datetime.fromisoformat(data)

                return finished_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        finished_at = _parse_finished_at(d.pop("finished_at"))

        error = d.pop("error")

        errors = d.pop("errors")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        invoice_run_output = cls(
            id=id,
            status=status,
            as_of=as_of,
            invoices_created=invoices_created,
            subscriptions_processed=subscriptions_processed,
            started_at=started_at,
            finished_at=finished_at,
            error=error,
            errors=errors,
            created_at=created_at,
        )

        invoice_run_output.additional_properties = d
        return invoice_run_output

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
