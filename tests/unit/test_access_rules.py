"""The scope check: what a route declares (`requires`), whom it refuses and how (403 naming
the scope), that it runs before the request's body is validated, that every route of the
API declares exactly one scope but the public ones, and the caller's unit of work."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID, uuid4

import pytest
from aws_lambda_powertools.event_handler.api_gateway import Route

from functions.api import access
from functions.api.access import Requirement, check, declared, requires
from functions.api.admission import PUBLIC_ROUTES
from functions.api.dependencies import CallerUnitOfWorkFactory
from functions.api.documents import openapi
from functions.api.handler import pipeline
from local.apigw import LambdaContext, ProxyResult, proxy_event
from mailman.domain.access import ALL_SCOPES, Caller, Scope
from mailman.domain.errors import Forbidden
from mailman.domain.ratelimit import BucketState
from mailman.services.auth import Principal

ORG = UUID("00000000-0000-4000-8000-000000000001")
INBOX = UUID("00000000-0000-4000-8000-00000000000a")
PUBLIC = PUBLIC_ROUTES
"""Served without a credential (the Swagger UI once a request has asked for it)."""


def _caller(
    scopes: frozenset[Scope] | None = None, inbox_ids: frozenset[UUID] | None = None
) -> Caller:
    return Caller(ORG, "api_key", uuid4(), scopes=scopes, inbox_ids=inbox_ids)


def _declared(scope: Scope, *, organization_wide: bool = False) -> Requirement | None:
    keywords = requires(scope, organization_wide=organization_wide)
    return declared(keywords["security"], keywords["openapi_extensions"])


def _refusal(needed: Requirement, caller: Caller) -> Forbidden:
    with pytest.raises(Forbidden) as refused:
        check(needed, caller)
    return refused.value


# -- what a route declares --------------------------------------------------------------------


def test_a_declaration_reads_back_as_its_scope() -> None:
    assert _declared(Scope.MESSAGES_READ) == Requirement(Scope.MESSAGES_READ)
    assert _declared(Scope.KEYS_ADMIN, organization_wide=True) == Requirement(
        Scope.KEYS_ADMIN, organization_wide=True
    )


def test_a_route_that_declares_nothing_is_public() -> None:
    assert declared(None) is None
    assert declared([]) is None


@pytest.mark.parametrize(
    "security",
    [
        [{"bearer": ["messages:read", "messages:send"]}],
        [{"bearer": []}],
        [{"bearer": ["messages:read"]}, {"bearer": ["drafts:read"]}],
        [{"basic": ["messages:read"]}],
        [{"bearer": ["messages:everything"]}],
    ],
)
def test_anything_but_one_scope_of_the_catalogue_is_refused(
    security: list[dict[str, list[str]]],
) -> None:
    with pytest.raises(ValueError, match=r"."):
        declared(security)


# -- whom the check refuses -------------------------------------------------------------------


def test_a_key_of_every_scope_passes_every_route() -> None:
    for scope in Scope:
        check(Requirement(scope, organization_wide=True), _caller())
        check(Requirement(scope), _caller(scopes=ALL_SCOPES))


def test_a_caller_without_the_scope_is_refused_naming_it() -> None:
    caller = _caller(scopes=ALL_SCOPES - {Scope.DRAFTS_WRITE})

    refused = _refusal(Requirement(Scope.DRAFTS_WRITE), caller)

    assert refused.type == "forbidden"
    assert "drafts:write" in refused.message
    assert refused.details == {"required_scope": "drafts:write"}


def test_one_scope_implies_no_other() -> None:
    caller = _caller(scopes=frozenset({Scope.MESSAGES_SEND}))

    check(Requirement(Scope.MESSAGES_SEND), caller)
    assert _refusal(Requirement(Scope.MESSAGES_READ), caller).details == {
        "required_scope": "messages:read"
    }


def test_a_bound_caller_is_refused_where_a_route_acts_on_the_whole_organisation() -> None:
    bound = _caller(inbox_ids=frozenset({INBOX}))

    refused = _refusal(Requirement(Scope.INBOXES_WRITE, organization_wide=True), bound)

    assert "bound to inboxes" in refused.message
    assert refused.details == {"required_scope": "inboxes:write", "organization_wide": True}
    check(Requirement(Scope.INBOXES_WRITE), bound)


def test_a_missing_scope_is_named_before_the_binding() -> None:
    caller = _caller(scopes=frozenset({Scope.MESSAGES_READ}), inbox_ids=frozenset({INBOX}))

    refused = _refusal(Requirement(Scope.DOMAINS_READ, organization_wide=True), caller)

    assert "lacks the scope domains:read" in refused.message


# -- the check in the resolver ----------------------------------------------------------------


def _routes() -> list[Route]:
    app = pipeline().app
    return [*app._static_routes, *app._dynamic_routes]


def test_every_route_declares_one_scope_but_the_public_ones() -> None:
    undeclared = []
    for route in _routes():
        needed = declared(route.security, route.openapi_extensions)
        if (needed is None) != ((route.method, route.path) in PUBLIC):
            undeclared.append(f"{route.method} {route.path}")

    assert undeclared == []


def test_no_route_skips_the_validation_step_the_check_rides_on() -> None:
    assert [r.path for r in _routes() if r.enable_validation is False] == []


def test_the_document_shows_each_operations_scope_and_no_default() -> None:
    document = json.loads(pipeline().app.get_openapi_json_schema(**openapi()))
    found = {
        (method.upper(), path): (spec.get("security"), spec.get(access.ORGANIZATION_WIDE))
        for path, methods in document["paths"].items()
        for method, spec in methods.items()
    }

    assert "security" not in document
    assert found[("GET", "/health")] == (None, None)
    assert found[("GET", "/inboxes/{inbox_id}/messages")] == ([{"bearer": ["messages:read"]}], None)
    assert found[("POST", "/api-keys")] == ([{"bearer": ["keys:admin"]}], True)
    assert "/auth-keys" in document["components"]["securitySchemes"]["bearer"]["description"]


@contextmanager
def _resolved_as(caller: Caller) -> Iterator[None]:
    app = pipeline().app
    app.append_context(principal=Principal(caller, BucketState(True, 1, 1, 1)))
    try:
        yield
    finally:
        app.clear_context()


def _answer(caller: Caller, method: str, path: str, body: Any = None) -> ProxyResult:
    event = proxy_event(
        method,
        path,
        headers=[("Content-Type", "application/json")],
        body=None if body is None else json.dumps(body).encode(),
    )
    with _resolved_as(caller):
        return ProxyResult.of(pipeline().app.resolve(event, LambdaContext("mailman-api")))


def test_a_caller_without_the_scope_is_refused_before_its_body_is_read() -> None:
    caller = _caller(scopes=ALL_SCOPES - {Scope.INBOXES_WRITE})

    answer = _answer(caller, "POST", "/inboxes", {"domain_id": "not an id", "surprise": 1})

    assert answer.status == 403
    assert json.loads(answer.body)["error"]["details"] == {"required_scope": "inboxes:write"}


def test_a_bound_caller_is_refused_before_its_body_is_read() -> None:
    answer = _answer(_caller(inbox_ids=frozenset({INBOX})), "POST", "/inboxes", {"x": 1})

    assert answer.status == 403
    assert json.loads(answer.body)["error"]["details"]["organization_wide"] is True


def test_a_caller_with_the_scope_has_its_body_read() -> None:
    caller = _caller(scopes=frozenset({Scope.INBOXES_WRITE}))

    answer = _answer(caller, "POST", "/inboxes", {"domain_id": "not an id"})

    assert answer.status == 400
    assert json.loads(answer.body)["error"]["type"] == "validation_error"


def test_a_path_no_route_takes_is_still_404_for_a_caller() -> None:
    answer = _answer(_caller(scopes=frozenset({Scope.EVENTS_READ})), "GET", "/nowhere")

    assert answer.status == 404


# -- the caller's unit of work ----------------------------------------------------------------


class RecordingFactory:
    """A unit-of-work factory that records how each unit was asked for."""

    def __init__(self) -> None:
        self.opened: list[tuple[UUID | None, dict[str, Any]]] = []

    @contextmanager
    def __call__(self, organization_id: UUID | None, **options: Any) -> Iterator[None]:
        self.opened.append((organization_id, options))
        yield


def test_the_callers_own_organisation_is_opened_for_the_caller() -> None:
    inner = RecordingFactory()
    caller = _caller(inbox_ids=frozenset({INBOX}))
    uow = CallerUnitOfWorkFactory(inner, caller)  # type: ignore[arg-type]

    with uow(ORG, pipelined=True):
        pass
    with uow(None, autocommit=True):
        pass

    assert inner.opened == [
        (ORG, {"pipelined": True, "autocommit": False, "caller": caller}),
        (None, {"pipelined": False, "autocommit": True, "caller": None}),
    ]


def test_another_organisation_is_never_opened_as_the_caller() -> None:
    inner = RecordingFactory()
    uow = CallerUnitOfWorkFactory(inner, _caller())  # type: ignore[arg-type]
    other = uuid4()

    with uow(other):
        pass

    assert inner.opened == [(other, {"pipelined": False, "autocommit": False, "caller": None})]
