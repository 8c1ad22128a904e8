"""What each route needs of its caller, declared with the route:
`@router.get("/inboxes", ..., **requires(Scope.INBOXES_READ))`; and the check of it.

The declaration is the route's OpenAPI security requirement (the `bearer` scheme with the
one scope the route needs), so the document shows it and the check reads it back from the
route the request resolved to. A route that acts on the organisation as a whole (its
domains, keys, suppressions, a new inbox) says so with `organization_wide`: a credential
bound to inboxes is refused there.

The check (`enforce`) runs first of all on every route, before the request is validated:
a credential without the scope is refused (403) whatever its body, rather than told what
is wrong with a body it may not send at all. A route that declares nothing is public
(`GET /health`); every other route declares exactly one scope, which the unit tests hold
every route of the resolver to.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler.middlewares.openapi_validation import (
    OpenAPIRequestValidationMiddleware,
)

from mailman.domain.access import ALL_SCOPES, Caller, Scope
from mailman.domain.errors import Forbidden

from .dependencies import principal
from .strict import refuse_unknown_query_parameters

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
    from aws_lambda_powertools.event_handler.api_gateway import BaseRouter
    from aws_lambda_powertools.event_handler.middlewares import NextMiddleware

SECURITY_SCHEME = "bearer"
ORGANIZATION_WIDE = "x-mailman-organization-wide"
"""The OpenAPI extension that marks an operation closed to inbox-bound credentials."""


def requires(scope: Scope, *, organization_wide: bool = False) -> dict[str, Any]:
    """The route decorator's keywords that declare `scope` (and `organization_wide`)."""
    return {
        "security": [{SECURITY_SCHEME: [scope.value]}],
        "openapi_extensions": {ORGANIZATION_WIDE: True} if organization_wide else None,
    }


@dataclass(frozen=True)
class Requirement:
    """What a route declared: the scope it needs, and whether it acts on the organisation
    as a whole."""

    scope: Scope
    organization_wide: bool = False


def declared(
    security: Sequence[Mapping[str, Sequence[str]]] | None,
    extensions: Mapping[str, Any] | None = None,
) -> Requirement | None:
    """The requirement a route's `security` and `openapi_extensions` declare (as `requires`
    writes them); None when it declares none (a public route, or the router's own answer to
    a path it does not know). ValueError for anything but one scope of the catalogue."""
    if not security:
        return None
    if len(security) != 1 or set(security[0]) != {SECURITY_SCHEME}:
        raise ValueError(f"declare one {SECURITY_SCHEME} requirement: {security}")
    scopes = security[0][SECURITY_SCHEME]
    if len(scopes) != 1:
        raise ValueError(f"declare exactly one scope: {scopes}")
    organization_wide = bool((extensions or {}).get(ORGANIZATION_WIDE))
    return Requirement(Scope(scopes[0]), organization_wide)


def check(needed: Requirement, caller: Caller) -> None:
    """Refuse (Forbidden, naming the scope in `details.required_scope`) a caller without the
    scope, or bound to inboxes where the route acts on the whole organisation (and then
    `details.organization_wide`)."""
    if not caller.allows(needed.scope):
        raise _refused(f"this credential lacks the scope {needed.scope}", needed.scope)
    if needed.organization_wide and caller.bound:
        raise _refused(
            "this route acts on the whole organisation: a credential bound to inboxes "
            "cannot use it",
            needed.scope,
            organization_wide=True,
        )


def check_minting(caller: Caller, scopes: Iterable[str] | None) -> None:
    """Whether `caller` may make a credential (an API key of `scopes`, None: every scope;
    or, with no `scopes` given, a token signing key): only an API key may, and only one no
    wider than itself. A token lives a day at most and must not leave behind what outlives
    it; a key must not mint a stronger key."""
    if caller.credential == "token":
        raise Forbidden(
            "a token may not make credentials (they would outlive it): use an API key",
            field="Authorization",
        )
    # Names outside the catalogue are the key's own rules' to refuse (400 naming them).
    wanted = ALL_SCOPES if scopes is None else ALL_SCOPES.intersection(scopes)
    held = ALL_SCOPES if caller.scopes is None else caller.scopes
    beyond = sorted(wanted - held)
    if beyond:
        raise Forbidden(
            f"a key may not grant what it does not hold: {', '.join(beyond)}", field="scopes"
        )


def _refused(message: str, scope: Scope, *, organization_wide: bool = False) -> Forbidden:
    error = Forbidden(message)
    error.details = {"required_scope": scope.value}
    if organization_wide:
        error.details = {**error.details, "organization_wide": True}
    return error


def enforce(app: BaseRouter) -> None:
    """Check the request's caller against the route it resolved to (`app.context["_route"]`);
    nothing for a public route, which admission lets through without a caller."""
    route = app.context.get("_route")
    needed = declared(route.security, route.openapi_extensions) if route else None
    if needed is not None:
        check(needed, principal(app).caller)


class AccessThenValidation(OpenAPIRequestValidationMiddleware):
    """Powertools' request validation, with `enforce` before it, then the refusal of query
    parameters the route does not take (`strict`).

    Powertools runs request validation first on every route, ahead of every middleware
    `use()` adds (`Route._build_middleware_stack`), so a middleware there would see a
    request whose body was already refused: the check takes the validation's own place.
    """

    def handler(self, app: Any, next_middleware: NextMiddleware) -> Response[Any]:
        enforce(app)
        refuse_unknown_query_parameters(app)
        return super().handler(app, next_middleware)


def guard(app: APIGatewayRestResolver) -> None:
    """Make `enforce` the first step of every route of `app` (built with validation)."""
    assert isinstance(app._request_validation_middleware, OpenAPIRequestValidationMiddleware)
    app._request_validation_middleware = AccessThenValidation()
