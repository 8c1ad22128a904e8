"""schemathesis against the API function in-process: the cases it generates from the handler's
own OpenAPI document, valid and invalid, for every operation, authenticated as an organisation
with something of every kind (and the ids of another's), never answer a server error, and what
the document describes of an answer's body holds."""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from hypothesis import given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from functions.api import handler as api_handler

from .api_world import ApiWorld, Operation, openapi_document, operations, world
from .sending_helpers import outbox
from .wsgi_api import wsgi_app

__all__ = ["outbox", "world"]

SCHEMA = schemathesis.openapi.from_wsgi("/openapi.json", wsgi_app(api_handler.handler))
OPERATIONS = [op for op in operations(openapi_document()) if not op.public]

EXAMPLES_PER_OPERATION = 25

# Fixed examples per operation (the world is shared by an operation's examples); the same
# examples on every run, new ones each run with MAILMAN_EXPLORE=1.
SETTINGS = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=not os.environ.get("MAILMAN_EXPLORE"),
    database=None,
)


def cases(operation: Any, op: Operation, world: ApiWorld) -> st.SearchStrategy[Any]:
    """schemathesis's cases, valid and invalid, with the path naming this organisation's
    resources, the other one's, or whatever schemathesis makes up."""
    names = [p["name"] for p in op.parameters("path")]
    choices: list[dict[str, str] | None] = [None]
    if names:
        choices = [
            {n: world.own.ids[n][0] for n in names},
            {n: world.own.ids[n][-1] for n in names},
            {n: world.foreign.ids[n][0] for n in names},
            None,
        ]
    return st.tuples(st.sampled_from(choices), st.sampled_from(list(GenerationMode))).flatmap(
        lambda pick: operation.as_strategy(pick[1], path_parameters=pick[0])
    )


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: op.name)
def test_no_generated_case_gets_a_server_error(op: Operation, world: ApiWorld) -> None:
    operation = SCHEMA[op.path][op.method]
    headers = {"Authorization": f"Bearer {world.key}"}

    @SETTINGS
    @given(cases(operation, op, world))
    def call(case: Any) -> None:
        response = case.call(headers=headers)
        # A 204 has no body, hence no Content-Type, to hold to the document's schema.
        body_checks = [response_schema_conformance] if response.status_code != 204 else []
        case.validate_response(response, checks=[not_a_server_error, *body_checks])

    call()
