import datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.delivery_filter import DeliveryFilter
from ...models.direction import Direction
from ...models.error import Error
from ...models.list_of_thread_out import ListOfThreadOut
from ...types import UNSET, Response, Unset


def _get_kwargs(
    inbox_id: UUID,
    *,
    folder: None | str | Unset = UNSET,
    label: None | str | Unset = UNSET,
    unread: bool | None | Unset = UNSET,
    starred: bool | None | Unset = UNSET,
    has_attachment: bool | None | Unset = UNSET,
    direction: Direction | None | Unset = UNSET,
    from_: None | str | Unset = UNSET,
    since: datetime.datetime | None | Unset = UNSET,
    until: datetime.datetime | None | Unset = UNSET,
    delivery_status: DeliveryFilter | None | Unset = UNSET,
    limit: int | None | Unset = UNSET,
    page_token: None | str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_folder: None | str | Unset
    if isinstance(folder, Unset):
        json_folder = UNSET
    else:
        json_folder = folder
    params["folder"] = json_folder

    json_label: None | str | Unset
    if isinstance(label, Unset):
        json_label = UNSET
    else:
        json_label = label
    params["label"] = json_label

    json_unread: bool | None | Unset
    if isinstance(unread, Unset):
        json_unread = UNSET
    else:
        json_unread = unread
    params["unread"] = json_unread

    json_starred: bool | None | Unset
    if isinstance(starred, Unset):
        json_starred = UNSET
    else:
        json_starred = starred
    params["starred"] = json_starred

    json_has_attachment: bool | None | Unset
    if isinstance(has_attachment, Unset):
        json_has_attachment = UNSET
    else:
        json_has_attachment = has_attachment
    params["has_attachment"] = json_has_attachment

    json_direction: None | str | Unset
    if isinstance(direction, Unset):
        json_direction = UNSET
    elif isinstance(direction, str):
        json_direction = direction
    else:
        json_direction = direction
    params["direction"] = json_direction

    json_from_: None | str | Unset
    if isinstance(from_, Unset):
        json_from_ = UNSET
    else:
        json_from_ = from_
    params["from"] = json_from_

    json_since: None | str | Unset
    if isinstance(since, Unset):
        json_since = UNSET
    elif isinstance(since, datetime.datetime):
        json_since = since.isoformat()
    else:
        json_since = since
    params["since"] = json_since

    json_until: None | str | Unset
    if isinstance(until, Unset):
        json_until = UNSET
    elif isinstance(until, datetime.datetime):
        json_until = until.isoformat()
    else:
        json_until = until
    params["until"] = json_until

    json_delivery_status: None | str | Unset
    if isinstance(delivery_status, Unset):
        json_delivery_status = UNSET
    elif isinstance(delivery_status, str):
        json_delivery_status = delivery_status
    else:
        json_delivery_status = delivery_status
    params["delivery_status"] = json_delivery_status

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
        "url": "/inboxes/{inbox_id}/threads".format(
            inbox_id=quote(str(inbox_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Error | ListOfThreadOut | None:
    if response.status_code == 200:
        response_200 = ListOfThreadOut.from_dict(response.json())

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
) -> Response[Error | ListOfThreadOut]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    inbox_id: UUID,
    *,
    client: AuthenticatedClient,
    folder: None | str | Unset = UNSET,
    label: None | str | Unset = UNSET,
    unread: bool | None | Unset = UNSET,
    starred: bool | None | Unset = UNSET,
    has_attachment: bool | None | Unset = UNSET,
    direction: Direction | None | Unset = UNSET,
    from_: None | str | Unset = UNSET,
    since: datetime.datetime | None | Unset = UNSET,
    until: datetime.datetime | None | Unset = UNSET,
    delivery_status: DeliveryFilter | None | Unset = UNSET,
    limit: int | None | Unset = UNSET,
    page_token: None | str | Unset = UNSET,
) -> Response[Error | ListOfThreadOut]:
    """An inbox's threads, newest activity first

    Args:
        inbox_id (UUID):
        folder (None | str | Unset): A folder: a system folder's name (`starred`: starred mail
            outside trash and spam) or the id of one of the inbox's own. Without it: mail outside
            trash and spam.
        label (None | str | Unset): A label; `unread`, `starred` and a system folder's name work
            as labels too.
        unread (bool | None | Unset): true: with unread mail; false: without.
        starred (bool | None | Unset): true: starred; false: not starred.
        has_attachment (bool | None | Unset): Whether it has attachments.
        direction (Direction | None | Unset): Mail received or sent.
        from_ (None | str | Unset): The sender's address.
        since (datetime.datetime | None | Unset): Latest activity (in the folder listed) at or
            after this time.
        until (datetime.datetime | None | Unset): Latest activity before this time.
        delivery_status (DeliveryFilter | None | Unset): Only what a delivery status names: a
            message whose own status is it, or any of whose recipients' is (`delayed`: a recipient SES
            reported delayed, with no outcome yet); a thread with such a message.
        limit (int | None | Unset):
        page_token (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | ListOfThreadOut]
    """

    kwargs = _get_kwargs(
        inbox_id=inbox_id,
        folder=folder,
        label=label,
        unread=unread,
        starred=starred,
        has_attachment=has_attachment,
        direction=direction,
        from_=from_,
        since=since,
        until=until,
        delivery_status=delivery_status,
        limit=limit,
        page_token=page_token,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    inbox_id: UUID,
    *,
    client: AuthenticatedClient,
    folder: None | str | Unset = UNSET,
    label: None | str | Unset = UNSET,
    unread: bool | None | Unset = UNSET,
    starred: bool | None | Unset = UNSET,
    has_attachment: bool | None | Unset = UNSET,
    direction: Direction | None | Unset = UNSET,
    from_: None | str | Unset = UNSET,
    since: datetime.datetime | None | Unset = UNSET,
    until: datetime.datetime | None | Unset = UNSET,
    delivery_status: DeliveryFilter | None | Unset = UNSET,
    limit: int | None | Unset = UNSET,
    page_token: None | str | Unset = UNSET,
) -> Error | ListOfThreadOut | None:
    """An inbox's threads, newest activity first

    Args:
        inbox_id (UUID):
        folder (None | str | Unset): A folder: a system folder's name (`starred`: starred mail
            outside trash and spam) or the id of one of the inbox's own. Without it: mail outside
            trash and spam.
        label (None | str | Unset): A label; `unread`, `starred` and a system folder's name work
            as labels too.
        unread (bool | None | Unset): true: with unread mail; false: without.
        starred (bool | None | Unset): true: starred; false: not starred.
        has_attachment (bool | None | Unset): Whether it has attachments.
        direction (Direction | None | Unset): Mail received or sent.
        from_ (None | str | Unset): The sender's address.
        since (datetime.datetime | None | Unset): Latest activity (in the folder listed) at or
            after this time.
        until (datetime.datetime | None | Unset): Latest activity before this time.
        delivery_status (DeliveryFilter | None | Unset): Only what a delivery status names: a
            message whose own status is it, or any of whose recipients' is (`delayed`: a recipient SES
            reported delayed, with no outcome yet); a thread with such a message.
        limit (int | None | Unset):
        page_token (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | ListOfThreadOut
    """

    return sync_detailed(
        inbox_id=inbox_id,
        client=client,
        folder=folder,
        label=label,
        unread=unread,
        starred=starred,
        has_attachment=has_attachment,
        direction=direction,
        from_=from_,
        since=since,
        until=until,
        delivery_status=delivery_status,
        limit=limit,
        page_token=page_token,
    ).parsed


async def asyncio_detailed(
    inbox_id: UUID,
    *,
    client: AuthenticatedClient,
    folder: None | str | Unset = UNSET,
    label: None | str | Unset = UNSET,
    unread: bool | None | Unset = UNSET,
    starred: bool | None | Unset = UNSET,
    has_attachment: bool | None | Unset = UNSET,
    direction: Direction | None | Unset = UNSET,
    from_: None | str | Unset = UNSET,
    since: datetime.datetime | None | Unset = UNSET,
    until: datetime.datetime | None | Unset = UNSET,
    delivery_status: DeliveryFilter | None | Unset = UNSET,
    limit: int | None | Unset = UNSET,
    page_token: None | str | Unset = UNSET,
) -> Response[Error | ListOfThreadOut]:
    """An inbox's threads, newest activity first

    Args:
        inbox_id (UUID):
        folder (None | str | Unset): A folder: a system folder's name (`starred`: starred mail
            outside trash and spam) or the id of one of the inbox's own. Without it: mail outside
            trash and spam.
        label (None | str | Unset): A label; `unread`, `starred` and a system folder's name work
            as labels too.
        unread (bool | None | Unset): true: with unread mail; false: without.
        starred (bool | None | Unset): true: starred; false: not starred.
        has_attachment (bool | None | Unset): Whether it has attachments.
        direction (Direction | None | Unset): Mail received or sent.
        from_ (None | str | Unset): The sender's address.
        since (datetime.datetime | None | Unset): Latest activity (in the folder listed) at or
            after this time.
        until (datetime.datetime | None | Unset): Latest activity before this time.
        delivery_status (DeliveryFilter | None | Unset): Only what a delivery status names: a
            message whose own status is it, or any of whose recipients' is (`delayed`: a recipient SES
            reported delayed, with no outcome yet); a thread with such a message.
        limit (int | None | Unset):
        page_token (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | ListOfThreadOut]
    """

    kwargs = _get_kwargs(
        inbox_id=inbox_id,
        folder=folder,
        label=label,
        unread=unread,
        starred=starred,
        has_attachment=has_attachment,
        direction=direction,
        from_=from_,
        since=since,
        until=until,
        delivery_status=delivery_status,
        limit=limit,
        page_token=page_token,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    inbox_id: UUID,
    *,
    client: AuthenticatedClient,
    folder: None | str | Unset = UNSET,
    label: None | str | Unset = UNSET,
    unread: bool | None | Unset = UNSET,
    starred: bool | None | Unset = UNSET,
    has_attachment: bool | None | Unset = UNSET,
    direction: Direction | None | Unset = UNSET,
    from_: None | str | Unset = UNSET,
    since: datetime.datetime | None | Unset = UNSET,
    until: datetime.datetime | None | Unset = UNSET,
    delivery_status: DeliveryFilter | None | Unset = UNSET,
    limit: int | None | Unset = UNSET,
    page_token: None | str | Unset = UNSET,
) -> Error | ListOfThreadOut | None:
    """An inbox's threads, newest activity first

    Args:
        inbox_id (UUID):
        folder (None | str | Unset): A folder: a system folder's name (`starred`: starred mail
            outside trash and spam) or the id of one of the inbox's own. Without it: mail outside
            trash and spam.
        label (None | str | Unset): A label; `unread`, `starred` and a system folder's name work
            as labels too.
        unread (bool | None | Unset): true: with unread mail; false: without.
        starred (bool | None | Unset): true: starred; false: not starred.
        has_attachment (bool | None | Unset): Whether it has attachments.
        direction (Direction | None | Unset): Mail received or sent.
        from_ (None | str | Unset): The sender's address.
        since (datetime.datetime | None | Unset): Latest activity (in the folder listed) at or
            after this time.
        until (datetime.datetime | None | Unset): Latest activity before this time.
        delivery_status (DeliveryFilter | None | Unset): Only what a delivery status names: a
            message whose own status is it, or any of whose recipients' is (`delayed`: a recipient SES
            reported delayed, with no outcome yet); a thread with such a message.
        limit (int | None | Unset):
        page_token (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | ListOfThreadOut
    """

    return (
        await asyncio_detailed(
            inbox_id=inbox_id,
            client=client,
            folder=folder,
            label=label,
            unread=unread,
            starred=starred,
            has_attachment=has_attachment,
            direction=direction,
            from_=from_,
            since=since,
            until=until,
            delivery_status=delivery_status,
            limit=limit,
            page_token=page_token,
        )
    ).parsed
