from http import HTTPStatus
from typing import Any
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.list_of_inbox_out import ListOfInboxOut
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    domain_id: None | Unset | UUID = UNSET,
    limit: int | None | Unset = UNSET,
    page_token: None | str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_domain_id: None | str | Unset
    if isinstance(domain_id, Unset):
        json_domain_id = UNSET
    elif isinstance(domain_id, UUID):
        json_domain_id = str(domain_id)
    else:
        json_domain_id = domain_id
    params["domain_id"] = json_domain_id

    json_limit: int | None | Unset
    if isinstance(limit, Unset):
        json_limit = UNSET
    else:
        json_limit = limit
    params["limit"] = json_limit

    json_page_token: None | str | Unset
    if isinstance(page_token, Unset):
        json_page_token = UNSET
    else:
        json_page_token = page_token
    params["page_token"] = json_page_token

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/inboxes",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Error | ListOfInboxOut | None:
    if response.status_code == 200:
        response_200 = ListOfInboxOut.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Error.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Error.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Error.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = Error.from_dict(response.json())

        return response_404

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
) -> Response[Error | ListOfInboxOut]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    domain_id: None | Unset | UUID = UNSET,
    limit: int | None | Unset = UNSET,
    page_token: None | str | Unset = UNSET,
) -> Response[Error | ListOfInboxOut]:
    """List inboxes

    Args:
        domain_id (None | Unset | UUID):
        limit (int | None | Unset):
        page_token (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | ListOfInboxOut]
    """

    kwargs = _get_kwargs(
        domain_id=domain_id,
        limit=limit,
        page_token=page_token,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    domain_id: None | Unset | UUID = UNSET,
    limit: int | None | Unset = UNSET,
    page_token: None | str | Unset = UNSET,
) -> Error | ListOfInboxOut | None:
    """List inboxes

    Args:
        domain_id (None | Unset | UUID):
        limit (int | None | Unset):
        page_token (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | ListOfInboxOut
    """

    return sync_detailed(
        client=client,
        domain_id=domain_id,
        limit=limit,
        page_token=page_token,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    domain_id: None | Unset | UUID = UNSET,
    limit: int | None | Unset = UNSET,
    page_token: None | str | Unset = UNSET,
) -> Response[Error | ListOfInboxOut]:
    """List inboxes

    Args:
        domain_id (None | Unset | UUID):
        limit (int | None | Unset):
        page_token (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | ListOfInboxOut]
    """

    kwargs = _get_kwargs(
        domain_id=domain_id,
        limit=limit,
        page_token=page_token,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    domain_id: None | Unset | UUID = UNSET,
    limit: int | None | Unset = UNSET,
    page_token: None | str | Unset = UNSET,
) -> Error | ListOfInboxOut | None:
    """List inboxes

    Args:
        domain_id (None | Unset | UUID):
        limit (int | None | Unset):
        page_token (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | ListOfInboxOut
    """

    return (
        await asyncio_detailed(
            client=client,
            domain_id=domain_id,
            limit=limit,
            page_token=page_token,
        )
    ).parsed
