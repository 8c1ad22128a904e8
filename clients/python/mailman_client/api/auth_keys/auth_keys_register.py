from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.auth_key_out import AuthKeyOut
from ...models.error import Error
from ...models.register_auth_key import RegisterAuthKey
from ...types import Response


def _get_kwargs(
    *,
    body: RegisterAuthKey,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/auth-keys",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> AuthKeyOut | Error | None:
    if response.status_code == 201:
        response_201 = AuthKeyOut.from_dict(response.json())

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
) -> Response[AuthKeyOut | Error]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: RegisterAuthKey,
) -> Response[AuthKeyOut | Error]:
    """Register a public key that signs tokens

     The key is a PEM string or a JWK object: EC on P-256 for ES256, RSA of at least 2048 bits for RS256.
    A private key, a key unfit for the algorithm, a weak or malformed one is refused (400 naming
    `public_key`); a second live key of one `kid`, 409. Callers may then authenticate with
    `Authorization: Bearer <JWT>`: a JWT of at most 8192 bytes whose header names the key (`kid`),
    signed with the key's algorithm, carrying `iss` (the organisation's id: the key's `issuer`), `aud`
    (the key's `audience`), `sub` (who acts: the event log and the rate limit name it), `exp` (and
    optionally `iat` and `nbf`; within 30 s of our clock, and at most the deployment's maximum lifetime,
    24 hours unless set otherwise, between `iat` and `exp`), `scope` (scopes separated by spaces; none
    when absent) and optionally `inboxes` (inbox ids or addresses: the token reaches only those). Every
    refusal is the same 401.

    Args:
        body (RegisterAuthKey):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AuthKeyOut | Error]
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
    body: RegisterAuthKey,
) -> AuthKeyOut | Error | None:
    """Register a public key that signs tokens

     The key is a PEM string or a JWK object: EC on P-256 for ES256, RSA of at least 2048 bits for RS256.
    A private key, a key unfit for the algorithm, a weak or malformed one is refused (400 naming
    `public_key`); a second live key of one `kid`, 409. Callers may then authenticate with
    `Authorization: Bearer <JWT>`: a JWT of at most 8192 bytes whose header names the key (`kid`),
    signed with the key's algorithm, carrying `iss` (the organisation's id: the key's `issuer`), `aud`
    (the key's `audience`), `sub` (who acts: the event log and the rate limit name it), `exp` (and
    optionally `iat` and `nbf`; within 30 s of our clock, and at most the deployment's maximum lifetime,
    24 hours unless set otherwise, between `iat` and `exp`), `scope` (scopes separated by spaces; none
    when absent) and optionally `inboxes` (inbox ids or addresses: the token reaches only those). Every
    refusal is the same 401.

    Args:
        body (RegisterAuthKey):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AuthKeyOut | Error
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: RegisterAuthKey,
) -> Response[AuthKeyOut | Error]:
    """Register a public key that signs tokens

     The key is a PEM string or a JWK object: EC on P-256 for ES256, RSA of at least 2048 bits for RS256.
    A private key, a key unfit for the algorithm, a weak or malformed one is refused (400 naming
    `public_key`); a second live key of one `kid`, 409. Callers may then authenticate with
    `Authorization: Bearer <JWT>`: a JWT of at most 8192 bytes whose header names the key (`kid`),
    signed with the key's algorithm, carrying `iss` (the organisation's id: the key's `issuer`), `aud`
    (the key's `audience`), `sub` (who acts: the event log and the rate limit name it), `exp` (and
    optionally `iat` and `nbf`; within 30 s of our clock, and at most the deployment's maximum lifetime,
    24 hours unless set otherwise, between `iat` and `exp`), `scope` (scopes separated by spaces; none
    when absent) and optionally `inboxes` (inbox ids or addresses: the token reaches only those). Every
    refusal is the same 401.

    Args:
        body (RegisterAuthKey):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AuthKeyOut | Error]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: RegisterAuthKey,
) -> AuthKeyOut | Error | None:
    """Register a public key that signs tokens

     The key is a PEM string or a JWK object: EC on P-256 for ES256, RSA of at least 2048 bits for RS256.
    A private key, a key unfit for the algorithm, a weak or malformed one is refused (400 naming
    `public_key`); a second live key of one `kid`, 409. Callers may then authenticate with
    `Authorization: Bearer <JWT>`: a JWT of at most 8192 bytes whose header names the key (`kid`),
    signed with the key's algorithm, carrying `iss` (the organisation's id: the key's `issuer`), `aud`
    (the key's `audience`), `sub` (who acts: the event log and the rate limit name it), `exp` (and
    optionally `iat` and `nbf`; within 30 s of our clock, and at most the deployment's maximum lifetime,
    24 hours unless set otherwise, between `iat` and `exp`), `scope` (scopes separated by spaces; none
    when absent) and optionally `inboxes` (inbox ids or addresses: the token reaches only those). Every
    refusal is the same 401.

    Args:
        body (RegisterAuthKey):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AuthKeyOut | Error
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
