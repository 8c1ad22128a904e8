"""Which public keys may be registered, and for which algorithm (`PyJwtTokenVerifier`)."""

from datetime import datetime
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from mailman.adapters.tokens import PyJwtTokenVerifier
from mailman.domain.auth_keys import Algorithm
from mailman.domain.errors import ValidationError
from tests.jose import b64url, ec_key, private_jwk, private_pem, public_jwk, public_pem, rsa_key

VERIFIER = PyJwtTokenVerifier()
P256 = ec_key()


def _refusal(algorithm: Algorithm, key: str | dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as refused:
        VERIFIER.public_key(algorithm, key)
    assert refused.value.field == "public_key"
    return refused.value.message


def test_a_p256_pem_is_kept_as_its_subject_public_key_info() -> None:
    assert VERIFIER.public_key(Algorithm.ES256, "\n" + public_pem(P256) + "\n") == public_pem(P256)


def test_a_p256_jwk_becomes_the_same_pem() -> None:
    jwk = {**public_jwk(P256), "alg": "ES256", "use": "sig", "kid": "anything"}

    assert VERIFIER.public_key(Algorithm.ES256, jwk) == public_pem(P256)


def test_an_rsa_key_of_2048_bits_is_taken_as_pem_or_jwk() -> None:
    key = rsa_key()

    assert VERIFIER.public_key(Algorithm.RS256, public_pem(key)) == public_pem(key)
    assert VERIFIER.public_key(Algorithm.RS256, public_jwk(key)) == public_pem(key)


def test_a_pkcs1_rsa_public_key_is_normalised() -> None:
    key = rsa_key()
    pkcs1 = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1)
        .decode()
    )

    assert "BEGIN RSA PUBLIC KEY" in pkcs1
    assert VERIFIER.public_key(Algorithm.RS256, pkcs1) == public_pem(key)


def test_p384_is_refused_naming_the_curve() -> None:
    message = _refusal(Algorithm.ES256, public_pem(ec_key(ec.SECP384R1())))

    assert "P-256" in message
    assert "P-384" in message


def test_secp256k1_is_refused() -> None:
    assert "secp256k1" in _refusal(Algorithm.ES256, public_pem(ec_key(ec.SECP256K1())))


def test_an_unknown_jwk_curve_is_refused() -> None:
    jwk = {**public_jwk(P256), "crv": "secp256k1"}

    assert "crv" in _refusal(Algorithm.ES256, jwk)


def test_rsa_1024_is_refused_naming_its_size() -> None:
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505

    message = _refusal(Algorithm.RS256, public_pem(weak))

    assert "2048" in message
    assert "1024" in message


def test_a_private_pem_is_refused() -> None:
    assert "private key" in _refusal(Algorithm.ES256, private_pem(P256))
    assert "private key" in _refusal(Algorithm.RS256, private_pem(rsa_key()))


def test_a_private_jwk_is_refused() -> None:
    assert "private" in _refusal(Algorithm.ES256, private_jwk(P256))


def test_a_symmetric_jwk_is_refused() -> None:
    assert "symmetric" in _refusal(Algorithm.ES256, {"kty": "oct", "k": b64url(b"secret")})


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "hello",
        "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
        "-----BEGIN PUBLIC KEY-----\n\x00\n-----END PUBLIC KEY-----\n",
    ],
)
def test_garbage_is_refused(garbage: str) -> None:
    assert "neither a PEM public key" in _refusal(Algorithm.ES256, garbage)


def test_an_overlong_pem_is_refused() -> None:
    assert "longer than" in _refusal(Algorithm.RS256, "A" * 20_000)


def test_a_certificate_is_refused() -> None:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "signer")])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(P256.public_key())
        .serial_number(1)
        .not_valid_before(datetime(2026, 1, 1))
        .not_valid_after(datetime(2027, 1, 1))
        .sign(P256, hashes.SHA256())
    )
    pem = certificate.public_bytes(serialization.Encoding.PEM).decode()

    assert "certificate" in _refusal(Algorithm.ES256, pem)


def test_the_algorithm_must_fit_the_key() -> None:
    assert "RSA key" in _refusal(Algorithm.ES256, public_pem(rsa_key()))
    assert "EC key" in _refusal(Algorithm.RS256, public_pem(P256))


def test_a_jwk_for_another_algorithm_is_refused() -> None:
    assert "alg" in _refusal(Algorithm.ES256, {**public_jwk(P256), "alg": "ES384"})
    assert "use" in _refusal(Algorithm.ES256, {**public_jwk(P256), "use": "enc"})


@pytest.mark.parametrize(
    "change",
    [
        {"x": b64url(b"\x01" * 32)},
        {"x": b64url(b"\x01" * 31)},
        {"y": "not base64url!"},
        {"y": 7},
        {"kty": "OKP"},
    ],
)
def test_a_malformed_ec_jwk_is_refused(change: dict[str, Any]) -> None:
    _refusal(Algorithm.ES256, {**public_jwk(P256), **change})


def test_a_malformed_rsa_jwk_is_refused() -> None:
    jwk = public_jwk(rsa_key())

    assert "RSA public key" in _refusal(Algorithm.RS256, {**jwk, "e": b64url(b"\x02")})
    assert "bits" in _refusal(Algorithm.RS256, {**jwk, "n": b64url(b"\xff" * 1025)})
    assert "1024" in _refusal(Algorithm.RS256, {**jwk, "n": b64url(b"\xc5" * 127 + b"\x01")})
