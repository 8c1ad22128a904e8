"""API keys: mint (the key is shown once), list, get, revoke."""

from __future__ import annotations

from http import HTTPStatus
from uuid import UUID

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router

from mailman.domain.access import Scope
from mailman.domain.pagination import PageRequest
from mailman.domain.ratelimit import DEFAULT_MAX_API_KEYS
from mailman.services.auth import api_keys

from ..access import check_minting, requires
from ..dependencies import caller_uow, container, organization_id, principal
from ..schemas.api_keys import ApiKeyOut, CreateApiKey, CreatedApiKeyOut
from ..schemas.common import Limit, ListOf, PageToken, listing

router = Router()
TAGS = ["API keys"]


@router.post(
    "/api-keys",
    operation_id="api_keys.create",
    summary="Mint an API key",
    description=(
        "A key's `rate_limit_per_minute` may not exceed its organisation's limit over all its"
        " keys (400 naming the field). An organisation holds at most"
        f" {DEFAULT_MAX_API_KEYS} live keys unless the operator set another cap: beyond it,"
        " 409 `conflict` until a key is revoked. `scopes` narrow what the key may do and"
        " `inbox_ids` bind it to some inboxes; without them it may do anything, anywhere in"
        " the organisation. A key is made whole at once: its scopes and inboxes never change."
    ),
    tags=TAGS,
    **requires(Scope.KEYS_ADMIN, organization_wide=True),
)
def create_api_key(body: CreateApiKey) -> Response[CreatedApiKeyOut]:
    check_minting(principal(router).caller, body.scopes)
    c = container()
    created = api_keys.create_api_key(
        caller_uow(router),
        c.clock,
        organization_id(router),
        name=body.name,
        rate_limit_per_minute=body.rate_limit_per_minute,
        expires_at=body.expires_at,
        defaults=c.settings.organization_limits,
        scopes=body.scopes,
        inbox_ids=body.inbox_ids,
    )
    out = CreatedApiKeyOut.model_validate({**dict(created.key), "key": created.secret})
    return Response(
        status_code=HTTPStatus.CREATED, content_type=content_types.APPLICATION_JSON, body=out
    )


@router.get(
    "/api-keys",
    operation_id="api_keys.list",
    summary="List API keys",
    tags=TAGS,
    **requires(Scope.KEYS_ADMIN, organization_wide=True),
)
def list_api_keys(
    limit: Limit = None,
    page_token: PageToken = None,
) -> ListOf[ApiKeyOut]:
    page = api_keys.list_api_keys(
        caller_uow(router), organization_id(router), PageRequest.parse(limit, page_token)
    )
    return listing(page, ApiKeyOut.model_validate)


@router.get(
    "/api-keys/<key_id>",
    operation_id="api_keys.get",
    summary="Get an API key",
    tags=TAGS,
    **requires(Scope.KEYS_ADMIN, organization_wide=True),
)
def get_api_key(key_id: UUID) -> ApiKeyOut:
    key = api_keys.get_api_key(caller_uow(router), organization_id(router), key_id)
    return ApiKeyOut.model_validate(key)


@router.delete(
    "/api-keys/<key_id>",
    operation_id="api_keys.revoke",
    summary="Revoke an API key",
    tags=TAGS,
    **requires(Scope.KEYS_ADMIN, organization_wide=True),
)
def revoke_api_key(key_id: UUID) -> Response[None]:
    c = container()
    api_keys.revoke_api_key(caller_uow(router), c.clock, organization_id(router), key_id)
    return Response(status_code=HTTPStatus.NO_CONTENT)
