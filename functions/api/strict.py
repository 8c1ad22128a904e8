"""What a route does not take is refused, not ignored: a query parameter it does not declare
(a filter that does not exist would look as if it worked and return everything) is a 400
naming it, run with access's check before Powertools validates what the route does take;
and a method a known path does not take is a 405 with `Allow`, not a 404.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from mailman.domain.errors import ValidationError

from .errors import envelope, json_response, trace_id

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
    from aws_lambda_powertools.event_handler.api_gateway import BaseRouter, Route
    from aws_lambda_powertools.event_handler.exceptions import NotFoundError


def refuse_unknown_query_parameters(app: BaseRouter) -> None:
    """ValidationError naming the first query parameter the resolved route does not declare.
    Only operations that need a credential are held to it: not the public ones (health,
    the document and Swagger UI, which Powertools answers with `?format=`), nor the router's
    own answer to a path it does not know (a 404 or 405 says more)."""
    route = app.context.get("_route")
    given = app.current_event.multi_value_query_string_parameters
    if route is None or not given or not route.security:
        return
    known = {param.alias for param in route.dependant.query_params}
    unknown = sorted(set(given) - known)
    if unknown:
        takes = ", ".join(sorted(known)) or "none"
        error = ValidationError(
            f"unknown query parameter: {unknown[0]} (this operation takes: {takes})",
            field=unknown[0],
        )
        error.details = {"unknown": unknown, "known": sorted(known)}
        raise error


def not_found_or_not_allowed(
    app: APIGatewayRestResolver,
) -> Callable[[NotFoundError], Response[dict[str, Any]]]:
    """The resolver's answer where no route matched: 405 with the methods the path takes in
    `Allow` when some route takes the path, else 404."""

    def answer(_: NotFoundError) -> Response[dict[str, Any]]:
        method = app.current_event.http_method.upper()
        path = app.current_event.path
        allowed = sorted({r.method for r in _routes(app) if r.rule.match(path)})
        if not allowed:
            body = envelope("not_found", "no such route", trace_id())
            return json_response(HTTPStatus.NOT_FOUND, body)
        message = f"{method} is not allowed here; this path takes {', '.join(allowed)}"
        body = envelope("method_not_allowed", message, trace_id(), details={"allowed": allowed})
        return json_response(HTTPStatus.METHOD_NOT_ALLOWED, body, {"Allow": ", ".join(allowed)})

    return answer


def _routes(app: BaseRouter) -> Sequence[Route]:
    """Every route of the resolver (Powertools keeps them in these two lists)."""
    return [*app._static_routes, *app._dynamic_routes]  # type: ignore[attr-defined]
