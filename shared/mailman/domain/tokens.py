"""Customer-signed tokens: what a bearer JWT must be, before and after its signature is
verified (the verification itself is a port's: `TokenVerifier`).

A token is a compact JWS (three base64url segments; an API key has no dot, so the two never
look alike) of at most `MAX_TOKEN_BYTES`. Before anything is looked up, its header must
name the key (`kid`) and an algorithm a key may have (ES256, RS256), and its `iss` the
organisation (`auth_keys.issuer_of`: the organisation's id); the organisation and `kid`
then pick the one registered key it is verified with, by that key's algorithm alone.
The header's `jku`, `x5u`, `jwk` and `x5c` are never read, so never fetched nor trusted;
`crit` names extensions this API does not implement, so a token carrying one is refused
(RFC 7515 4.1.11).

Once verified, its claims must hold (`check_claims`): `exp` (required), `nbf` and `iat`
within `LEEWAY` of the present, a lifetime (`exp` less `iat`, or the present when there is
no `iat`) within the deployment's cap, a `sub` (the caller's identity, in logs and in the
event log), `scope` (space-separated `Scope` values; none when absent) and `inboxes`
(inbox ids or addresses: the token reaches only those inboxes; every inbox when absent).

Whatever fails, the caller learns only that the token was refused (`TokenRejected` carries
the reason for the logs).
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import idna

from mailman.domain.access import Scope
from mailman.domain.auth_keys import Algorithm, is_kid, issuer_of
from mailman.domain.credentials import LEEWAY, MAX_TOKEN_BYTES, looks_like_jwt

DEFAULT_MAX_LIFETIME = timedelta(hours=24)
"""The longest a token may live (`exp` less `iat`), unless the deployment sets another."""
MAX_SUBJECT_LENGTH = 255
MAX_INBOXES = 100
"""Inboxes one token's `inboxes` claim may name."""
MAX_ADDRESS_LENGTH = 254

_IGNORED_HEADERS = ("jku", "x5u", "jwk", "x5c")
"""Where a token could point at its own key: never read."""
_REFUSED_HEADERS = ("crit", "b64")
"""Extensions (RFC 7515 4.1.11, RFC 7797) this API implements none of."""


class TokenRejected(Exception):
    """A bearer token refused; `reason` is for the logs, never for the caller (nor does it
    hold the token)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class TokenAddress:
    """Which registered key a token says it was signed with, read before any check of its
    signature: its organisation (`iss`) and `kid`."""

    organization_id: UUID
    kid: str


@dataclass(frozen=True)
class TokenExpectations:
    """What a token's verified registered claims must say (`TokenVerifier.verify`)."""

    audience: str
    issuer: str
    leeway_seconds: float


@dataclass(frozen=True)
class TokenPolicy:
    """The deployment's rules for tokens: the audience they must name, their longest life."""

    audience: str
    max_lifetime: timedelta = DEFAULT_MAX_LIFETIME
    leeway: timedelta = LEEWAY

    def expectations(self, organization_id: UUID) -> TokenExpectations:
        return TokenExpectations(
            audience=self.audience,
            issuer=issuer_of(organization_id),
            leeway_seconds=self.leeway.total_seconds(),
        )


@dataclass(frozen=True)
class TokenGrant:
    """What a verified token grants: its subject, its scopes, and the inboxes it names (by
    id, and by address for the database to resolve); `inbox_ids` None when it names none
    (it reaches every inbox)."""

    subject: str
    scopes: frozenset[Scope]
    inbox_ids: frozenset[UUID] | None = None
    addresses: tuple[str, ...] = ()

    def inboxes(self, resolved: frozenset[UUID]) -> frozenset[UUID] | None:
        """The inboxes the token reaches, given the ids its addresses resolved to."""
        if self.inbox_ids is None:
            return None
        return self.inbox_ids | resolved


def read_unverified(token: str) -> TokenAddress:
    """The key a token names, from its header and `iss`, trusting nothing else of it; or
    TokenRejected when it is too long, not a compact JWS of JSON objects, names no key or no
    algorithm a key may have, carries `crit`, or has no organisation's id for `iss`."""
    if len(token) > MAX_TOKEN_BYTES:
        raise TokenRejected(f"longer than {MAX_TOKEN_BYTES} bytes")
    if not looks_like_jwt(token):
        raise TokenRejected("not a compact JWS")
    header_segment, payload_segment, _ = token.split(".")
    header = _json_object(header_segment, "header")
    kid = _checked_header(header)
    claims = _json_object(payload_segment, "payload")
    return TokenAddress(organization_id=_organization(claims.get("iss")), kid=kid)


def check_claims(claims: Mapping[str, Any], now: datetime, policy: TokenPolicy) -> TokenGrant:
    """What a token whose signature and registered claims were verified grants, once its
    times, subject, scopes and inboxes keep to the rules; TokenRejected otherwise."""
    _check_times(claims, now, policy)
    inbox_ids, addresses = _inboxes(claims)
    return TokenGrant(
        subject=_subject(claims.get("sub")),
        scopes=_scopes(claims.get("scope")),
        inbox_ids=inbox_ids,
        addresses=addresses,
    )


def _json_object(segment: str, what: str) -> dict[str, Any]:
    try:
        raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
        found = json.loads(raw, object_pairs_hook=_unique_members, parse_constant=_no_constant)
    except (binascii.Error, ValueError, RecursionError) as exc:
        raise TokenRejected(f"the {what} is not base64url JSON") from exc
    if not isinstance(found, dict):
        raise TokenRejected(f"the {what} is not a JSON object")
    return found


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object whose members are named once each (RFC 7515 4: else refused)."""
    found = dict(pairs)
    if len(found) != len(pairs):
        raise ValueError("a member is named twice")
    return found


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _checked_header(header: Mapping[str, Any]) -> str:
    """The header's `kid`, once the header may be verified at all."""
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in set(Algorithm):
        raise TokenRejected("alg is neither ES256 nor RS256")
    refused = [name for name in _REFUSED_HEADERS if name in header]
    if refused:
        raise TokenRejected(f"the header carries {', '.join(refused)}")
    kid = header.get("kid")
    if not is_kid(kid):
        raise TokenRejected("the header names no kid a key may have")
    return kid


def _organization(iss: object) -> UUID:
    """The organisation an issuer names: `iss` must be its id, written as `issuer_of` does."""
    if isinstance(iss, str):
        try:
            organization_id = UUID(iss)
        except ValueError:
            pass
        else:
            if issuer_of(organization_id) == iss:
                return organization_id
    raise TokenRejected("iss is not an organisation's id")


def _numeric_date(claims: Mapping[str, Any], name: str) -> float | None:
    if name not in claims:
        return None
    value = claims[name]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TokenRejected(f"{name} is not a NumericDate")
    try:
        moment = float(value)
    except OverflowError:
        raise TokenRejected(f"{name} is out of range") from None
    if not math.isfinite(moment):
        raise TokenRejected(f"{name} is not a NumericDate")
    return moment


def _check_times(claims: Mapping[str, Any], now: datetime, policy: TokenPolicy) -> None:
    moment = now.timestamp()
    leeway = policy.leeway.total_seconds()
    expires = _numeric_date(claims, "exp")
    not_before = _numeric_date(claims, "nbf")
    issued = _numeric_date(claims, "iat")
    if expires is None:
        raise TokenRejected("no exp")
    if expires <= moment - leeway:
        raise TokenRejected("expired")
    if not_before is not None and not_before > moment + leeway:
        raise TokenRejected("not valid yet (nbf)")
    if issued is not None and issued > moment + leeway:
        raise TokenRejected("issued in the future (iat)")
    lifetime = expires - (issued if issued is not None else moment)
    if lifetime > policy.max_lifetime.total_seconds():
        raise TokenRejected(f"lives longer than {policy.max_lifetime} (exp less iat)")


def _subject(sub: object) -> str:
    if not isinstance(sub, str) or not 1 <= len(sub) <= MAX_SUBJECT_LENGTH or not sub.isprintable():
        raise TokenRejected(f"sub is not 1 to {MAX_SUBJECT_LENGTH} printable characters")
    return sub


def _scopes(scope: object) -> frozenset[Scope]:
    """`scope`'s space-separated scopes; none when there is no `scope`."""
    if scope is None:
        return frozenset()
    if not isinstance(scope, str):
        raise TokenRejected("scope is not a string")
    try:
        return frozenset(Scope(name) for name in scope.split(" ") if name)
    except ValueError:
        raise TokenRejected("scope names an unknown scope") from None


def _inboxes(claims: Mapping[str, Any]) -> tuple[frozenset[UUID] | None, tuple[str, ...]]:
    """The ids and the (lower-cased) addresses of the `inboxes` claim; (None, ()) without
    one. A claim that is there must name inboxes: `null` would otherwise reach every one."""
    if "inboxes" not in claims:
        return None, ()
    inboxes = claims["inboxes"]
    if not isinstance(inboxes, list) or not 1 <= len(inboxes) <= MAX_INBOXES:
        raise TokenRejected(f"inboxes is not a list of 1 to {MAX_INBOXES} inboxes")
    ids: set[UUID] = set()
    addresses: set[str] = set()
    for entry in inboxes:
        if isinstance(entry, str) and "@" in entry:
            addresses.add(_address(entry))
        else:
            ids.add(_inbox_id(entry))
    return frozenset(ids), tuple(sorted(addresses))


def _inbox_id(entry: object) -> UUID:
    if isinstance(entry, str):
        try:
            return UUID(entry)
        except ValueError:
            pass
    raise TokenRejected("inboxes holds something neither an inbox id nor an address")


def _address(entry: str) -> str:
    """An address as the database spells inboxes' addresses: lower case, its domain in ASCII
    (an internationalised domain name written in Unicode is turned to its punycode)."""
    local, _, domain = entry.rpartition("@")
    if not (local and domain and len(entry) <= MAX_ADDRESS_LENGTH and entry.isprintable()):
        raise TokenRejected("inboxes holds something neither an inbox id nor an address")
    if not local.isascii():
        # Python's lower case and PostgreSQL's differ beyond ASCII: such an inbox is named
        # by its id.
        raise TokenRejected("inboxes holds an address whose local part is not ASCII")
    if not domain.isascii():
        try:
            domain = idna.encode(domain, uts46=True).decode("ascii")
        except idna.IDNAError:
            raise TokenRejected("inboxes holds an address whose domain is not valid") from None
    return f"{local}@{domain}".lower()
