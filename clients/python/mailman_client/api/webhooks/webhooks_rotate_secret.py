from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.rotate_secret_in import RotateSecretIn
from ...models.webhook_with_secret_out import WebhookWithSecretOut
from ...types import UNSET, Response, Unset


def _get_kwargs(
    webhook_id: UUID,
    *,
    body: None | RotateSecretIn | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/webhooks/{webhook_id}/rotate-secret".format(
            webhook_id=quote(str(webhook_id), safe=""),
        ),
    }

    if isinstance(body, RotateSecretIn):
        _kwargs["json"] = body.to_dict()
    else:
        _kwargs["json"] = body

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Error | WebhookWithSecretOut | None:
    if response.status_code == 200:
        response_200 = WebhookWithSecretOut.from_dict(response.json())

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
) -> Response[Error | WebhookWithSecretOut]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    webhook_id: UUID,
    *,
    client: AuthenticatedClient,
    body: None | RotateSecretIn | Unset = UNSET,
) -> Response[Error | WebhookWithSecretOut]:
    """Give the endpoint a new signing secret; the old one signs too for a grace period

     The answer holds the new secret, this once. Until `previous_secret_expires_at` every delivery
    carries two signatures (space-separated in `webhook-signature`), one by each secret: switch the
    receiver over within the grace period (default 24 hours, at most 7 days).

    Args:
        webhook_id (UUID):
        body (None | RotateSecretIn | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | WebhookWithSecretOut]
    """

    kwargs = _get_kwargs(
        webhook_id=webhook_id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    webhook_id: UUID,
    *,
    client: AuthenticatedClient,
    body: None | RotateSecretIn | Unset = UNSET,
) -> Error | WebhookWithSecretOut | None:
    """Give the endpoint a new signing secret; the old one signs too for a grace period

     The answer holds the new secret, this once. Until `previous_secret_expires_at` every delivery
    carries two signatures (space-separated in `webhook-signature`), one by each secret: switch the
    receiver over within the grace period (default 24 hours, at most 7 days).

    Args:
        webhook_id (UUID):
        body (None | RotateSecretIn | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | WebhookWithSecretOut
    """

    return sync_detailed(
        webhook_id=webhook_id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    webhook_id: UUID,
    *,
    client: AuthenticatedClient,
    body: None | RotateSecretIn | Unset = UNSET,
) -> Response[Error | WebhookWithSecretOut]:
    """Give the endpoint a new signing secret; the old one signs too for a grace period

     The answer holds the new secret, this once. Until `previous_secret_expires_at` every delivery
    carries two signatures (space-separated in `webhook-signature`), one by each secret: switch the
    receiver over within the grace period (default 24 hours, at most 7 days).

    Args:
        webhook_id (UUID):
        body (None | RotateSecretIn | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | WebhookWithSecretOut]
    """

    kwargs = _get_kwargs(
        webhook_id=webhook_id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    webhook_id: UUID,
    *,
    client: AuthenticatedClient,
    body: None | RotateSecretIn | Unset = UNSET,
) -> Error | WebhookWithSecretOut | None:
    """Give the endpoint a new signing secret; the old one signs too for a grace period

     The answer holds the new secret, this once. Until `previous_secret_expires_at` every delivery
    carries two signatures (space-separated in `webhook-signature`), one by each secret: switch the
    receiver over within the grace period (default 24 hours, at most 7 days).

    Args:
        webhook_id (UUID):
        body (None | RotateSecretIn | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | WebhookWithSecretOut
    """

    return (
        await asyncio_detailed(
            webhook_id=webhook_id,
            client=client,
            body=body,
        )
    ).parsed
