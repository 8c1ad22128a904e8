from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.add_suppressions_in import AddSuppressionsIn
from ...models.error import Error
from ...models.item_results_out import ItemResultsOut
from ...models.suppression_out import SuppressionOut
from ...types import Response


def _get_kwargs(
    *,
    body: AddSuppressionsIn,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/suppressions",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Error | ItemResultsOut | SuppressionOut | None:
    if response.status_code == 200:

        def _parse_response_200(data: object) -> ItemResultsOut | SuppressionOut:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                response_200_type_0 = SuppressionOut.from_dict(data)

                return response_200_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            response_200_type_1 = ItemResultsOut.from_dict(data)

            return response_200_type_1

        response_200 = _parse_response_200(response.json())

        return response_200

    if response.status_code == 201:

        def _parse_response_201(data: object) -> ItemResultsOut | SuppressionOut:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                response_201_type_0 = SuppressionOut.from_dict(data)

                return response_201_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            response_201_type_1 = ItemResultsOut.from_dict(data)

            return response_201_type_1

        response_201 = _parse_response_201(response.json())

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
) -> Response[Error | ItemResultsOut | SuppressionOut]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: AddSuppressionsIn,
) -> Response[Error | ItemResultsOut | SuppressionOut]:
    """Suppress an address, or up to 1,000 at once

     One address (`address`, `reason`, `note`) answers its entry: 201 when it was added, 200 when it was
    suppressed already (its first reason kept). A batch (`suppressions`) answers 200 with one result per
    item, in order: `added`, `already_suppressed`, or `invalid` with the error (the others are added
    regardless).

    Args:
        body (AddSuppressionsIn): One address (`address`, `reason`, `note`), or up to 1,000
            (`suppressions`).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | ItemResultsOut | SuppressionOut]
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
    body: AddSuppressionsIn,
) -> Error | ItemResultsOut | SuppressionOut | None:
    """Suppress an address, or up to 1,000 at once

     One address (`address`, `reason`, `note`) answers its entry: 201 when it was added, 200 when it was
    suppressed already (its first reason kept). A batch (`suppressions`) answers 200 with one result per
    item, in order: `added`, `already_suppressed`, or `invalid` with the error (the others are added
    regardless).

    Args:
        body (AddSuppressionsIn): One address (`address`, `reason`, `note`), or up to 1,000
            (`suppressions`).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | ItemResultsOut | SuppressionOut
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: AddSuppressionsIn,
) -> Response[Error | ItemResultsOut | SuppressionOut]:
    """Suppress an address, or up to 1,000 at once

     One address (`address`, `reason`, `note`) answers its entry: 201 when it was added, 200 when it was
    suppressed already (its first reason kept). A batch (`suppressions`) answers 200 with one result per
    item, in order: `added`, `already_suppressed`, or `invalid` with the error (the others are added
    regardless).

    Args:
        body (AddSuppressionsIn): One address (`address`, `reason`, `note`), or up to 1,000
            (`suppressions`).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | ItemResultsOut | SuppressionOut]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: AddSuppressionsIn,
) -> Error | ItemResultsOut | SuppressionOut | None:
    """Suppress an address, or up to 1,000 at once

     One address (`address`, `reason`, `note`) answers its entry: 201 when it was added, 200 when it was
    suppressed already (its first reason kept). A batch (`suppressions`) answers 200 with one result per
    item, in order: `added`, `already_suppressed`, or `invalid` with the error (the others are added
    regardless).

    Args:
        body (AddSuppressionsIn): One address (`address`, `reason`, `note`), or up to 1,000
            (`suppressions`).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | ItemResultsOut | SuppressionOut
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
