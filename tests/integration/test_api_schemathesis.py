"""schemathesis against the API function in-process, from the handler's own OpenAPI document:
the cases it generates for every operation, valid and invalid, authenticated as an
organisation with something of every kind (and the ids of another's), never answer a server
error, and every answer is one the document describes (its status, media type, headers and
body); and sequences of calls that follow the document's links (what a creation answers, to
the operations that take it) hold to it as well."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Flaky
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from functions.api import handler as api_handler

from .api_world import ApiWorld, Operation, openapi_document, operations, world
from .sending_helpers import outbox
from .wsgi_api import wsgi_app

__all__ = ["outbox", "world"]

SCHEMA = schemathesis.openapi.from_wsgi("/openapi.json", wsgi_app(api_handler.handler))
OPERATIONS = operations(openapi_document())
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

EXAMPLES_PER_OPERATION = 25
STATEFUL_SCENARIOS = 30
STATEFUL_STEPS = 6
STATEFUL_CALLS = 150
"""At least this many calls are checked, over as many runs (up to `STATEFUL_RUNS`) as it
takes."""
STATEFUL_RUNS = 5

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
def test_every_generated_case_gets_a_documented_answer(op: Operation, world: ApiWorld) -> None:
    operation = SCHEMA[op.path][op.method]
    headers = {"Authorization": f"Bearer {world.key}"}

    @SETTINGS
    @given(cases(operation, op, world))
    def call(case: Any) -> None:
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS)

    call()


@dataclass
class Checked:
    """What the state machine's calls answered: every status, and each failed check."""

    statuses: list[int] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def scenarios(world: ApiWorld, checked: Checked) -> Any:
    """The document's state machine, calling as the world's organisation: a path parameter
    no answer of the scenario gave is one of the world's own resources, so that most calls
    reach something (a made-up id is a 404, tried enough above); each answer's checks go to
    `checked`."""
    headers = {"Authorization": f"Bearer {world.key}"}

    class Scenario(SCHEMA.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            self.given: set[str] = set()

        def before_call(self, case: Any) -> None:
            case.headers = {**(case.headers or {}), **headers}
            for name, value in (case.path_parameters or {}).items():
                own = world.own.ids.get(name)
                if own and str(value) not in self.given:
                    case.path_parameters[name] = own[0]

        def after_call(self, response: Any, case: Any) -> None:
            super().after_call(response, case)
            try:
                body = response.json()
            except ValueError:  # no body (204), or not JSON
                return
            if isinstance(body, dict):
                self.given.update(str(v) for k, v in body.items() if k == "id" or k.endswith("_id"))

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            checked.statuses.append(response.status_code)
            try:
                case.validate_response(response, checks=CHECKS)
            except (Failure, FailureGroup) as failure:
                checked.failures.append(f"{case.method} {case.formatted_path}: {failure}")

    return Scenario


def test_calls_that_follow_the_documents_links_get_documented_answers(world: ApiWorld) -> None:
    """Sequences of calls, following the links of what each answers, get documented answers.

    A failed check is noted, not raised: the world carries from one scenario to the next, so
    hypothesis cannot replay a scenario (it would meet another world and draw otherwise), and
    when its record of earlier scenarios no longer matches what a call answers it ends the
    run (`Flaky`), which goes on in a new one."""
    checked = Checked()
    machine = scenarios(world, checked)
    for _ in range(STATEFUL_RUNS):
        with contextlib.suppress(Flaky):
            machine.run(
                settings=settings(
                    max_examples=STATEFUL_SCENARIOS,
                    stateful_step_count=STATEFUL_STEPS,
                    deadline=None,
                    derandomize=not os.environ.get("MAILMAN_EXPLORE"),
                    database=None,
                    phases=[Phase.explicit, Phase.generate],
                )
            )
        if len(checked.statuses) >= STATEFUL_CALLS:
            break

    assert checked.failures == []
    assert len(checked.statuses) >= STATEFUL_CALLS
