import datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.dmarc_summary_out import DmarcSummaryOut
from ...models.error import Error
from ...types import UNSET, Response, Unset


def _get_kwargs(
    domain_id: UUID,
    *,
    since: datetime.datetime | None | Unset = UNSET,
    until: datetime.datetime | None | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

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

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/domains/{domain_id}/dmarc/summary".format(
            domain_id=quote(str(domain_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> DmarcSummaryOut | Error | None:
    if response.status_code == 200:
        response_200 = DmarcSummaryOut.from_dict(response.json())

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
) -> Response[DmarcSummaryOut | Error]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    domain_id: UUID,
    *,
    client: AuthenticatedClient,
    since: datetime.datetime | None | Unset = UNSET,
    until: datetime.datetime | None | Unset = UNSET,
) -> Response[DmarcSummaryOut | Error]:
    """What a domain's DMARC reports add up to, and whether a stricter policy is safe

     Over the reports whose range overlaps `since`..`until` (by default the 30 days to now): messages by
    source (IP, reverse DNS name where stored, reporter), the pass rates of aligned DKIM, aligned SPF
    and DMARC, the sources failing DMARC, and a `recommendation`: whether moving the published policy up
    one step (none -> quarantine -> reject) is safe by the data, the rule it applies, and why not when
    not.

    Args:
        domain_id (UUID):
        since (datetime.datetime | None | Unset): Reports whose range ends after this time (ISO
            8601; UTC without an offset).
        until (datetime.datetime | None | Unset): Reports whose range begins before this time.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DmarcSummaryOut | Error]
    """

    kwargs = _get_kwargs(
        domain_id=domain_id,
        since=since,
        until=until,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    domain_id: UUID,
    *,
    client: AuthenticatedClient,
    since: datetime.datetime | None | Unset = UNSET,
    until: datetime.datetime | None | Unset = UNSET,
) -> DmarcSummaryOut | Error | None:
    """What a domain's DMARC reports add up to, and whether a stricter policy is safe

     Over the reports whose range overlaps `since`..`until` (by default the 30 days to now): messages by
    source (IP, reverse DNS name where stored, reporter), the pass rates of aligned DKIM, aligned SPF
    and DMARC, the sources failing DMARC, and a `recommendation`: whether moving the published policy up
    one step (none -> quarantine -> reject) is safe by the data, the rule it applies, and why not when
    not.

    Args:
        domain_id (UUID):
        since (datetime.datetime | None | Unset): Reports whose range ends after this time (ISO
            8601; UTC without an offset).
        until (datetime.datetime | None | Unset): Reports whose range begins before this time.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DmarcSummaryOut | Error
    """

    return sync_detailed(
        domain_id=domain_id,
        client=client,
        since=since,
        until=until,
    ).parsed


async def asyncio_detailed(
    domain_id: UUID,
    *,
    client: AuthenticatedClient,
    since: datetime.datetime | None | Unset = UNSET,
    until: datetime.datetime | None | Unset = UNSET,
) -> Response[DmarcSummaryOut | Error]:
    """What a domain's DMARC reports add up to, and whether a stricter policy is safe

     Over the reports whose range overlaps `since`..`until` (by default the 30 days to now): messages by
    source (IP, reverse DNS name where stored, reporter), the pass rates of aligned DKIM, aligned SPF
    and DMARC, the sources failing DMARC, and a `recommendation`: whether moving the published policy up
    one step (none -> quarantine -> reject) is safe by the data, the rule it applies, and why not when
    not.

    Args:
        domain_id (UUID):
        since (datetime.datetime | None | Unset): Reports whose range ends after this time (ISO
            8601; UTC without an offset).
        until (datetime.datetime | None | Unset): Reports whose range begins before this time.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DmarcSummaryOut | Error]
    """

    kwargs = _get_kwargs(
        domain_id=domain_id,
        since=since,
        until=until,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    domain_id: UUID,
    *,
    client: AuthenticatedClient,
    since: datetime.datetime | None | Unset = UNSET,
    until: datetime.datetime | None | Unset = UNSET,
) -> DmarcSummaryOut | Error | None:
    """What a domain's DMARC reports add up to, and whether a stricter policy is safe

     Over the reports whose range overlaps `since`..`until` (by default the 30 days to now): messages by
    source (IP, reverse DNS name where stored, reporter), the pass rates of aligned DKIM, aligned SPF
    and DMARC, the sources failing DMARC, and a `recommendation`: whether moving the published policy up
    one step (none -> quarantine -> reject) is safe by the data, the rule it applies, and why not when
    not.

    Args:
        domain_id (UUID):
        since (datetime.datetime | None | Unset): Reports whose range ends after this time (ISO
            8601; UTC without an offset).
        until (datetime.datetime | None | Unset): Reports whose range begins before this time.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DmarcSummaryOut | Error
    """

    return (
        await asyncio_detailed(
            domain_id=domain_id,
            client=client,
            since=since,
            until=until,
        )
    ).parsed
