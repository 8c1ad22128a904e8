"""The public keys that sign the organisation's tokens: register, list, get, revoke."""

from __future__ import annotations

from http import HTTPStatus
from uuid import UUID

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router

from mailman.domain.access import Scope
from mailman.domain.auth_keys import AuthKey
from mailman.domain.credentials import KEY_CACHE_TTL, LEEWAY, MAX_TOKEN_BYTES
from mailman.domain.pagination import PageRequest
from mailman.services.auth import auth_keys

from ..access import check_minting, requires
from ..dependencies import caller_uow, container, organization_id, principal
from ..schemas.auth_keys import AuthKeyOut, RegisterAuthKey
from ..schemas.common import Limit, ListOf, PageToken, listing

router = Router()
TAGS = ["Auth keys"]
ACCESS = requires(Scope.KEYS_ADMIN, organization_wide=True)

_TOKENS = (
    "Callers may then authenticate with `Authorization: Bearer <JWT>`: a JWT of at most"
    f" {MAX_TOKEN_BYTES} bytes whose header names the key (`kid`), signed with the key's"
    " algorithm, carrying `iss` (the organisation's id: the key's `issuer`), `aud` (the"
    " key's `audience`), `sub` (who acts: the event log and the rate limit name it), `exp`"
    " (and optionally `iat` and `nbf`; within"
    f" {int(LEEWAY.total_seconds())} s of our clock, and at most the deployment's maximum"
    " lifetime, 24 hours unless set otherwise, between `iat` and `exp`), `scope` (scopes"
    " separated by spaces; none when absent) and optionally `inboxes` (inbox ids or"
    " addresses: the token reaches only those). Every refusal is the same 401."
)


def _out(key: AuthKey) -> AuthKeyOut:
    audience = container().settings.token_audience
    return AuthKeyOut.model_validate({**dict(key), "issuer": key.issuer, "audience": audience})


@router.post(
    "/auth-keys",
    operation_id="auth_keys.register",
    summary="Register a public key that signs tokens",
    description=(
        "The key is a PEM string or a JWK object: EC on P-256 for ES256, RSA of at least 2048"
        " bits for RS256. A private key, a key unfit for the algorithm, a weak or malformed"
        " one is refused (400 naming `public_key`); a second live key of one `kid`, 409."
        f" {_TOKENS}"
    ),
    tags=TAGS,
    **ACCESS,
)
def register_auth_key(body: RegisterAuthKey) -> Response[AuthKeyOut]:
    check_minting(principal(router).caller, None)
    registered = auth_keys.register_auth_key(
        caller_uow(router),
        container().token_verifier,
        organization_id(router),
        kid=body.kid,
        algorithm=body.algorithm,
        public_key=body.public_key,
    )
    return Response(
        status_code=HTTPStatus.CREATED,
        content_type=content_types.APPLICATION_JSON,
        body=_out(registered),
    )


@router.get(
    "/auth-keys",
    operation_id="auth_keys.list",
    summary="List the keys that sign tokens",
    tags=TAGS,
    **ACCESS,
)
def list_auth_keys(limit: Limit = None, page_token: PageToken = None) -> ListOf[AuthKeyOut]:
    page = auth_keys.list_auth_keys(
        caller_uow(router), organization_id(router), PageRequest.parse(limit, page_token)
    )
    return listing(page, _out)


@router.get(
    "/auth-keys/<auth_key_id>",
    operation_id="auth_keys.get",
    summary="Get a key that signs tokens",
    tags=TAGS,
    **ACCESS,
)
def get_auth_key(auth_key_id: UUID) -> AuthKeyOut:
    return _out(auth_keys.get_auth_key(caller_uow(router), organization_id(router), auth_key_id))


@router.delete(
    "/auth-keys/<auth_key_id>",
    operation_id="auth_keys.revoke",
    summary="Revoke a key that signs tokens",
    description=(
        "Tokens signed with the key are refused from their next request on, in every function"
        " instance: each request checks that its key is live. A key registered again under"
        " the revoked key's `kid` is trusted at once: a token that fails against the key an"
        " instance holds in memory (for at most"
        f" {int(KEY_CACHE_TTL.total_seconds())} s) is tried against the key read anew."
    ),
    tags=TAGS,
    **ACCESS,
)
def revoke_auth_key(auth_key_id: UUID) -> Response[None]:
    auth_keys.revoke_auth_key(
        caller_uow(router), container().clock, organization_id(router), auth_key_id
    )
    return Response(status_code=HTTPStatus.NO_CONTENT)
