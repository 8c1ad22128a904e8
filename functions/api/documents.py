"""The API's OpenAPI document (GET /openapi.json) and its Swagger UI (GET /docs), public.

Both are made when first asked for, not with the other routes: the OpenAPI models they are
built from (the security scheme, Powertools' Swagger UI) and what completes the document
(`contract`, with its examples) take a fifth of a second to import, and no other request
needs them.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from http import HTTPStatus
from importlib import resources
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types

INFO = {
    "title": "Mailman API",
    "version": "0.1.0",
    "description": "Domains, inboxes and mail for applications and agents.",
}
BEARER = (
    "An API key (`mm_live_...`), or a JWT signed with a key registered at `/auth-keys`. "
    "Either may hold fewer scopes than every scope (an operation needing one the "
    "credential lacks answers 403 `forbidden`, naming it in `details.required_scope`) and "
    "be bound to inboxes: it then reaches only those inboxes, their mail, drafts, events "
    "and webhooks (another inbox's are not found, 404), and the operations marked "
    "`x-mailman-organization-wide` answer it 403."
)
SWAGGER_UI = "/docs"
_SWAGGER_UI_REQUEST = re.compile(rf"{SWAGGER_UI}/*")
"""What the REST resolver routes to the Swagger UI: its path, trailing slashes allowed."""


def openapi() -> dict[str, Any]:
    """What the document says of the API as a whole: its title, version, description and
    security scheme (a bearer token). Each private operation names the one scope it needs
    (`access.requires`); an operation that names none is public."""
    from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

    return {**INFO, "security_schemes": {"bearer": HTTPBearer(description=BEARER)}}


def document(app: APIGatewayRestResolver) -> dict[str, Any]:
    """The OpenAPI document of `app`'s routes: what Powertools writes of them, made to say
    every answer, header and example (`contract`)."""
    from . import contract  # its tables and examples: only for the document (11 ms)

    written: dict[str, Any] = json.loads(app.get_openapi_json_schema(**openapi()))
    return contract.complete(written)


def serve_document(app: APIGatewayRestResolver) -> None:
    """Adds GET /openapi.json, the document of `app`'s routes, to `app`."""
    served = _served(app)

    @app.get("/openapi.json", include_in_schema=False)
    def openapi_document() -> Response[str]:
        return Response(
            status_code=HTTPStatus.OK, content_type=content_types.APPLICATION_JSON, body=served()
        )


@functools.cache
def _served(app: APIGatewayRestResolver) -> Callable[[], str]:
    """The document of `app`, as served: made once, when first asked for."""
    return functools.cache(lambda: json.dumps(document(app), separators=(",", ":")))


def serve_swagger_ui_if_asked(app: APIGatewayRestResolver, event: dict[str, Any]) -> None:
    """Adds the Swagger UI to `app` before `app` answers the first request for it."""
    method = str(event.get("httpMethod", "")).upper()
    if method == "GET" and _SWAGGER_UI_REQUEST.fullmatch(str(event.get("path", ""))):
        _serve_swagger_ui(app)


@functools.cache
def _serve_swagger_ui(app: APIGatewayRestResolver) -> None:
    """The Swagger UI (Powertools' page and its bundled script and styles) showing the document
    `/openapi.json` serves, not Powertools' own, which `contract` completes."""
    from aws_lambda_powertools.event_handler.openapi.swagger_ui import generate_swagger_html

    bundled = resources.files("aws_lambda_powertools.event_handler.openapi.swagger_ui")
    served = _served(app)

    @app.get(SWAGGER_UI, include_in_schema=False)
    def swagger_ui() -> Response[str]:
        page = generate_swagger_html(
            # A `</script>` in the document must not end the page's script that holds it.
            served().replace("</", "<\\/"),
            (bundled / "swagger-ui-bundle.min.js").read_text(encoding="utf-8"),
            (bundled / "swagger-ui.min.css").read_text(encoding="utf-8"),
            swagger_base_url="",
            oauth2_config=None,
        )
        return Response(status_code=HTTPStatus.OK, content_type=content_types.TEXT_HTML, body=page)
