"""Minting a customer's token, as a customer's backend would: PyJWT and the private key of a
key registered in `auth_keys` (`mailman token mint`, the benchmarks, the walk-through)."""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from mailman.domain.access import Scope
from mailman.domain.auth_keys import Algorithm, issuer_of
from mailman.domain.errors import ValidationError

_DURATION = re.compile(r"(\d+)([smhd]?)")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86_400}


def parse_ttl(value: str) -> timedelta:
    """`90`, `90s`, `15m`, `1h` or `1d`."""
    match = _DURATION.fullmatch(value.strip().lower())
    if match is None or int(match.group(1)) == 0:
        raise ValidationError(
            f"{value!r} is not a lifetime such as 90s, 15m, 1h or 1d", field="--ttl"
        )
    return timedelta(seconds=int(match.group(1)) * _UNITS[match.group(2)])


def signing_key(pem: bytes) -> tuple[ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey, Algorithm]:
    """A private key (PEM, unencrypted) and the algorithm it signs with."""
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise ValidationError(
            "not an unencrypted PEM private key (PKCS#8, SEC1 or PKCS#1)", field="--key"
        ) from exc
    if isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP256R1):
        return key, Algorithm.ES256
    if isinstance(key, rsa.RSAPrivateKey):
        return key, Algorithm.RS256
    raise ValidationError("the key is neither EC on P-256 (ES256) nor RSA (RS256)", field="--key")


@dataclass(frozen=True)
class TokenRequest:
    """What a token says: who acts (`subject`), for which organisation, with which scopes,
    on which inboxes (ids or addresses; every inbox when empty), for how long."""

    organization_id: UUID
    kid: str
    subject: str
    audience: str
    ttl: timedelta
    scopes: Sequence[str] = ()
    inboxes: Sequence[str] = ()


def mint(pem: bytes, request: TokenRequest, *, now: float | None = None) -> str:
    """A token signed with the private key `pem`, as the key registered under
    `request.kid` verifies it."""
    unknown = sorted({s for s in request.scopes if s not in set(Scope)})
    if unknown:
        raise ValidationError(f"unknown scopes: {', '.join(unknown)}", field="--scope")
    key, algorithm = signing_key(pem)
    issued = int(time.time() if now is None else now)
    claims: dict[str, object] = {
        "iss": issuer_of(request.organization_id),
        "aud": request.audience,
        "sub": request.subject,
        "iat": issued,
        "exp": issued + int(request.ttl.total_seconds()),
    }
    if request.scopes:
        claims["scope"] = " ".join(dict.fromkeys(request.scopes))
    if request.inboxes:
        claims["inboxes"] = list(dict.fromkeys(request.inboxes))
    return jwt.encode(claims, key, algorithm=algorithm.value, headers={"kid": request.kid})
