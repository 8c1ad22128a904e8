import datetime
from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.list_of_suppression_out import ListOfSuppressionOut
from ...models.suppression_reason import SuppressionReason
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    reason: None | SuppressionReason | Unset = UNSET,
    prefix: None | str | Unset = UNSET,
    since: datetime.datetime | None | Unset = UNSET,
    limit: int | None | Unset = UNSET,
    page_token: None | str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_reason: None | str | Unset
    if isinstance(reason, Unset):
        json_reason = UNSET
    elif isinstance(reason, str):
        json_reason = reason
    else:
        json_reason = reason
    params["reason"] = json_reason

    json_prefix: None | str | Unset
    if isinstance(prefix, Unset):
        json_prefix = UNSET
    else:
        json_prefix = prefix
    params["prefix"] = json_prefix

    json_since: None | str | Unset
    if isinstance(since, Unset):
        json_since = UNSET
    elif isinstance(since, datetime.datetime):
        json_since = since.isoformat()
    else:
        json_since = since
    params["since"] = json_since

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
        "url": "/suppressions",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Error | ListOfSuppressionOut | None:
    if response.status_code == 200:
        response_200 = ListOfSuppressionOut.from_dict(response.json())

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
) -> Response[Error | ListOfSuppressionOut]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    reason: None | SuppressionReason | Unset = UNSET,
    prefix: None | str | Unset = UNSET,
    since: datetime.datetime | None | Unset = UNSET,
    limit: int | None | Unset = UNSET,
    page_token: None | str | Unset = UNSET,
) -> Response[Error | ListOfSuppressionOut]:
    """List suppressed addresses, oldest first

     Filter by `reason`, by the start of the address (`prefix`, any case) and by when it was suppressed
    (`since`, inclusive).

    Args:
        reason (None | SuppressionReason | Unset):
        prefix (None | str | Unset):
        since (datetime.datetime | None | Unset):
        limit (int | None | Unset):
        page_token (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | ListOfSuppressionOut]
    """

    kwargs = _get_kwargs(
        reason=reason,
        prefix=prefix,
        since=since,
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
    reason: None | SuppressionReason | Unset = UNSET,
    prefix: None | str | Unset = UNSET,
    since: datetime.datetime | None | Unset = UNSET,
    limit: int | None | Unset = UNSET,
    page_token: None | str | Unset = UNSET,
) -> Error | ListOfSuppressionOut | None:
    """List suppressed addresses, oldest first

     Filter by `reason`, by the start of the address (`prefix`, any case) and by when it was suppressed
    (`since`, inclusive).

    Args:
        reason (None | SuppressionReason | Unset):
        prefix (None | str | Unset):
        since (datetime.datetime | None | Unset):
        limit (int | None | Unset):
        page_token (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | ListOfSuppressionOut
    """

    return sync_detailed(
        client=client,
        reason=reason,
        prefix=prefix,
        since=since,
        limit=limit,
        page_token=page_token,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    reason: None | SuppressionReason | Unset = UNSET,
    prefix: None | str | Unset = UNSET,
    since: datetime.datetime | None | Unset = UNSET,
    limit: int | None | Unset = UNSET,
    page_token: None | str | Unset = UNSET,
) -> Response[Error | ListOfSuppressionOut]:
    """List suppressed addresses, oldest first

     Filter by `reason`, by the start of the address (`prefix`, any case) and by when it was suppressed
    (`since`, inclusive).

    Args:
        reason (None | SuppressionReason | Unset):
        prefix (None | str | Unset):
        since (datetime.datetime | None | Unset):
        limit (int | None | Unset):
        page_token (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | ListOfSuppressionOut]
    """

    kwargs = _get_kwargs(
        reason=reason,
        prefix=prefix,
        since=since,
        limit=limit,
        page_token=page_token,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    reason: None | SuppressionReason | Unset = UNSET,
    prefix: None | str | Unset = UNSET,
    since: datetime.datetime | None | Unset = UNSET,
    limit: int | None | Unset = UNSET,
    page_token: None | str | Unset = UNSET,
) -> Error | ListOfSuppressionOut | None:
    """List suppressed addresses, oldest first

     Filter by `reason`, by the start of the address (`prefix`, any case) and by when it was suppressed
    (`since`, inclusive).

    Args:
        reason (None | SuppressionReason | Unset):
        prefix (None | str | Unset):
        since (datetime.datetime | None | Unset):
        limit (int | None | Unset):
        page_token (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | ListOfSuppressionOut
    """

    return (
        await asyncio_detailed(
            client=client,
            reason=reason,
            prefix=prefix,
            since=since,
            limit=limit,
            page_token=page_token,
        )
    ).parsed
