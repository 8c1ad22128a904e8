"""The REST API function: the resolver (the routes, their error handlers, the OpenAPI
document) and the handler, which passes each request along `pipeline`: trace id -> auth ->
rate limit -> request body -> route -> an answer Lambda can return."""

from __future__ import annotations

import functools
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import (
    APIGatewayRestResolver,
    CORSConfig,
    Response,
    content_types,
)
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer
from aws_lambda_powertools.utilities.typing import LambdaContext

from mailman.config import Settings
from mailman.domain.documents import parse_document

from . import errors
from .observability import logger, metrics, tracer
from .pipeline import Pipeline, cors_for
from .routes import api_keys, domains, drafts, events, health, inboxes, mailbox, sending

OPENAPI: dict[str, Any] = {
    "title": "Mailman API",
    "version": "0.1.0",
    "description": "Domains, inboxes and mail for applications and agents.",
    "security_schemes": {"bearer": HTTPBearer(description="An API key: `mm_live_...`")},
    "security": [{"bearer": []}],
}


def resolver(cors: CORSConfig | None) -> APIGatewayRestResolver:
    app = APIGatewayRestResolver(
        enable_validation=True, cors=cors, json_body_deserializer=parse_document
    )
    for module in (health, domains, inboxes, api_keys, events, mailbox, sending, drafts, errors):
        app.include_router(module.router)
    app.enable_swagger(path="/docs", **OPENAPI)

    @app.get("/openapi.json", include_in_schema=False)
    def openapi_document() -> Response[str]:
        return Response(
            status_code=HTTPStatus.OK,
            content_type=content_types.APPLICATION_JSON,
            body=app.get_openapi_json_schema(**OPENAPI),
        )

    return app


@functools.cache
def pipeline() -> Pipeline:
    """Built on the first request, with CORS for the origins the settings name (read here,
    not from the container: the public routes answer where no database is configured)."""
    cors = cors_for(Settings().cors_origins)
    return Pipeline(resolver(cors), cors)


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return pipeline().answer(event, context)
