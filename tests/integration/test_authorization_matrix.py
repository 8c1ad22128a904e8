"""The authorisation matrix: every operation of the OpenAPI document (built from the real
resolver), driven through the real handler against PostgreSQL, under each kind of
credential (`CREDENTIALS`).

- Another organisation's ids are not found (404), in the path or in the body.
- Under a credential bound to inbox A, inbox B's ids are not found (404), and the
  operations that act on the whole organisation are refused (403).
- A credential holding every scope but the operation's is refused (403, naming it), whatever
  its body.
- Every read answers, under a credential bound to A, nothing of B nor of the other
  organisation, and under an unbound one nothing of the other organisation.

An operation the matrix cannot place (a path parameter it cannot fill, a body it has no
example of, no ids to probe and not listed as taking none) fails
`test_every_operation_has_its_place_in_the_matrix`: a new route cannot slip past.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest

from functions.api.access import ORGANIZATION_WIDE
from functions.api.documents import openapi
from functions.api.handler import pipeline
from mailman.domain.access import ALL_SCOPES, Scope
from tests.jose import ec_key, public_pem

from .access_world import (
    HOOK,
    ApiKeyCredentials,
    Credentials,
    Organization,
    TokenCredentials,
    World,
    access_world,
    dump,
)
from .access_world import forbidden as forbidden_ids
from .api_world import Operation, operations
from .conftest import ApiClient, Response

__all__ = ["access_world"]

CREDENTIALS: tuple[Credentials, ...] = (ApiKeyCredentials(), TokenCredentials())
"""Each kind of credential the matrix holds every operation to."""

DOCUMENT = json.loads(pipeline().app.get_openapi_json_schema(**openapi()))
OPERATIONS = [op for op in operations(DOCUMENT) if not op.public]
PUBLIC = {op.name for op in operations(DOCUMENT) if op.public}

Ids = dict[str, str]
SEND = {"to": ["jane@customer.example"], "subject": "Matrix", "text": "Hi"}
PROBE_KEY = public_pem(ec_key())


def _an_hour_ago() -> str:
    return (datetime.now(UTC) - timedelta(hours=1)).isoformat()


BODIES: dict[str, Callable[[Ids], dict[str, Any]]] = {
    "POST /domains": lambda ids: {"name": "matrix.example.org"},
    "PATCH /domains/{domain_id}": lambda ids: {"from_name": "Matrix"},
    "POST /domains/{domain_id}/resume-sending": lambda ids: {"reason": "fixed"},
    "POST /inboxes": lambda ids: {"domain_id": ids["domain_id"], "local_part": "matrix"},
    "PATCH /inboxes/{inbox_id}": lambda ids: {"display_name": "Matrix"},
    "POST /api-keys": lambda ids: {"name": "matrix"},
    "POST /auth-keys": lambda ids: {"kid": "matrix", "algorithm": "ES256", "public_key": PROBE_KEY},
    "POST /inboxes/{inbox_id}/messages": lambda ids: SEND,
    "POST /messages/{message_id}/reply": lambda ids: {"text": "Hi"},
    "POST /messages/{message_id}/reply-all": lambda ids: {"text": "Hi"},
    "POST /messages/{message_id}/forward": lambda ids: SEND,
    "POST /messages/{message_id}/reschedule": lambda ids: {"send_at": None},
    "POST /inboxes/{inbox_id}/drafts": lambda ids: {"subject": "Matrix"},
    "PATCH /drafts/{draft_id}": lambda ids: {"subject": "Matrix"},
    "POST /attachments": lambda ids: {"filename": "matrix.pdf"},
    "POST /suppressions": lambda ids: {"address": "matrix@example.org"},
    "POST /suppressions/delete": lambda ids: {"addresses": ["matrix@example.org"]},
    "POST /webhooks": lambda ids: {"url": HOOK, "inbox_ids": [ids["inbox_id"]]},
    "PATCH /webhooks/{webhook_id}": lambda ids: {"description": "Matrix"},
    "POST /webhooks/{webhook_id}/rotate-secret": lambda ids: {},
    "POST /webhooks/{webhook_id}/recover": lambda ids: {"since": _an_hour_ago()},
    "PATCH /messages/{message_id}": lambda ids: {"read": True},
    "PATCH /threads/{thread_id}": lambda ids: {"read": True},
    "POST /messages/batch": lambda ids: {"ids": [ids["message_id"]], "change": {"read": True}},
    "POST /threads/batch": lambda ids: {"ids": [ids["thread_id"]], "change": {"read": True}},
    "POST /inboxes/{inbox_id}/folders": lambda ids: {"name": "Matrix probe"},
    "PATCH /inboxes/{inbox_id}/folders/{folder_id}": lambda ids: {"name": "Matrix"},
}
"""A body each operation would take, given the ids of the objects it names (so that an id
beyond the caller's reach, not the body, is what it answers)."""

QUERIES = {
    "GET /search": "q=invoice",
    "GET /inboxes/{inbox_id}/search": "q=invoice",
}
"""The query string an operation needs (search: words every inbox's mail holds)."""


PATH_PARAMETERS = frozenset(
    {
        "domain_id",
        "inbox_id",
        "thread_id",
        "message_id",
        "attachment_id",
        "draft_id",
        "folder_id",
        "webhook_id",
        "delivery_id",
        "key_id",
        "auth_key_id",
        "address",
        "dmarc_report_id",
    }
)
"""The path parameters the matrix can fill: the world holds an object of each kind in each
inbox (or organisation)."""

NO_IDS = frozenset(
    {
        "POST /domains",
        "POST /attachments",
        "POST /suppressions",
        "POST /suppressions/delete",
        "POST /auth-keys",
    }
)
"""Operations that name no object at all: nothing in them can reach beyond the caller."""


@dataclass(frozen=True)
class Probe:
    """A request that names, in its body, an object beyond the caller's reach; `body` is
    made of the ids the caller reaches (its path's) and of the ones it does not."""

    operation: str
    body: Callable[[Ids, Ids], dict[str, Any]]
    status: int
    field: str

    def __str__(self) -> str:
        return f"{self.operation} {self.field} {self.status}"


def _attaching(upload_id: str) -> dict[str, Any]:
    return {**SEND, "attachments": [{"filename": "r.pdf", "attachment_id": upload_id}]}


REPLY_TO = Probe(
    "POST /inboxes/{inbox_id}/drafts",
    lambda own, other: {"in_reply_to": other["message_id"]},
    404,
    "in_reply_to",
)
ATTACH = Probe(
    "POST /inboxes/{inbox_id}/messages",
    lambda own, other: _attaching(other["upload_id"]),
    404,
    "attachments[0].attachment_id",
)
HOOK_FOR = Probe(
    "POST /webhooks",
    lambda own, other: {"url": HOOK, "inbox_ids": [own["inbox_id"], other["inbox_id"]]},
    400,
    "inbox_ids",
)
HOOK_MOVED = Probe(
    "PATCH /webhooks/{webhook_id}",
    lambda own, other: {"inbox_ids": [other["inbox_id"]]},
    400,
    "inbox_ids",
)
FILE_INTO = Probe(
    "PATCH /messages/{message_id}",
    lambda own, other: {"folder": other["folder_id"]},
    400,
    "folder",
)
FILE_THREAD_INTO = Probe(
    "PATCH /threads/{thread_id}",
    lambda own, other: {"folder": other["folder_id"]},
    400,
    "folder",
)
BATCH_INTO = Probe(
    "POST /messages/batch",
    lambda own, other: {"ids": [own["message_id"]], "change": {"folder": other["folder_id"]}},
    400,
    "change.folder",
)
THREADS_INTO = Probe(
    "POST /threads/batch",
    lambda own, other: {"ids": [own["thread_id"]], "change": {"folder": other["folder_id"]}},
    400,
    "change.folder",
)
FOLDER_PROBES = (FILE_INTO, FILE_THREAD_INTO, BATCH_INTO, THREADS_INTO)
"""A change naming a folder beyond the caller's reach: no such folder (400, naming it)."""
BATCHES = ("POST /messages/batch", "POST /threads/batch")
"""Operations whose body names objects by id and that answer, for each, whether it was found
(`test_a_batch_finds_nothing_beyond_the_credentials_reach`)."""
FOREIGN_PROBES = (
    REPLY_TO,
    ATTACH,
    HOOK_FOR,
    HOOK_MOVED,
    *FOLDER_PROBES,
    Probe(
        "POST /inboxes",
        lambda own, other: {"domain_id": other["domain_id"], "local_part": "matrix"},
        404,
        "domain_id",
    ),
    Probe(
        "POST /api-keys",
        lambda own, other: {"name": "matrix", "inbox_ids": [other["inbox_id"]]},
        400,
        "inbox_ids",
    ),
)
MINTING = {"POST /api-keys", "POST /auth-keys"}
"""Operations that make credentials, which a token may not (`access.check_minting`)."""
BOUND_PROBES = (
    REPLY_TO,
    ATTACH,
    HOOK_FOR,
    HOOK_MOVED,
    *FOLDER_PROBES,
    Probe("POST /webhooks", lambda own, other: {"url": HOOK}, 403, "inbox_ids"),
    Probe("PATCH /webhooks/{webhook_id}", lambda own, other: {"inbox_ids": []}, 403, "inbox_ids"),
)


def _scope(op: Operation) -> Scope:
    [requirement] = op.spec["security"]
    [scope] = requirement["bearer"]
    return Scope(scope)


def _organization_wide(op: Operation) -> bool:
    return op.spec.get(ORGANIZATION_WIDE) is True


def _names(op: Operation) -> list[str]:
    return [str(p["name"]) for p in op.parameters("path")]


def _harmless_first(operations: list[Operation]) -> list[Operation]:
    """Reads, then writes, then deletes: should a refusal fail, what it changed spoils as
    few of the cases after it as can be (they share one world)."""
    rank = {"GET": 0, "POST": 1, "PATCH": 2, "DELETE": 3}
    return sorted(operations, key=lambda op: rank.get(op.method, 1))


PATH_OPS = _harmless_first([op for op in OPERATIONS if _names(op)])
READS = [op for op in OPERATIONS if op.method == "GET"]
BOUND_OPS = _harmless_first([op for op in OPERATIONS if _names(op) or _organization_wide(op)])

KINDS = pytest.mark.parametrize("kind", CREDENTIALS, ids=lambda k: k.name)


def _each(operations: list[Operation]) -> pytest.MarkDecorator:
    return pytest.mark.parametrize("op", operations, ids=lambda op: op.name)


def _path(op: Operation, ids: Ids) -> str:
    path = op.path
    for name in _names(op):
        if name not in ids:
            pytest.fail(f"{op.name}: the matrix cannot fill {name}")
        path = path.replace(f"{{{name}}}", quote(ids[name], safe="@"))
    return path


def _call(api: ApiClient, op: Operation, ids: Ids, body: Any = None) -> Response:
    """`op` on the objects `ids` names, with `body` or else the example body it takes."""
    if body is None and op.spec.get("requestBody"):
        if op.name not in BODIES:
            pytest.fail(f"{op.name}: the matrix has no body for it")
        body = BODIES[op.name](ids)
    query = QUERIES.get(op.name, "")
    return api.request(op.method, _path(op, ids), json_body=body, query=query)


def _operation(name: str) -> Operation:
    return next(op for op in OPERATIONS if op.name == name)


def _error(answer: Response, status: int) -> dict[str, Any]:
    assert answer.status == status, (answer.status, answer.result.body[:300])
    error: dict[str, Any] = answer.json()["error"]
    return error


def _full(world: World, kind: Credentials, org: Organization) -> ApiClient:
    return world.bearer(kind, org)


def _bound(world: World, kind: Credentials, inbox: str = "A") -> ApiClient:
    return world.bearer(kind, world.mine, inbox_ids=frozenset({world.mine.inbox_id(inbox)}))


def _reachable(org: Organization, inbox: str, uploader: str) -> Ids:
    return {**org.ids(inbox), "upload_id": org.uploads[uploader]}


# -- every operation has its place ------------------------------------------------------------


def test_every_operation_has_its_place_in_the_matrix() -> None:
    probed = {p.operation for p in FOREIGN_PROBES}
    misplaced = []
    for op in OPERATIONS:
        unknown = set(_names(op)) - PATH_PARAMETERS
        if unknown:
            misplaced.append(f"{op.name}: no object to fill {sorted(unknown)} with")
        if op.spec.get("requestBody") and op.name not in BODIES:
            misplaced.append(f"{op.name}: no example body")
        if not (_names(op) or op.method == "GET" or op.name in probed or op.name in NO_IDS):
            misplaced.append(f"{op.name}: names no object in its path, and no probe tries it")
        _scope(op)

    assert misplaced == []
    assert {"GET /health"} == PUBLIC


def test_the_world_holds_an_object_for_every_path_parameter(access_world: World) -> None:
    for org in (access_world.mine, access_world.theirs):
        for inbox in org.inboxes:
            assert set(org.ids(inbox)) >= PATH_PARAMETERS, (org.id, inbox)


# -- reads show nothing beyond the credential's reach -----------------------------------------

READ_CASES = [
    pytest.param(op, reach, id=f"{op.name} as {reach or 'unbound'}")
    for op in READS
    for reach in ("A", None)
    if not (reach and _organization_wide(op))
]


@KINDS
@pytest.mark.parametrize(("op", "reach"), READ_CASES)
def test_a_read_shows_nothing_beyond_the_credentials_reach(
    access_world: World, kind: Credentials, op: Operation, reach: str | None
) -> None:
    """Bound to A (every scope): nothing of B nor of the other organisation. Unbound,
    holding the operation's scope alone: nothing of the other organisation."""
    world = access_world
    if reach is None:
        api = world.bearer(kind, world.mine, scopes=frozenset({_scope(op)}))
    else:
        api = _bound(world, kind, reach)

    answer = _call(api, op, world.mine.ids("A"))

    assert answer.status == 200, answer.result.body[:300]
    shown = dump(answer)
    assert {i for i in forbidden_ids(world, world.mine, reach) if i in shown} == set()


@KINDS
def test_the_reads_hold_what_the_matrix_looks_for(access_world: World, kind: Credentials) -> None:
    """Unbound, the listings show inbox B's objects: a bound credential's not showing them
    is the binding's doing."""
    world = access_world
    full, bound = _full(world, kind, world.mine), _bound(world, kind)
    b = world.mine.inboxes["B"]
    a = world.mine.inboxes["A"]

    for path, wanted in (("/inboxes", "inbox_id"), ("/webhooks", "webhook_id")):
        assert b[wanted] in dump(full.get(path))
        assert a[wanted] in dump(bound.get(path))
    everything = full.get("/events").json()["data"]
    seen = bound.get("/events").json()["data"]
    assert {e["data"].get("inbox_id") for e in everything} >= {a["inbox_id"], b["inbox_id"]}
    assert {e["data"].get("inbox_id") for e in seen} == {a["inbox_id"]}


# -- scopes -----------------------------------------------------------------------------------


@KINDS
@_each(_harmless_first(OPERATIONS))
def test_a_credential_without_the_operations_scope_is_refused_before_its_body_is_read(
    access_world: World, kind: Credentials, op: Operation
) -> None:
    scope = _scope(op)
    api = access_world.bearer(kind, access_world.mine, scopes=ALL_SCOPES - {scope})
    body = {"not a field": "of any body"} if op.spec.get("requestBody") else None

    error = _error(_call(api, op, access_world.mine.ids("A"), body), 403)

    assert error["type"] == "forbidden"
    assert scope.value in error["message"]
    assert error["details"] == {"required_scope": scope.value}


# -- another organisation's ids ---------------------------------------------------------------


@KINDS
@_each(PATH_OPS)
def test_another_organisations_ids_are_not_found(
    access_world: World, kind: Credentials, op: Operation
) -> None:
    api = _full(access_world, kind, access_world.mine)

    answer = _call(api, op, access_world.theirs.ids("A"))

    assert _error(answer, 404)["type"] == "not_found"


@KINDS
@pytest.mark.parametrize("probe", FOREIGN_PROBES, ids=str)
def test_another_organisations_ids_in_a_body_are_refused(
    access_world: World, kind: Credentials, probe: Probe
) -> None:
    world = access_world
    own = _reachable(world.mine, "A", "unbound")
    other = _reachable(world.theirs, "A", "unbound")
    op = _operation(probe.operation)

    answer = _call(_full(world, kind, world.mine), op, own, probe.body(own, other))

    if kind.name == "token" and probe.operation in MINTING:
        assert _error(answer, 403)["field"] == "Authorization"  # tokens make no credentials
    else:
        assert _error(answer, probe.status)["field"] == probe.field


# -- another inbox's ids, under a credential bound to inbox A ---------------------------------


@KINDS
@pytest.mark.parametrize("probe", BOUND_PROBES, ids=str)
def test_another_inboxs_ids_in_a_body_are_refused_under_a_bound_credential(
    access_world: World, kind: Credentials, probe: Probe
) -> None:
    world = access_world
    own = _reachable(world.mine, "A", "A")
    other = _reachable(world.mine, "B", "B")
    op = _operation(probe.operation)

    answer = _call(_bound(world, kind), op, own, probe.body(own, other))

    assert _error(answer, probe.status)["field"] == probe.field


@KINDS
@_each(BOUND_OPS)
def test_a_credential_bound_to_an_inbox_reaches_no_other(
    access_world: World, kind: Credentials, op: Operation
) -> None:
    api = _bound(access_world, kind)

    if _organization_wide(op):
        error = _error(_call(api, op, access_world.mine.ids("A")), 403)
        assert error["details"]["organization_wide"] is True
    else:
        assert _error(_call(api, op, access_world.mine.ids("B")), 404)["type"] == "not_found"


@KINDS
@pytest.mark.parametrize("name", BATCHES)
@pytest.mark.parametrize("reach", ["A", None])
def test_a_batch_finds_nothing_beyond_the_credentials_reach(
    access_world: World, kind: Credentials, name: str, reach: str | None
) -> None:
    """Bound to A, inbox B's ids are not found; unbound, the other organisation's are not;
    and nothing of theirs changes."""
    world = access_world
    api = _bound(world, kind) if reach else _full(world, kind, world.mine)
    other = world.mine.inboxes["B"] if reach else world.theirs.inboxes["A"]
    key = "message_id" if name.startswith("POST /messages") else "thread_id"
    wanted = {"ids": [other[key]], "change": {"labels": {"add": ["matrix-probe"]}}}

    answer = _call(api, _operation(name), {}, wanted)

    assert answer.status == 200, answer.result.body[:300]
    assert answer.json()["data"] == [{"id": other[key], "result": "not_found"}]
    assert world.rows("SELECT 1 FROM messages WHERE 'matrix-probe' = ANY (labels)") == []
