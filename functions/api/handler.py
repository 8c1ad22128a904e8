"""The REST API function: the resolver (the routes, their error handlers, the OpenAPI
document: `documents`) and the handler, which passes each request along `pipeline`: trace
id -> auth -> rate limit -> request body -> route -> an answer Lambda can return."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig

from functions.runtime import entrypoint
from mailman.config import Settings
from mailman.domain.documents import parse_document

from . import documents, errors
from .pipeline import Pipeline, cors_for
from .routes import api_keys, domains, drafts, events, health, inboxes, mailbox, sending

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


def resolver(cors: CORSConfig | None) -> APIGatewayRestResolver:
    app = APIGatewayRestResolver(
        enable_validation=True, cors=cors, json_body_deserializer=parse_document
    )
    for module in (health, domains, inboxes, api_keys, events, mailbox, sending, drafts, errors):
        app.include_router(module.router)
    documents.serve_document(app)
    return app


@functools.cache
def pipeline() -> Pipeline:
    """Built on the first request, with CORS for the origins the settings name (read here,
    not from the container: the public routes answer where no database is configured)."""
    cors = cors_for(Settings().cors_origins)
    return Pipeline(resolver(cors), cors)


@entrypoint
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return pipeline().answer(event, context)
