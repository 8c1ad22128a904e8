from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...types import UNSET, Response, Unset


def _get_kwargs(
    message_id: UUID,
    *,
    permanent: bool | Unset = False,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["permanent"] = permanent

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "delete",
        "url": "/messages/{message_id}".format(
            message_id=quote(str(message_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Any | Error | None:
    if response.status_code == 204:
        response_204 = cast(Any, None)
        return response_204

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
) -> Response[Any | Error]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    message_id: UUID,
    *,
    client: AuthenticatedClient,
    permanent: bool | Unset = False,
) -> Response[Any | Error]:
    """Delete a message: to trash, or (permanent) erase it from trash for good

     Without `permanent`, the message moves to trash (it stays readable by id and can be restored);
    deleting a message in trash changes nothing. With `permanent=true`, a message already in trash is
    erased: its rows, raw source and attachments are removed (409 when it is not in trash). Erasing also
    needs the scope `messages:erase`.

    Args:
        message_id (UUID):
        permanent (bool | Unset): Erase the message (already in trash) for good. Default: False.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | Error]
    """

    kwargs = _get_kwargs(
        message_id=message_id,
        permanent=permanent,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    message_id: UUID,
    *,
    client: AuthenticatedClient,
    permanent: bool | Unset = False,
) -> Any | Error | None:
    """Delete a message: to trash, or (permanent) erase it from trash for good

     Without `permanent`, the message moves to trash (it stays readable by id and can be restored);
    deleting a message in trash changes nothing. With `permanent=true`, a message already in trash is
    erased: its rows, raw source and attachments are removed (409 when it is not in trash). Erasing also
    needs the scope `messages:erase`.

    Args:
        message_id (UUID):
        permanent (bool | Unset): Erase the message (already in trash) for good. Default: False.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | Error
    """

    return sync_detailed(
        message_id=message_id,
        client=client,
        permanent=permanent,
    ).parsed


async def asyncio_detailed(
    message_id: UUID,
    *,
    client: AuthenticatedClient,
    permanent: bool | Unset = False,
) -> Response[Any | Error]:
    """Delete a message: to trash, or (permanent) erase it from trash for good

     Without `permanent`, the message moves to trash (it stays readable by id and can be restored);
    deleting a message in trash changes nothing. With `permanent=true`, a message already in trash is
    erased: its rows, raw source and attachments are removed (409 when it is not in trash). Erasing also
    needs the scope `messages:erase`.

    Args:
        message_id (UUID):
        permanent (bool | Unset): Erase the message (already in trash) for good. Default: False.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | Error]
    """

    kwargs = _get_kwargs(
        message_id=message_id,
        permanent=permanent,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    message_id: UUID,
    *,
    client: AuthenticatedClient,
    permanent: bool | Unset = False,
) -> Any | Error | None:
    """Delete a message: to trash, or (permanent) erase it from trash for good

     Without `permanent`, the message moves to trash (it stays readable by id and can be restored);
    deleting a message in trash changes nothing. With `permanent=true`, a message already in trash is
    erased: its rows, raw source and attachments are removed (409 when it is not in trash). Erasing also
    needs the scope `messages:erase`.

    Args:
        message_id (UUID):
        permanent (bool | Unset): Erase the message (already in trash) for good. Default: False.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | Error
    """

    return (
        await asyncio_detailed(
            message_id=message_id,
            client=client,
            permanent=permanent,
        )
    ).parsed
