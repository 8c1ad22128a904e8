from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.create_api_key import CreateApiKey
from ...models.created_api_key_out import CreatedApiKeyOut
from ...models.error import Error
from ...types import Response


def _get_kwargs(
    *,
    body: CreateApiKey,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api-keys",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> CreatedApiKeyOut | Error | None:
    if response.status_code == 201:
        response_201 = CreatedApiKeyOut.from_dict(response.json())

        return response_201

    if response.status_code == 400:
        response_400 = Error.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Error.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Error.from_dict(response.json())

        return response_403

    if response.status_code == 409:
        response_409 = Error.from_dict(response.json())

        return response_409

    if response.status_code == 413:
        response_413 = Error.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = Error.from_dict(response.json())

        return response_415

    if response.status_code == 429:
        response_429 = Error.from_dict(response.json())

        return response_429

    if response.status_code == 500:
        response_500 = Error.from_dict(response.json())

        return response_500

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[CreatedApiKeyOut | Error]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: CreateApiKey,
) -> Response[CreatedApiKeyOut | Error]:
    """Mint an API key

     A key's `rate_limit_per_minute` may not exceed its organisation's limit over all its keys (400
    naming the field). An organisation holds at most 100 live keys unless the operator set another cap:
    beyond it, 409 `conflict` until a key is revoked. `scopes` narrow what the key may do and
    `inbox_ids` bind it to some inboxes; without them it may do anything, anywhere in the organisation.
    A key is made whole at once: its scopes and inboxes never change.

    Args:
        body (CreateApiKey):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CreatedApiKeyOut | Error]
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
    client: AuthenticatedClient,
    body: CreateApiKey,
) -> CreatedApiKeyOut | Error | None:
    """Mint an API key

     A key's `rate_limit_per_minute` may not exceed its organisation's limit over all its keys (400
    naming the field). An organisation holds at most 100 live keys unless the operator set another cap:
    beyond it, 409 `conflict` until a key is revoked. `scopes` narrow what the key may do and
    `inbox_ids` bind it to some inboxes; without them it may do anything, anywhere in the organisation.
    A key is made whole at once: its scopes and inboxes never change.

    Args:
        body (CreateApiKey):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CreatedApiKeyOut | Error
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: CreateApiKey,
) -> Response[CreatedApiKeyOut | Error]:
    """Mint an API key

     A key's `rate_limit_per_minute` may not exceed its organisation's limit over all its keys (400
    naming the field). An organisation holds at most 100 live keys unless the operator set another cap:
    beyond it, 409 `conflict` until a key is revoked. `scopes` narrow what the key may do and
    `inbox_ids` bind it to some inboxes; without them it may do anything, anywhere in the organisation.
    A key is made whole at once: its scopes and inboxes never change.

    Args:
        body (CreateApiKey):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CreatedApiKeyOut | Error]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: CreateApiKey,
) -> CreatedApiKeyOut | Error | None:
    """Mint an API key

     A key's `rate_limit_per_minute` may not exceed its organisation's limit over all its keys (400
    naming the field). An organisation holds at most 100 live keys unless the operator set another cap:
    beyond it, 409 `conflict` until a key is revoked. `scopes` narrow what the key may do and
    `inbox_ids` bind it to some inboxes; without them it may do anything, anywhere in the organisation.
    A key is made whole at once: its scopes and inboxes never change.

    Args:
        body (CreateApiKey):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CreatedApiKeyOut | Error
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
