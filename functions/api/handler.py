"""The REST API function: the resolver (the routes, their error handlers, the OpenAPI
document: `documents`, the check of each route's scope: `access`) and the handler, which
passes each request along `pipeline`: trace id -> auth -> rate limit -> request body ->
scope -> route -> an answer Lambda can return."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig
from aws_lambda_powertools.event_handler.exceptions import NotFoundError

from functions.runtime import entrypoint
from mailman.domain.documents import parse_document

from . import access, documents, errors, strict
from .dependencies import container
from .pipeline import Pipeline, cors_for
from .routes import (
    api_keys,
    auth_keys,
    dmarc,
    domains,
    drafts,
    events,
    health,
    inboxes,
    mailbox,
    mailbox_state,
    reputation,
    search,
    sending,
    suppressions,
    trash,
    webhooks,
)

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


def _resolver(cors: CORSConfig | None) -> APIGatewayRestResolver:
    """The routes in one resolver. A router belongs to the last resolver that included it
    (its context, where admission leaves the principal, is that resolver's), so there is
    one per process: `pipeline()`'s."""
    app = APIGatewayRestResolver(
        enable_validation=True, cors=cors, json_body_deserializer=parse_document
    )
    for module in (
        health,
        domains,
        inboxes,
        reputation,
        dmarc,
        api_keys,
        auth_keys,
        events,
        mailbox,
        mailbox_state,
        search,
        trash,
        sending,
        drafts,
        suppressions,
        webhooks,
        errors,
    ):
        app.include_router(module.router)
    app.exception_handler(NotFoundError)(strict.not_found_or_not_allowed(app))
    access.guard(app)
    documents.serve_document(app)
    return app


@functools.cache
def pipeline() -> Pipeline:
    """Built on the first request, with CORS for the origins the container's settings name."""
    cors = cors_for(container().settings.cors_origins)
    return Pipeline(_resolver(cors), cors)


@entrypoint
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return pipeline().answer(event, context)
