"""Keys and tokens for the tests, made here with `cryptography` (no key file is committed).

`sign` writes a compact JWS by hand rather than through PyJWT, so that a test can make what
no careful library would: an unsigned token, an HMAC keyed with a public key, a header
pointing at a key of its own, a `crit` extension.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import time
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def ec_key(curve: ec.EllipticCurve | None = None) -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(curve or ec.SECP256R1())


@functools.cache
def _rsa(bits: int, which: int) -> rsa.RSAPrivateKey:
    """RSA keys are slow to make: each (size, which) is made once per test session."""
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def rsa_key(bits: int = 2048, which: int = 0) -> rsa.RSAPrivateKey:
    return _rsa(bits, which)


def public_pem(key: PrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


def private_pem(key: PrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


def _coordinate(value: int) -> str:
    return b64url(value.to_bytes(32, "big"))


def public_jwk(key: PrivateKey) -> dict[str, Any]:
    """The key's public JWK (RFC 7517): EC P-256 or RSA."""
    if isinstance(key, ec.EllipticCurvePrivateKey):
        numbers = key.public_key().public_numbers()
        return {
            "kty": "EC",
            "crv": "P-256",
            "x": _coordinate(numbers.x),
            "y": _coordinate(numbers.y),
        }
    rsa_numbers = key.public_key().public_numbers()
    n = rsa_numbers.n.to_bytes((rsa_numbers.n.bit_length() + 7) // 8, "big")
    e = rsa_numbers.e.to_bytes((rsa_numbers.e.bit_length() + 7) // 8, "big")
    return {"kty": "RSA", "n": b64url(n), "e": b64url(e)}


def private_jwk(key: ec.EllipticCurvePrivateKey) -> dict[str, Any]:
    return {**public_jwk(key), "d": _coordinate(key.private_numbers().private_value)}


def signature(alg: str, signing_input: bytes, key: PrivateKey | bytes | None) -> bytes:
    """The JWS signature of `signing_input` by `alg` (`none`: empty)."""
    if alg == "none":
        return b""
    if alg.startswith("HS"):
        assert isinstance(key, bytes)
        return hmac.new(key, signing_input, hashlib.sha256).digest()
    if isinstance(key, ec.EllipticCurvePrivateKey):
        r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")
    assert isinstance(key, rsa.RSAPrivateKey)
    return key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())


def sign(header: dict[str, Any], claims: dict[str, Any], key: PrivateKey | bytes | None) -> str:
    """A compact JWS of `claims` under `header` (its `alg` says how `key` signs)."""
    signing_input = (
        b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
    ).encode("ascii")
    return signing_input.decode() + "." + b64url(signature(header["alg"], signing_input, key))


def algorithm_of(key: PrivateKey) -> str:
    return "ES256" if isinstance(key, ec.EllipticCurvePrivateKey) else "RS256"


def claims_for(
    organization_id: UUID, *, audience: str = "mailman", lifetime: int = 600, **more: Any
) -> dict[str, Any]:
    """Good claims for the organisation, issued now; `more` adds to them or replaces them
    (None removes one)."""
    now = int(time.time())
    found = {
        "iss": str(organization_id),
        "aud": audience,
        "sub": "agent-7",
        "iat": now,
        "exp": now + lifetime,
        "scope": "inboxes:read messages:read",
        **more,
    }
    return {name: value for name, value in found.items() if value is not None}


def token(
    key: PrivateKey,
    kid: str,
    organization_id: UUID,
    *,
    header: dict[str, Any] | None = None,
    **claims: Any,
) -> str:
    """A token signed with `key` as the key registered under `kid` would sign it."""
    return sign(
        {"alg": algorithm_of(key), "typ": "JWT", "kid": kid, **(header or {})},
        claims_for(organization_id, **claims),
        key,
    )
