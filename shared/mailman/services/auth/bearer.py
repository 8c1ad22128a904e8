"""The one way in: a request's bearer credential, an API key or a customer-signed token,
told apart by its shape (`looks_like_jwt`: a token has two dots, a key none)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from mailman.domain.credentials import looks_like_jwt
from mailman.domain.errors import Unauthorized
from mailman.domain.ratelimit import BlockedAddresses, RequestLimits
from mailman.ports import Clock, UnitOfWorkFactory
from mailman.services.auth import api_keys
from mailman.services.auth.guard import bearer_value
from mailman.services.auth.principal import Principal

if TYPE_CHECKING:
    from mailman.services.auth.tokens import TokenVerification


def authenticate(
    uow: UnitOfWorkFactory,
    clock: Clock,
    authorization: str | None,
    *,
    source: str | None = None,
    blocked: BlockedAddresses | None = None,
    limits: RequestLimits = api_keys.DEFAULT_REQUEST_LIMITS,
    tokens: Callable[[], TokenVerification] | None = None,
) -> Principal:
    """The principal of an `Authorization: Bearer <API key or token>` header, or
    Unauthorized (RateLimited for an address that failed too often).

    A token is verified with what `tokens` answers, asked for (and so built, with its
    cryptography) only when a token arrives; without `tokens` a token is refused as no API
    key. See `api_keys.authenticate` and `tokens.authenticate_token`.
    """
    token = _token(authorization) if tokens is not None else None
    if tokens is not None and token is not None:
        from mailman.services.auth.tokens import authenticate_token

        return authenticate_token(
            uow, clock, tokens(), token, source=source, blocked=blocked, limits=limits
        )
    return api_keys.authenticate(
        uow, clock, authorization, source=source, blocked=blocked, limits=limits
    )


def _token(authorization: str | None) -> str | None:
    """The header's bearer credential if it has a token's shape."""
    try:
        credential = bearer_value(authorization)
    except Unauthorized:
        return None
    return credential if looks_like_jwt(credential) else None
