"""The registry of the public keys that sign an organisation's tokens: register, list, get,
revoke.

A token names its key by `kid`; a `kid` is unique among the organisation's live keys (a
second live key of one `kid` is a Conflict), and a revoked key's `kid` may be registered
again. A revocation refuses the key's tokens from their next request on (`tokens`).
"""

from __future__ import annotations

from collections.abc import Mapping
from uuid import UUID

from mailman.domain.auth_keys import AuthKey, NewAuthKey, check_algorithm, check_kid
from mailman.domain.errors import Conflict, NotFound
from mailman.domain.pagination import Page, PageRequest
from mailman.ports import Clock, TokenVerifier, UnitOfWorkFactory


def register_auth_key(
    uow: UnitOfWorkFactory,
    verifier: TokenVerifier,
    organization_id: UUID,
    *,
    kid: str,
    algorithm: str,
    public_key: str | Mapping[str, object],
) -> AuthKey:
    """Register `public_key` (a PEM string or a JWK object) to verify the organisation's
    tokens of `kid`, signed with `algorithm` and nothing else. ValidationError for a bad
    `kid`, an unknown algorithm or a key unfit for it (private, weak, malformed, another
    curve); Conflict when the organisation has a live key of this `kid`."""
    kid = check_kid(kid)
    chosen = check_algorithm(algorithm)
    checked = NewAuthKey(organization_id, kid, chosen, verifier.public_key(chosen, public_key))
    with uow(organization_id) as work:
        if work.auth_keys.find_live(organization_id, checked.kid) is not None:
            raise Conflict(
                f"a live key is registered under kid {checked.kid!r}: revoke it first, or "
                "choose another kid",
                field="kid",
            )
        return work.auth_keys.add(checked)


def list_auth_keys(
    uow: UnitOfWorkFactory, organization_id: UUID, page: PageRequest
) -> Page[AuthKey]:
    with uow(organization_id) as work:
        return Page.from_rows(work.auth_keys.list(page), page)


def get_auth_key(uow: UnitOfWorkFactory, organization_id: UUID, key_id: UUID) -> AuthKey:
    with uow(organization_id) as work:
        found = work.auth_keys.get(key_id)
    if found is None:
        raise NotFound("no such auth key", field="auth_key_id")
    return found


def revoke_auth_key(
    uow: UnitOfWorkFactory, clock: Clock, organization_id: UUID, key_id: UUID
) -> AuthKey:
    with uow(organization_id) as work:
        revoked = work.auth_keys.revoke(key_id, clock.now())
    if revoked is None:
        raise NotFound("no such auth key", field="auth_key_id")
    return revoked
