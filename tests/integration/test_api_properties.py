"""Every operation of the API's own OpenAPI document, driven through the real handler with
hostile input built from the operation's schema: strings no mail system should take (NUL,
lone surrogates, the characters the email package treats as line breaks, bidi overrides, a
megabyte), wrong types anywhere, JSON nested past any parser's recursion limit, bodies that
are not UTF-8 or not JSON, and the ids of another organisation's resources.

Whatever comes, the answer is never a 5xx; a 4xx is the JSON error envelope and leaves the
database and the bucket exactly as they were; and whatever was stored, every list and every
message, thread and draft reads back afterwards."""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import boto3
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from .api_world import ApiWorld, Operation, openapi_document, operations, world
from .conftest import BUCKET
from .sending_helpers import outbox

__all__ = ["outbox", "world"]

OPERATIONS = [
    op
    for op in operations(openapi_document())
    if not op.public and (op.body_schema() is not None or op.spec.get("parameters"))
]

EXAMPLES_PER_OPERATION = 30
MEGABYTE = 1024 * 1024

LINE_BREAKS = ["\r", "\n", "\r\n", "\u2028", "\u2029", "\x85", "\v", "\f", "\x1c", "\x1d", "\x1e"]
BIDI = ["\u202e", "\u2066", "\u2067", "\u200f", "\u061c"]
ODD = ["\x00", "\x7f", "\ufeff", "\u200b", "\t", "é", "\U0001f600", "%00", "../", "'", '"', "\\"]
SURROGATES = ["\ud800", "\udfff", "\udbff"]


@dataclass(frozen=True)
class Deep:
    """JSON nested `depth` times, written out by `encode` (json.dumps would recurse)."""

    depth: int
    opener: str

    def text(self) -> str:
        if self.opener == "[":
            return "[" * self.depth + "]" * self.depth
        return '{"a":' * self.depth + "1" + "}" * self.depth


def encode(value: Any, *, ascii_only: bool) -> str:
    """JSON text for `value`, which may hold `Deep` nests and lone surrogates."""
    if isinstance(value, Deep):
        return value.text()
    if isinstance(value, dict):
        items = (
            f"{json.dumps(k, ensure_ascii=ascii_only)}:{encode(v, ascii_only=ascii_only)}"
            for k, v in value.items()
        )
        return "{" + ",".join(items) + "}"
    if isinstance(value, list):
        return "[" + ",".join(encode(v, ascii_only=ascii_only) for v in value) + "]"
    return json.dumps(value, ensure_ascii=ascii_only)


def hostile_text(*, surrogates: bool) -> st.SearchStrategy[str]:
    """Short strings of hostile characters (among ordinary ones), or a megabyte or more.

    Lone surrogates only reach the API inside JSON (as `\\ud800` escapes, or raw in a body
    that is then not UTF-8): a path or query string is percent-decoded UTF-8 first."""
    alphabet = ODD[:1] + (SURROGATES if surrogates else []) + LINE_BREAKS + BIDI + ODD[1:] + ["a"]
    return st.one_of(
        st.lists(st.sampled_from(alphabet), min_size=1, max_size=12).map("".join),
        st.sampled_from(alphabet).map(lambda c: f"jane{c}@customer.example"),
        st.sampled_from(alphabet).map(lambda c: f"Hello{c}Bcc: victim@elsewhere.example"),
        st.just("x" * MEGABYTE),
        st.just("é" * (MEGABYTE // 2 + 1)),
        st.just("\x00" * 1000),
    )


def wrong_type() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.sampled_from([None, True, False, 0, -1, 10**30, -(10**30), 1e308, 0.5, "", "1"]),
        st.builds(Deep, st.sampled_from([300, 1000, 5000]), st.sampled_from(["[", "{"])),
        st.sampled_from([[], {}, float("nan"), float("inf")]),
    )


def hostile_value() -> st.SearchStrategy[Any]:
    return st.one_of(hostile_text(surrogates=True), wrong_type())


def long_key() -> st.SearchStrategy[str]:
    return st.one_of(
        hostile_text(surrogates=True).filter(lambda s: len(s) < 100),
        st.just("k" * 10_000),
        st.just(""),
    )


# Plausible strings by the name of the field (or the parameter) that takes them, so that a
# request is valid but for what a mutation breaks, and reaches the service behind the schema.
PLAUSIBLE: dict[str, list[str]] = {
    "address": ["jane@customer.example", "bob@elsewhere.example"],
    "display_name": ["Sales", "Ünïcode Desk"],
    "from_name": ["Example Support"],
    "subject": ["Hello", "Re: Order 1234"],
    "text": ["Hello there."],
    "html": ["<p>Hello <b>there</b></p>"],
    "filename": ["report.pdf", "notes.txt"],
    "content_type": ["application/pdf", "text/plain"],
    "content": ["aGVsbG8="],
    "content_id": ["logo@example"],
    "list_unsubscribe": ["https://example.com/unsubscribe", "mailto:leave@example.com", ""],
    "labels": ["important", "vip"],
    "header": ["X-Campaign", "X-Ticket"],
    "page_token": ["", "abc"],
    "after": ["", "0"],
    "type": ["message.received", "message.sent", "domain.verified"],
    "": ["Hello", "x"],
}
ADDRESS_FIELDS = frozenset({"to", "cc", "bcc", "reply_to", "bounce_address"})
ONE_OF_THESE = frozenset({"content", "attachment_id"})
# Fields that take the id of something of another name.
ID_ALIASES = {"in_reply_to": "message_id"}
# Optional fields without which hardly any send is valid.
WANTED = frozenset({"to", "text"})


class Schemas:
    """Plausible values for the JSON schemas of one document."""

    def __init__(self, document: dict[str, Any], world: ApiWorld) -> None:
        self.components: dict[str, Any] = document.get("components", {}).get("schemas", {})
        self.world = world

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            found: dict[str, Any] = self.components[str(schema["$ref"]).rsplit("/", 1)[-1]]
            schema = found
        return schema

    def plausible(self, schema: dict[str, Any], name: str = "") -> st.SearchStrategy[Any]:
        schema = self.resolve(schema)
        choices = [s for c in ("anyOf", "oneOf", "allOf") for s in schema.get(c, [])]
        given = [s for s in choices if self.resolve(s).get("type") != "null"]
        if given:
            # Mostly a value: a null is mostly the field left out.
            return st.one_of([self.plausible(s, name) for s in given] * 3 + [st.none()])
        if "enum" in schema or "const" in schema:
            return st.sampled_from(schema.get("enum") or [schema["const"]])
        kind = schema.get("type")
        if kind == "object":
            return self.object(schema)
        if kind == "array":
            items = self.plausible(schema.get("items") or {}, name)
            least = 1 if name == "to" else 0
            return st.lists(items, min_size=least, max_size=min(int(schema.get("maxItems", 2)), 2))
        if kind == "string":
            return self.string(schema, name)
        low, high = int(schema.get("minimum", 1)), int(schema.get("maximum", 1000))
        simple: dict[str, st.SearchStrategy[Any]] = {
            "integer": st.integers(low, high),
            "number": st.floats(0, 1000),
            "boolean": st.booleans(),
            "null": st.none(),
        }
        return simple[str(kind)] if kind in simple else self.json()

    def object(self, schema: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
        properties: dict[str, Any] = dict(schema.get("properties", {}))
        required = set(schema.get("required", []))
        if set(properties) >= ONE_OF_THESE:
            # An attachment is given by its content or by an upload's id, never both.
            return st.sampled_from(sorted(ONE_OF_THESE)).flatmap(
                lambda given: self.object(
                    {
                        **schema,
                        "properties": {
                            n: s for n, s in properties.items() if n not in ONE_OF_THESE - {given}
                        },
                        "required": [*required, given],
                    }
                )
            )
        known = st.fixed_dictionaries(
            {n: self.plausible(s, n) for n, s in properties.items() if n in required | WANTED},
            optional={
                n: self.plausible(s, n) for n, s in properties.items() if n not in required | WANTED
            },
        )
        extra_schema = schema.get("additionalProperties")
        if isinstance(extra_schema, dict):
            extra = st.dictionaries(
                st.sampled_from(PLAUSIBLE["header"]), self.plausible(extra_schema), max_size=2
            )
            return st.tuples(known, extra).map(lambda pair: {**pair[0], **pair[1]})
        if extra_schema is True:
            extra = st.dictionaries(st.sampled_from(["order", "note"]), self.json(), max_size=2)
            return st.tuples(known, extra).map(lambda pair: {**pair[0], **pair[1]})
        return known

    def string(self, schema: dict[str, Any], name: str) -> st.SearchStrategy[str]:
        fmt = schema.get("format")
        if fmt == "uuid" or name in self.world.own.ids:
            return self.any_id(name)
        if fmt == "date-time" or name.endswith("_at"):
            soon = datetime.now(UTC) + timedelta(hours=1)
            return st.sampled_from([soon.isoformat(), soon.strftime("%Y-%m-%dT%H:%M:%SZ")])
        if name in ("name", "local_part"):
            # Fresh names: a domain or an inbox that exists already is a plain 409.
            return st.integers(0, 10**6).map(
                lambda n: f"d{n}.example.org" if name == "name" else f"user{n}"
            )
        key = "address" if name in ADDRESS_FIELDS else name
        return st.sampled_from(PLAUSIBLE.get(key, PLAUSIBLE[""]))

    def json(self) -> st.SearchStrategy[Any]:
        leaves = st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=5)
        return st.recursive(
            leaves,
            lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
            max_leaves=6,
        )

    def sample(self, schema: dict[str, Any], name: str = "") -> Any:
        """One plausible value with every field there is: what the fixed examples break."""
        schema = self.resolve(schema)
        choices = [s for c in ("anyOf", "oneOf", "allOf") for s in schema.get(c, [])]
        given = [s for s in choices if self.resolve(s).get("type") != "null"]
        if given:
            return self.sample(given[0], name)
        kind = schema.get("type")
        if kind == "object":
            properties: dict[str, Any] = schema.get("properties", {})
            left_out = ONE_OF_THESE - {"content"} if set(properties) >= ONE_OF_THESE else set()
            return {n: self.sample(s, n) for n, s in properties.items() if n not in left_out}
        if kind == "array":
            return [self.sample(schema.get("items") or {}, name)]
        if kind == "string":
            return self.sample_string(schema, name)
        if "enum" in schema:
            return schema["enum"][0]
        return {"integer": 1, "number": 1.0, "boolean": False}.get(str(kind))

    def sample_string(self, schema: dict[str, Any], name: str) -> str:
        if schema.get("format") == "uuid" or name in self.world.own.ids:
            ids = self.world.own.ids.get(ID_ALIASES.get(name, name))
            return ids[0] if ids else str(uuid.UUID(int=1))
        if schema.get("format") == "date-time" or name.endswith("_at"):
            return (datetime.now(UTC) + timedelta(hours=1)).isoformat()
        if name in ("name", "local_part"):
            return "fixed.example.org" if name == "name" else "fixed"
        return PLAUSIBLE.get("address" if name in ADDRESS_FIELDS else name, PLAUSIBLE[""])[0]

    def any_id(self, name: str) -> st.SearchStrategy[str]:
        name = ID_ALIASES.get(name, name)
        own = self.world.own.ids.get(name) or tuple(
            i for ids in self.world.own.ids.values() for i in ids
        )
        foreign = self.world.foreign.ids.get(name) or tuple(
            i for ids in self.world.foreign.ids.values() for i in ids
        )
        return st.one_of(st.sampled_from(own), st.sampled_from(own), st.sampled_from(foreign))


Position = tuple[str | int, ...]


def positions(value: Any, at: Position = ()) -> list[Position]:
    """Every place in a JSON value, the whole of it last."""
    found: list[Position] = []
    if isinstance(value, dict):
        for key, item in value.items():
            found += positions(item, (*at, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += positions(item, (*at, index))
    return [*found, at]


def replaced(value: Any, at: Position, new: Any) -> Any:
    if not at:
        return new
    head, rest = at[0], at[1:]
    if isinstance(value, dict):
        return {**value, head: replaced(value[head], rest, new)}
    copy = list(value)
    copy[int(head)] = replaced(copy[int(head)], rest, new)
    return copy


@st.composite
def mutated(draw: st.DrawFn, base: st.SearchStrategy[Any]) -> Any:
    """`base` with one or two places broken: a hostile string or one spliced into the string
    there, a wrong type, a deep nest, or a hostile key added to an object."""
    value = draw(base)
    for _ in range(draw(st.integers(1, 2))):
        at = draw(st.sampled_from(positions(value)))
        here = value
        for step in at:
            here = here[step]
        new: Any
        if isinstance(here, dict) and draw(st.booleans()):
            new = {**here, draw(long_key()): draw(hostile_value())}
        elif isinstance(here, str) and draw(st.booleans()):
            cut = draw(st.integers(0, len(here)))
            new = here[:cut] + draw(hostile_text(surrogates=True)) + here[cut:]
        else:
            new = draw(hostile_value())
        value = replaced(value, at, new)
    return value


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    body: bytes | None

    def __repr__(self) -> str:
        body = self.body if self.body is None or len(self.body) <= 300 else self.body[:300] + b"..."
        return f"{self.method} {self.path!r} query={self.query!r} body={body!r}"


def query_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Deep):
        return value.text()
    return json.dumps(value)


def query_values(value: Any) -> list[str]:
    """A query parameter's values (a null is the parameter left out)."""
    if value is None:
        return []
    if isinstance(value, list):
        return [query_text(v) for v in value]
    return [query_text(value)]


def hostile_query() -> st.SearchStrategy[list[str]]:
    """Values a query string can carry: percent-decoded UTF-8, so no lone surrogates."""
    wrong = st.sampled_from(["abc", "-1", "0", "101", "1e3", "NaN", "99999999999999999999", ""])
    text = hostile_text(surrogates=False).filter(lambda s: len(s) < 5000)
    return st.one_of(
        text.map(lambda v: [v]),
        wrong.map(lambda v: [v]),
        st.lists(text | wrong, min_size=2, max_size=3),
    )


def hostile_path_value(name: str, world: ApiWorld) -> st.SearchStrategy[str]:
    """Another organisation's id, an unknown one, or no id at all."""
    foreign = world.foreign.ids.get(name, ())
    unknown = st.uuids().map(str)
    text = hostile_text(surrogates=False).filter(lambda s: len(s) < 200)
    return st.one_of(text, unknown, *([st.sampled_from(foreign)] if foreign else []))


RAW_BODIES = [
    b"\xff\xfe\xfd",
    b'{"name": "\xc3\x28"}',
    b'{"subject": "\xed\xa0\x80"}',
    b'{"filename": "a\xc0\xafb"}',
    b"{",
    b"[1,]",
    b"{'a': 1}",
    b"null",
    b"true",
    b"42",
    b'"text"',
    b"[]",
    b"NaN",
    b'{"a": 1} trailing',
    b"\x00",
    b"[" * 100_000,
    b'{"a":' * 100_000,
]

TARGETS = ("body", "body", "body", "raw body", "path", "query", "foreign ids", "nothing")
"""What an example breaks (the first is the likeliest): everything else is plausible."""


@st.composite
def requests_for(draw: st.DrawFn, op: Operation, world: ApiWorld, schemas: Schemas) -> HttpRequest:
    body_schema = op.body_schema()
    path_names = [p["name"] for p in op.parameters("path")]
    query = {p["name"]: p.get("schema", {}) for p in op.parameters("query")}
    possible = {"body": body_schema, "raw body": body_schema, "path": path_names, "query": query}
    target = draw(st.sampled_from([t for t in TARGETS if possible.get(t, True)]))

    paths = {name: draw(st.sampled_from(world.own.ids[name])) for name in path_names}
    if target == "foreign ids":
        paths = {name: draw(st.sampled_from(world.foreign.ids[name])) for name in path_names}
    elif target == "path":
        name = draw(st.sampled_from(path_names))
        paths[name] = draw(hostile_path_value(name, world))
    path = op.path
    for name, value in paths.items():
        path = path.replace("{" + name + "}", value)

    chosen = draw(st.lists(st.sampled_from(sorted(query)), unique=True)) if query else []
    values = {name: query_values(draw(schemas.plausible(query[name], name))) for name in chosen}
    if target == "query":
        values[draw(st.sampled_from(sorted(query)))] = draw(hostile_query())
    pairs = tuple((name, v) for name, vs in values.items() for v in vs)

    body: bytes | None = None
    if target == "raw body":
        body = draw(st.sampled_from(RAW_BODIES))
    elif body_schema is not None:
        value = draw(schemas.plausible(body_schema))
        if target == "body":
            value = draw(mutated(st.just(value)))
        text = encode(value, ascii_only=draw(st.booleans()))
        body = text.encode("utf-8", "surrogatepass")
    return HttpRequest(op.method, path, pairs, body)


def strings(value: Any, at: Position = ()) -> list[Position]:
    return [p for p in positions(value, at) if isinstance(_at(value, p), str)]


def _at(value: Any, at: Position) -> Any:
    for step in at:
        value = value[step]
    return value


def fixed_requests(op: Operation, world: ApiWorld, schemas: Schemas) -> list[HttpRequest]:
    """The classes every operation is tried with on every run, whatever else is drawn: a body
    not UTF-8, nested past any recursion limit, lone surrogates in every string of a full
    body, a NUL in each of its strings and in each query parameter, and each of its objects
    nested 300 deep."""
    path = op.path
    for name in (p["name"] for p in op.parameters("path")):
        path = path.replace("{" + name + "}", world.own.ids[name][-1])
    found = [
        HttpRequest(op.method, path, ((p["name"], "a\x00b"),), None) for p in op.parameters("query")
    ]
    schema = op.body_schema()
    if schema is None:
        return found
    full = schemas.sample(schema)
    broken = [replaced(full, at, _at(full, at) + "\x00") for at in strings(full)]
    objects = [at for at in positions(full)[:-1] if isinstance(_at(full, at), dict)]
    broken += [replaced(full, at, Deep(300, "{")) for at in objects]
    surrogates = full
    for at in strings(full):
        surrogates = replaced(surrogates, at, _at(full, at) + "\ud800")
    bodies = [b"\xff\xfe\xfd", b"[" * 1500, b'{"a":' * 1500 + b"1" + b"}" * 1500]
    bodies += [encode(v, ascii_only=True).encode() for v in [surrogates, *broken]]
    return found + [HttpRequest(op.method, path, (), body) for body in bodies]


ENVELOPE_KEYS = {"type", "message", "trace_id"}


def check_request(world: ApiWorld, request: HttpRequest) -> None:
    before = world.snapshot()
    answer = world.api.request(
        request.method,
        request.path,
        raw_body=request.body if request.body is not None else b"",
        query=urlencode(request.query),
    )
    seen = f"{request!r}\n-> {answer.status} {answer.result.body[:2000]!r}"
    assert answer.status < 500, seen
    if answer.status >= 400:
        try:
            error = answer.json()["error"]
        except (ValueError, KeyError, TypeError):
            pytest.fail(f"not the JSON error envelope: {seen}")
        assert ENVELOPE_KEYS <= set(error) <= ENVELOPE_KEYS | {"field", "details"}, seen
        assert error["trace_id"] == answer.header("X-Trace-Id"), seen
        assert world.snapshot().changes_since(before) == [], seen


def read(world: ApiWorld, path: str, query: str = "limit=100") -> Any:
    """A list (100 items), or with `query=""` one resource."""
    answer = world.api.get(path, query=query)
    assert answer.status == 200, f"GET {path} -> {answer.status} {answer.result.body[:500]!r}"
    return answer.json()


def read_back(world: ApiWorld) -> None:
    """Every list of the organisation, and every message, thread and draft of its inboxes,
    read without a server error: nothing the attack stored makes a read fail."""
    for path in ("/domains", "/api-keys", "/events"):
        read(world, path)
    for inbox in read(world, "/inboxes")["data"]:
        for kind in ("messages", "threads", "drafts"):
            for found in read(world, f"/inboxes/{inbox['id']}/{kind}")["data"]:
                read(world, f"/{kind}/{found['id']}", query="")


# Fixed examples per operation (the world is shared by an operation's examples, each compared
# with a snapshot taken just before it); the same examples on every run, new ones each run
# with MAILMAN_EXPLORE=1.
SETTINGS = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=not os.environ.get("MAILMAN_EXPLORE"),
    database=None,
)


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.name)
def test_hostile_requests_get_a_4xx_envelope_store_nothing_and_break_no_read(
    operation: Operation, world: ApiWorld
) -> None:
    schemas = Schemas(openapi_document(), world)

    def attack(request: HttpRequest) -> None:
        check_request(world, request)

    for request in fixed_requests(operation, world, schemas):
        attack = example(request)(attack)
    SETTINGS(given(requests_for(operation, world, schemas))(attack))()
    read_back(world)


def test_the_snapshot_sees_a_row_added_a_row_changed_and_an_object_stored(world: ApiWorld) -> None:
    before = world.snapshot()

    world.api.post("/api-keys", {"name": "probe"})
    world.api.patch(f"/drafts/{world.own.ids['draft_id'][0]}", {"subject": "Changed"})
    boto3.client("s3", region_name="us-east-1").put_object(Bucket=BUCKET, Key="probe", Body=b"x")

    changes = world.snapshot().changes_since(before)
    seen = {c.split(":")[0] for c in changes}
    assert {"table api_keys", "table messages", "object added"} <= seen, changes
    assert world.snapshot().changes_since(world.snapshot()) == []
