import datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.list_of_dmarc_report_out import ListOfDmarcReportOut
from ...models.report_status import ReportStatus
from ...types import UNSET, Response, Unset


def _get_kwargs(
    domain_id: UUID,
    *,
    since: datetime.datetime | None | Unset = UNSET,
    until: datetime.datetime | None | Unset = UNSET,
    reporter: None | str | Unset = UNSET,
    status: None | ReportStatus | Unset = UNSET,
    limit: int | None | Unset = UNSET,
    page_token: None | str | Unset = UNSET,
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

    json_reporter: None | str | Unset
    if isinstance(reporter, Unset):
        json_reporter = UNSET
    else:
        json_reporter = reporter
    params["reporter"] = json_reporter

    json_status: None | str | Unset
    if isinstance(status, Unset):
        json_status = UNSET
    elif isinstance(status, str):
        json_status = status
    else:
        json_status = status
    params["status"] = json_status

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
        "url": "/domains/{domain_id}/dmarc/reports".format(
            domain_id=quote(str(domain_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Error | ListOfDmarcReportOut | None:
    if response.status_code == 200:
        response_200 = ListOfDmarcReportOut.from_dict(response.json())

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
) -> Response[Error | ListOfDmarcReportOut]:
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
    reporter: None | str | Unset = UNSET,
    status: None | ReportStatus | Unset = UNSET,
    limit: int | None | Unset = UNSET,
    page_token: None | str | Unset = UNSET,
) -> Response[Error | ListOfDmarcReportOut]:
    """A domain's DMARC aggregate reports, oldest first

     Filter by the reports' date range (`since`, `until`: the range overlaps them), `reporter` (its name,
    any case) and `status` (`ok`, or `failed`: files that could not be read, with their reason). Rows
    are not listed: read one report for them.

    Args:
        domain_id (UUID):
        since (datetime.datetime | None | Unset): Reports whose range ends after this time (ISO
            8601; UTC without an offset).
        until (datetime.datetime | None | Unset): Reports whose range begins before this time.
        reporter (None | str | Unset):
        status (None | ReportStatus | Unset):
        limit (int | None | Unset):
        page_token (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | ListOfDmarcReportOut]
    """

    kwargs = _get_kwargs(
        domain_id=domain_id,
        since=since,
        until=until,
        reporter=reporter,
        status=status,
        limit=limit,
        page_token=page_token,
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
    reporter: None | str | Unset = UNSET,
    status: None | ReportStatus | Unset = UNSET,
    limit: int | None | Unset = UNSET,
    page_token: None | str | Unset = UNSET,
) -> Error | ListOfDmarcReportOut | None:
    """A domain's DMARC aggregate reports, oldest first

     Filter by the reports' date range (`since`, `until`: the range overlaps them), `reporter` (its name,
    any case) and `status` (`ok`, or `failed`: files that could not be read, with their reason). Rows
    are not listed: read one report for them.

    Args:
        domain_id (UUID):
        since (datetime.datetime | None | Unset): Reports whose range ends after this time (ISO
            8601; UTC without an offset).
        until (datetime.datetime | None | Unset): Reports whose range begins before this time.
        reporter (None | str | Unset):
        status (None | ReportStatus | Unset):
        limit (int | None | Unset):
        page_token (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | ListOfDmarcReportOut
    """

    return sync_detailed(
        domain_id=domain_id,
        client=client,
        since=since,
        until=until,
        reporter=reporter,
        status=status,
        limit=limit,
        page_token=page_token,
    ).parsed


async def asyncio_detailed(
    domain_id: UUID,
    *,
    client: AuthenticatedClient,
    since: datetime.datetime | None | Unset = UNSET,
    until: datetime.datetime | None | Unset = UNSET,
    reporter: None | str | Unset = UNSET,
    status: None | ReportStatus | Unset = UNSET,
    limit: int | None | Unset = UNSET,
    page_token: None | str | Unset = UNSET,
) -> Response[Error | ListOfDmarcReportOut]:
    """A domain's DMARC aggregate reports, oldest first

     Filter by the reports' date range (`since`, `until`: the range overlaps them), `reporter` (its name,
    any case) and `status` (`ok`, or `failed`: files that could not be read, with their reason). Rows
    are not listed: read one report for them.

    Args:
        domain_id (UUID):
        since (datetime.datetime | None | Unset): Reports whose range ends after this time (ISO
            8601; UTC without an offset).
        until (datetime.datetime | None | Unset): Reports whose range begins before this time.
        reporter (None | str | Unset):
        status (None | ReportStatus | Unset):
        limit (int | None | Unset):
        page_token (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | ListOfDmarcReportOut]
    """

    kwargs = _get_kwargs(
        domain_id=domain_id,
        since=since,
        until=until,
        reporter=reporter,
        status=status,
        limit=limit,
        page_token=page_token,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    domain_id: UUID,
    *,
    client: AuthenticatedClient,
    since: datetime.datetime | None | Unset = UNSET,
    until: datetime.datetime | None | Unset = UNSET,
    reporter: None | str | Unset = UNSET,
    status: None | ReportStatus | Unset = UNSET,
    limit: int | None | Unset = UNSET,
    page_token: None | str | Unset = UNSET,
) -> Error | ListOfDmarcReportOut | None:
    """A domain's DMARC aggregate reports, oldest first

     Filter by the reports' date range (`since`, `until`: the range overlaps them), `reporter` (its name,
    any case) and `status` (`ok`, or `failed`: files that could not be read, with their reason). Rows
    are not listed: read one report for them.

    Args:
        domain_id (UUID):
        since (datetime.datetime | None | Unset): Reports whose range ends after this time (ISO
            8601; UTC without an offset).
        until (datetime.datetime | None | Unset): Reports whose range begins before this time.
        reporter (None | str | Unset):
        status (None | ReportStatus | Unset):
        limit (int | None | Unset):
        page_token (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | ListOfDmarcReportOut
    """

    return (
        await asyncio_detailed(
            domain_id=domain_id,
            client=client,
            since=since,
            until=until,
            reporter=reporter,
            status=status,
            limit=limit,
            page_token=page_token,
        )
    ).parsed
