import datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.audit_log_list_actor_type import AuditLogListActorType
from ...models.client_error_response import ClientErrorResponse
from ...models.error_response import ErrorResponse
from ...models.error_response_403 import ErrorResponse403
from ...models.error_response_404 import ErrorResponse404
from ...models.error_response_405 import ErrorResponse405
from ...models.error_response_406 import ErrorResponse406
from ...models.error_response_415 import ErrorResponse415
from ...models.error_response_500 import ErrorResponse500
from ...models.paginated_audit_entry_output_list import PaginatedAuditEntryOutputList
from ...types import UNSET, Response, Unset


def _get_kwargs(
    tenant_id: UUID,
    *,
    action: str | Unset = UNSET,
    actor: str | Unset = UNSET,
    actor_type: AuditLogListActorType | Unset = UNSET,
    cursor: str | Unset = UNSET,
    from_: datetime.datetime | Unset = UNSET,
    limit: int | Unset = 50,
    object_id: str | Unset = UNSET,
    object_type: str | Unset = UNSET,
    to: datetime.datetime | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["action"] = action

    params["actor"] = actor

    json_actor_type: str | Unset = UNSET
    if not isinstance(actor_type, Unset):
        json_actor_type = actor_type.value

    params["actor_type"] = json_actor_type

    params["cursor"] = cursor

    json_from_: str | Unset = UNSET
    if not isinstance(from_, Unset):
        json_from_ = from_.isoformat()
    params["from"] = json_from_

    params["limit"] = limit

    params["object_id"] = object_id

    params["object_type"] = object_type

    json_to: str | Unset = UNSET
    if not isinstance(to, Unset):
        json_to = to.isoformat()
    params["to"] = json_to

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/tenants/{tenant_id}/audit-log".format(
            tenant_id=quote(str(tenant_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> (
    ClientErrorResponse
    | ErrorResponse
    | ErrorResponse403
    | ErrorResponse404
    | ErrorResponse405
    | ErrorResponse406
    | ErrorResponse415
    | ErrorResponse500
    | PaginatedAuditEntryOutputList
    | None
):
    if response.status_code == 200:
        response_200 = PaginatedAuditEntryOutputList.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ErrorResponse.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ClientErrorResponse.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = ErrorResponse403.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = ErrorResponse404.from_dict(response.json())

        return response_404

    if response.status_code == 405:
        response_405 = ErrorResponse405.from_dict(response.json())

        return response_405

    if response.status_code == 406:
        response_406 = ErrorResponse406.from_dict(response.json())

        return response_406

    if response.status_code == 415:
        response_415 = ErrorResponse415.from_dict(response.json())

        return response_415

    if response.status_code == 500:
        response_500 = ErrorResponse500.from_dict(response.json())

        return response_500

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[
    ClientErrorResponse
    | ErrorResponse
    | ErrorResponse403
    | ErrorResponse404
    | ErrorResponse405
    | ErrorResponse406
    | ErrorResponse415
    | ErrorResponse500
    | PaginatedAuditEntryOutputList
]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    tenant_id: UUID,
    *,
    client: AuthenticatedClient,
    action: str | Unset = UNSET,
    actor: str | Unset = UNSET,
    actor_type: AuditLogListActorType | Unset = UNSET,
    cursor: str | Unset = UNSET,
    from_: datetime.datetime | Unset = UNSET,
    limit: int | Unset = 50,
    object_id: str | Unset = UNSET,
    object_type: str | Unset = UNSET,
    to: datetime.datetime | Unset = UNSET,
) -> Response[
    ClientErrorResponse
    | ErrorResponse
    | ErrorResponse403
    | ErrorResponse404
    | ErrorResponse405
    | ErrorResponse406
    | ErrorResponse415
    | ErrorResponse500
    | PaginatedAuditEntryOutputList
]:
    """Base API class of tenant routes. Set `model` (for `get_queryset`) and, when
    the route is not for every member, `read_role` / `write_role`.

    Args:
        tenant_id (UUID):
        action (str | Unset):
        actor (str | Unset):
        actor_type (AuditLogListActorType | Unset):
        cursor (str | Unset):
        from_ (datetime.datetime | Unset):
        limit (int | Unset):  Default: 50.
        object_id (str | Unset):
        object_type (str | Unset):
        to (datetime.datetime | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ClientErrorResponse | ErrorResponse | ErrorResponse403 | ErrorResponse404 | ErrorResponse405 | ErrorResponse406 | ErrorResponse415 | ErrorResponse500 | PaginatedAuditEntryOutputList]
    """

    kwargs = _get_kwargs(
        tenant_id=tenant_id,
        action=action,
        actor=actor,
        actor_type=actor_type,
        cursor=cursor,
        from_=from_,
        limit=limit,
        object_id=object_id,
        object_type=object_type,
        to=to,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    tenant_id: UUID,
    *,
    client: AuthenticatedClient,
    action: str | Unset = UNSET,
    actor: str | Unset = UNSET,
    actor_type: AuditLogListActorType | Unset = UNSET,
    cursor: str | Unset = UNSET,
    from_: datetime.datetime | Unset = UNSET,
    limit: int | Unset = 50,
    object_id: str | Unset = UNSET,
    object_type: str | Unset = UNSET,
    to: datetime.datetime | Unset = UNSET,
) -> (
    ClientErrorResponse
    | ErrorResponse
    | ErrorResponse403
    | ErrorResponse404
    | ErrorResponse405
    | ErrorResponse406
    | ErrorResponse415
    | ErrorResponse500
    | PaginatedAuditEntryOutputList
    | None
):
    """Base API class of tenant routes. Set `model` (for `get_queryset`) and, when
    the route is not for every member, `read_role` / `write_role`.

    Args:
        tenant_id (UUID):
        action (str | Unset):
        actor (str | Unset):
        actor_type (AuditLogListActorType | Unset):
        cursor (str | Unset):
        from_ (datetime.datetime | Unset):
        limit (int | Unset):  Default: 50.
        object_id (str | Unset):
        object_type (str | Unset):
        to (datetime.datetime | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ClientErrorResponse | ErrorResponse | ErrorResponse403 | ErrorResponse404 | ErrorResponse405 | ErrorResponse406 | ErrorResponse415 | ErrorResponse500 | PaginatedAuditEntryOutputList
    """

    return sync_detailed(
        tenant_id=tenant_id,
        client=client,
        action=action,
        actor=actor,
        actor_type=actor_type,
        cursor=cursor,
        from_=from_,
        limit=limit,
        object_id=object_id,
        object_type=object_type,
        to=to,
    ).parsed


async def asyncio_detailed(
    tenant_id: UUID,
    *,
    client: AuthenticatedClient,
    action: str | Unset = UNSET,
    actor: str | Unset = UNSET,
    actor_type: AuditLogListActorType | Unset = UNSET,
    cursor: str | Unset = UNSET,
    from_: datetime.datetime | Unset = UNSET,
    limit: int | Unset = 50,
    object_id: str | Unset = UNSET,
    object_type: str | Unset = UNSET,
    to: datetime.datetime | Unset = UNSET,
) -> Response[
    ClientErrorResponse
    | ErrorResponse
    | ErrorResponse403
    | ErrorResponse404
    | ErrorResponse405
    | ErrorResponse406
    | ErrorResponse415
    | ErrorResponse500
    | PaginatedAuditEntryOutputList
]:
    """Base API class of tenant routes. Set `model` (for `get_queryset`) and, when
    the route is not for every member, `read_role` / `write_role`.

    Args:
        tenant_id (UUID):
        action (str | Unset):
        actor (str | Unset):
        actor_type (AuditLogListActorType | Unset):
        cursor (str | Unset):
        from_ (datetime.datetime | Unset):
        limit (int | Unset):  Default: 50.
        object_id (str | Unset):
        object_type (str | Unset):
        to (datetime.datetime | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ClientErrorResponse | ErrorResponse | ErrorResponse403 | ErrorResponse404 | ErrorResponse405 | ErrorResponse406 | ErrorResponse415 | ErrorResponse500 | PaginatedAuditEntryOutputList]
    """

    kwargs = _get_kwargs(
        tenant_id=tenant_id,
        action=action,
        actor=actor,
        actor_type=actor_type,
        cursor=cursor,
        from_=from_,
        limit=limit,
        object_id=object_id,
        object_type=object_type,
        to=to,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    tenant_id: UUID,
    *,
    client: AuthenticatedClient,
    action: str | Unset = UNSET,
    actor: str | Unset = UNSET,
    actor_type: AuditLogListActorType | Unset = UNSET,
    cursor: str | Unset = UNSET,
    from_: datetime.datetime | Unset = UNSET,
    limit: int | Unset = 50,
    object_id: str | Unset = UNSET,
    object_type: str | Unset = UNSET,
    to: datetime.datetime | Unset = UNSET,
) -> (
    ClientErrorResponse
    | ErrorResponse
    | ErrorResponse403
    | ErrorResponse404
    | ErrorResponse405
    | ErrorResponse406
    | ErrorResponse415
    | ErrorResponse500
    | PaginatedAuditEntryOutputList
    | None
):
    """Base API class of tenant routes. Set `model` (for `get_queryset`) and, when
    the route is not for every member, `read_role` / `write_role`.

    Args:
        tenant_id (UUID):
        action (str | Unset):
        actor (str | Unset):
        actor_type (AuditLogListActorType | Unset):
        cursor (str | Unset):
        from_ (datetime.datetime | Unset):
        limit (int | Unset):  Default: 50.
        object_id (str | Unset):
        object_type (str | Unset):
        to (datetime.datetime | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ClientErrorResponse | ErrorResponse | ErrorResponse403 | ErrorResponse404 | ErrorResponse405 | ErrorResponse406 | ErrorResponse415 | ErrorResponse500 | PaginatedAuditEntryOutputList
    """

    return (
        await asyncio_detailed(
            tenant_id=tenant_id,
            client=client,
            action=action,
            actor=actor,
            actor_type=actor_type,
            cursor=cursor,
            from_=from_,
            limit=limit,
            object_id=object_id,
            object_type=object_type,
            to=to,
        )
    ).parsed
