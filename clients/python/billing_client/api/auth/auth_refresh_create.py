from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.client_error_response import ClientErrorResponse
from ...models.error_response import ErrorResponse
from ...models.error_response_404 import ErrorResponse404
from ...models.error_response_405 import ErrorResponse405
from ...models.error_response_406 import ErrorResponse406
from ...models.error_response_415 import ErrorResponse415
from ...models.error_response_500 import ErrorResponse500
from ...models.token_refresh import TokenRefresh
from ...models.token_refresh_request import TokenRefreshRequest
from ...types import Response


def _get_kwargs(
    *,
    body: TokenRefreshRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/auth/refresh",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> (
    ClientErrorResponse
    | ErrorResponse
    | ErrorResponse404
    | ErrorResponse405
    | ErrorResponse406
    | ErrorResponse415
    | ErrorResponse500
    | TokenRefresh
    | None
):
    if response.status_code == 200:
        response_200 = TokenRefresh.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ErrorResponse.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ClientErrorResponse.from_dict(response.json())

        return response_401

    if response.status_code == 404:
        response_404 = ErrorResponse404.from_dict(response.json())

        return response_404

    if response.status_code == 405:
        response_405 = ErrorResponse405.from_dict(response.json())

        return response_405

    if response.status_code == 406:
        response_406 = ErrorResponse406.from_dict(response.json())

        return response_406

    if response.status_code == 413:
        response_413 = ClientErrorResponse.from_dict(response.json())

        return response_413

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
    | ErrorResponse404
    | ErrorResponse405
    | ErrorResponse406
    | ErrorResponse415
    | ErrorResponse500
    | TokenRefresh
]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: TokenRefreshRequest,
) -> Response[
    ClientErrorResponse
    | ErrorResponse
    | ErrorResponse404
    | ErrorResponse405
    | ErrorResponse406
    | ErrorResponse415
    | ErrorResponse500
    | TokenRefresh
]:
    """simplejwt's refresh with rotation: the old refresh token is blacklisted.

    Args:
        body (TokenRefreshRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ClientErrorResponse | ErrorResponse | ErrorResponse404 | ErrorResponse405 | ErrorResponse406 | ErrorResponse415 | ErrorResponse500 | TokenRefresh]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: TokenRefreshRequest,
) -> (
    ClientErrorResponse
    | ErrorResponse
    | ErrorResponse404
    | ErrorResponse405
    | ErrorResponse406
    | ErrorResponse415
    | ErrorResponse500
    | TokenRefresh
    | None
):
    """simplejwt's refresh with rotation: the old refresh token is blacklisted.

    Args:
        body (TokenRefreshRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ClientErrorResponse | ErrorResponse | ErrorResponse404 | ErrorResponse405 | ErrorResponse406 | ErrorResponse415 | ErrorResponse500 | TokenRefresh
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: TokenRefreshRequest,
) -> Response[
    ClientErrorResponse
    | ErrorResponse
    | ErrorResponse404
    | ErrorResponse405
    | ErrorResponse406
    | ErrorResponse415
    | ErrorResponse500
    | TokenRefresh
]:
    """simplejwt's refresh with rotation: the old refresh token is blacklisted.

    Args:
        body (TokenRefreshRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ClientErrorResponse | ErrorResponse | ErrorResponse404 | ErrorResponse405 | ErrorResponse406 | ErrorResponse415 | ErrorResponse500 | TokenRefresh]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: TokenRefreshRequest,
) -> (
    ClientErrorResponse
    | ErrorResponse
    | ErrorResponse404
    | ErrorResponse405
    | ErrorResponse406
    | ErrorResponse415
    | ErrorResponse500
    | TokenRefresh
    | None
):
    """simplejwt's refresh with rotation: the old refresh token is blacklisted.

    Args:
        body (TokenRefreshRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ClientErrorResponse | ErrorResponse | ErrorResponse404 | ErrorResponse405 | ErrorResponse406 | ErrorResponse415 | ErrorResponse500 | TokenRefresh
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
