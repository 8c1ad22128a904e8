"""`PyJwtTokenVerifier`: customer-signed tokens verified with PyJWT over `cryptography`.

Imported only when the first token (or key registration) arrives: the composition root
builds it then, so a function serving API keys never loads either library.

Every token is verified with the one key its organisation registered under the token's
`kid`, by that key's algorithm alone (`algorithms=[key.algorithm]`), never the header's:
no `none`, no HMAC keyed with the public key. PyJWT reads nothing the header points at
(`jku`, `x5u`, `jwk`, `x5c`) and refuses a `crit` extension it does not implement; the
domain's reading of the header (`mailman.domain.tokens.read_unverified`) has refused any
`crit` before this is reached.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
from collections.abc import Mapping

import jwt
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes

from mailman.domain.auth_keys import MAX_PUBLIC_KEY_LENGTH, Algorithm, AuthKey
from mailman.domain.errors import ValidationError
from mailman.domain.tokens import TokenExpectations, TokenRejected

MIN_RSA_BITS = 2048
MAX_RSA_BITS = 8192
"""Larger keys cost every verification and no signer needs them."""
P256_COORDINATE_BYTES = 32
REQUIRED_CLAIMS = ["exp", "iss", "aud", "sub"]
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")
_JWK_PRIVATE_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth")
_CURVE_NAMES = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}
_LOADED_KEYS = 256
"""Parsed public keys kept, by PEM: a warm function parses each key once."""


def _refused(message: str) -> ValidationError:
    return ValidationError(message, field="public_key")


class PyJwtTokenVerifier:
    def public_key(self, algorithm: Algorithm, key: str | Mapping[str, object]) -> str:
        loaded = _from_jwk(key, algorithm) if isinstance(key, Mapping) else _from_pem(key)
        _check_fits(loaded, algorithm)
        return loaded.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")

    def verify(self, token: str, key: AuthKey, expected: TokenExpectations) -> Mapping[str, object]:
        try:
            claims: dict[str, object] = jwt.decode(
                token,
                _loaded(key.public_key_pem),
                algorithms=[key.algorithm.value],
                audience=expected.audience,
                issuer=expected.issuer,
                leeway=expected.leeway_seconds,
                options={"require": REQUIRED_CLAIMS, "enforce_minimum_key_length": True},
            )
        except (jwt.PyJWTError, ValueError, TypeError, OverflowError, RecursionError) as exc:
            # PyJWT's messages name the check that failed, never the token's content.
            raise TokenRejected(f"{type(exc).__name__}: {exc}") from exc
        return claims


@functools.lru_cache(maxsize=_LOADED_KEYS)
def _loaded(pem: str) -> rsa.RSAPublicKey | ec.EllipticCurvePublicKey:
    """A registered key's PEM (written by `public_key`), parsed."""
    key = serialization.load_pem_public_key(pem.encode("ascii"))
    assert isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey), "registered: EC or RSA"
    return key


def _from_pem(text: str) -> PublicKeyTypes:
    if len(text) > MAX_PUBLIC_KEY_LENGTH:
        raise _refused(f"public_key is longer than {MAX_PUBLIC_KEY_LENGTH} characters")
    if "PRIVATE KEY" in text:
        raise _refused(
            "public_key is a private key: register its public key only, and keep the private "
            "key where it signs"
        )
    if "CERTIFICATE" in text:
        raise _refused("public_key is a certificate: register the public key it holds")
    try:
        return serialization.load_pem_public_key(text.strip().encode("utf-8"))
    except UnsupportedAlgorithm as exc:
        raise _refused("public_key is of a kind of key or a curve this API does not take") from exc
    except (ValueError, TypeError) as exc:
        raise _refused(
            "public_key is neither a PEM public key (-----BEGIN PUBLIC KEY-----) nor a JWK object"
        ) from exc


def _check_fits(key: PublicKeyTypes, algorithm: Algorithm) -> None:
    if algorithm is Algorithm.ES256:
        if not isinstance(key, ec.EllipticCurvePublicKey):
            raise _refused(f"ES256 needs an EC key on P-256; this is {_kind(key)}")
        if not isinstance(key.curve, ec.SECP256R1):
            curve = _CURVE_NAMES.get(key.curve.name, key.curve.name)
            raise _refused(f"ES256 needs an EC key on P-256; this key is on {curve}")
        return
    if not isinstance(key, rsa.RSAPublicKey):
        raise _refused(f"RS256 needs an RSA key; this is {_kind(key)}")
    if not MIN_RSA_BITS <= key.key_size <= MAX_RSA_BITS:
        raise _refused(
            f"RS256 needs an RSA key of {MIN_RSA_BITS} to {MAX_RSA_BITS} bits; this one has "
            f"{key.key_size}"
        )


def _kind(key: PublicKeyTypes) -> str:
    if isinstance(key, ec.EllipticCurvePublicKey):
        return "an EC key"
    if isinstance(key, rsa.RSAPublicKey):
        return "an RSA key"
    return "another kind of key"


def _from_jwk(jwk: Mapping[str, object], algorithm: Algorithm) -> PublicKeyTypes:
    """A JWK object (RFC 7517) holding an EC or RSA public key, and nothing private."""
    kty = jwk.get("kty")
    if kty == "oct":
        raise _refused("public_key is a symmetric (oct) key: register an EC or RSA public key")
    if any(member in jwk for member in _JWK_PRIVATE_MEMBERS):
        raise _refused("public_key is a private JWK (it holds d): register its public members only")
    if "alg" in jwk and jwk["alg"] != algorithm.value:
        raise _refused(f"the JWK's alg is not {algorithm.value}, the algorithm registered")
    if "use" in jwk and jwk["use"] != "sig":
        raise _refused("the JWK's use is not sig")
    if kty == "EC":
        return _ec_from_jwk(jwk)
    if kty == "RSA":
        return _rsa_from_jwk(jwk)
    raise _refused("the JWK's kty must be EC or RSA")


def _ec_from_jwk(jwk: Mapping[str, object]) -> PublicKeyTypes:
    if jwk.get("crv") != "P-256":
        raise _refused("the JWK's curve (crv) is not P-256, the only curve this API takes")
    x, y = _member(jwk, "x"), _member(jwk, "y")
    if len(x) != P256_COORDINATE_BYTES or len(y) != P256_COORDINATE_BYTES:
        raise _refused("the JWK's x and y must be 32 bytes each on P-256")
    numbers = ec.EllipticCurvePublicNumbers(
        int.from_bytes(x, "big"), int.from_bytes(y, "big"), ec.SECP256R1()
    )
    try:
        return numbers.public_key()
    except ValueError as exc:
        raise _refused("the JWK's x and y are not a point on P-256") from exc


def _rsa_from_jwk(jwk: Mapping[str, object]) -> PublicKeyTypes:
    n, e = _member(jwk, "n"), _member(jwk, "e")
    if len(n) * 8 > MAX_RSA_BITS:
        raise _refused(f"the JWK's modulus is longer than {MAX_RSA_BITS} bits")
    numbers = rsa.RSAPublicNumbers(int.from_bytes(e, "big"), int.from_bytes(n, "big"))
    try:
        return numbers.public_key()
    except ValueError as exc:
        raise _refused("the JWK's n and e are not an RSA public key") from exc


def _member(jwk: Mapping[str, object], name: str) -> bytes:
    """A base64url (unpadded) member of a JWK, decoded."""
    value = jwk.get(name)
    if not isinstance(value, str) or not _BASE64URL.fullmatch(value):
        raise _refused(f"the JWK's {name} must be a base64url string")
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError) as exc:
        raise _refused(f"the JWK's {name} is not base64url") from exc
