"""Bodies of `routes/auth_keys.py`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import Field, StrictStr

from mailman.domain.auth_keys import MAX_KID_LENGTH, MAX_PUBLIC_KEY_LENGTH, Algorithm

from .common import Out, Request

_PEM_EXAMPLE = (
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE...\n"
    "-----END PUBLIC KEY-----\n"
)


class RegisterAuthKey(Request):
    kid: StrictStr = Field(
        min_length=1,
        max_length=MAX_KID_LENGTH,
        description="The name tokens give the key in their header's `kid`: printable ASCII, "
        "unique among the organisation's live keys.",
        examples=["agents-2026-11"],
    )
    algorithm: Algorithm = Field(
        description="The one algorithm the key signs with: ES256 (EC on P-256) or RS256 (RSA "
        "of at least 2048 bits). A token is verified with it whatever its header says."
    )
    public_key: Annotated[StrictStr, Field(max_length=MAX_PUBLIC_KEY_LENGTH)] | dict[str, Any] = (
        Field(
            description="The public key: a PEM string (`-----BEGIN PUBLIC KEY-----`) or a JWK "
            "object (`kty` EC with `crv` P-256, or RSA). Private keys are refused.",
            examples=[_PEM_EXAMPLE],
        )
    )


class AuthKeyOut(Out):
    id: UUID
    kid: str
    algorithm: Algorithm
    public_key: str = Field(
        validation_alias="public_key_pem", description="The key, as a SubjectPublicKeyInfo PEM."
    )
    issuer: str = Field(
        description="What tokens signed with the key must carry in `iss`: the organisation's id."
    )
    audience: str = Field(description="What tokens must carry in `aud`: this deployment's name.")
    created_at: datetime
    last_used_at: datetime | None = Field(
        description="When a token signed with the key was last accepted (to the minute)."
    )
    revoked_at: datetime | None
