from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.events_out import EventsOut
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    after: None | str | Unset = UNSET,
    limit: int | None | Unset = UNSET,
    type_: list[str] | None | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_after: None | str | Unset
    if isinstance(after, Unset):
        json_after = UNSET
    else:
        json_after = after
    params["after"] = json_after

    json_limit: int | None | Unset
    if isinstance(limit, Unset):
        json_limit = UNSET
    else:
        json_limit = limit
    params["limit"] = json_limit

    json_type_: list[str] | None | Unset
    if isinstance(type_, Unset):
        json_type_ = UNSET
    elif isinstance(type_, list):
        json_type_ = type_

    else:
        json_type_ = type_
    params["type"] = json_type_

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/events",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Error | EventsOut | None:
    if response.status_code == 200:
        response_200 = EventsOut.from_dict(response.json())

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
) -> Response[Error | EventsOut]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    after: None | str | Unset = UNSET,
    limit: int | None | Unset = UNSET,
    type_: list[str] | None | Unset = UNSET,
) -> Response[Error | EventsOut]:
    """Read the event log after a cursor

     Events come oldest first. Keep the answer's `cursor` and pass it as `after` next time to read on
    without gaps or repeats; with no `after` the log is read from its start. A page may hold fewer
    events than `limit` when they would not fit in one answer: read on from its cursor.

    Args:
        after (None | str | Unset):
        limit (int | None | Unset):
        type_ (list[str] | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | EventsOut]
    """

    kwargs = _get_kwargs(
        after=after,
        limit=limit,
        type_=type_,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    after: None | str | Unset = UNSET,
    limit: int | None | Unset = UNSET,
    type_: list[str] | None | Unset = UNSET,
) -> Error | EventsOut | None:
    """Read the event log after a cursor

     Events come oldest first. Keep the answer's `cursor` and pass it as `after` next time to read on
    without gaps or repeats; with no `after` the log is read from its start. A page may hold fewer
    events than `limit` when they would not fit in one answer: read on from its cursor.

    Args:
        after (None | str | Unset):
        limit (int | None | Unset):
        type_ (list[str] | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | EventsOut
    """

    return sync_detailed(
        client=client,
        after=after,
        limit=limit,
        type_=type_,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    after: None | str | Unset = UNSET,
    limit: int | None | Unset = UNSET,
    type_: list[str] | None | Unset = UNSET,
) -> Response[Error | EventsOut]:
    """Read the event log after a cursor

     Events come oldest first. Keep the answer's `cursor` and pass it as `after` next time to read on
    without gaps or repeats; with no `after` the log is read from its start. A page may hold fewer
    events than `limit` when they would not fit in one answer: read on from its cursor.

    Args:
        after (None | str | Unset):
        limit (int | None | Unset):
        type_ (list[str] | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | EventsOut]
    """

    kwargs = _get_kwargs(
        after=after,
        limit=limit,
        type_=type_,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    after: None | str | Unset = UNSET,
    limit: int | None | Unset = UNSET,
    type_: list[str] | None | Unset = UNSET,
) -> Error | EventsOut | None:
    """Read the event log after a cursor

     Events come oldest first. Keep the answer's `cursor` and pass it as `after` next time to read on
    without gaps or repeats; with no `after` the log is read from its start. A page may hold fewer
    events than `limit` when they would not fit in one answer: read on from its cursor.

    Args:
        after (None | str | Unset):
        limit (int | None | Unset):
        type_ (list[str] | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | EventsOut
    """

    return (
        await asyncio_detailed(
            client=client,
            after=after,
            limit=limit,
            type_=type_,
        )
    ).parsed
