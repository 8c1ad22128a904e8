"""What the OpenAPI document says beyond what Powertools writes from the routes, so that it
describes what the API does: every status an operation answers, in the one error envelope
(`errors.envelope`), the headers it reads and sends, its security, examples, and links
from what an operation makes to the operations that take it.

Powertools writes each route's success answer from its return type, and a 422
`HTTPValidationError` the API never sends (its request validation answers 400 in the
envelope). `complete` rewrites that document by the rules below; what a rule cannot see
from the document (which operations can conflict, read an `Idempotency-Key`, answer 201)
is in the tables here, keyed by method and path as the document writes them.

The statuses: 400 wherever a credential is needed (every such operation refuses unknown
query parameters and what cannot be stored); 401, 403 and 429 likewise; 404 where a path
parameter (or a body field, `NOT_FOUND`) names a resource; 409 where the service can
conflict (`CONFLICTS`); 413 and 415 where there is a body; 422 where a route declares it
(every recipient suppressed); 500 everywhere. A 405 belongs to a path, not to one of its
operations: a method a path does not list is answered 405 with `Allow` naming the methods
it does list (`components.responses.MethodNotAllowed`, said once in the description).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from http import HTTPStatus
from typing import Any

from mailman.domain import errors as domain_errors

from .errors import STATUS, envelope
from .examples import REQUEST_EXAMPLES

Key = tuple[str, str]
"""An operation: its method (upper case) and its path as the document writes it."""

TRACE_HEADER = "X-Trace-Id"
RATE_LIMIT_HEADERS = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")
REPLAYED_HEADER = "Idempotent-Replayed"
IDEMPOTENCY_KEY = "Idempotency-Key"
EXAMPLE_TRACE_ID = "c0ffee00-1234-4abc-8def-0123456789ab"

CREATED: frozenset[Key] = frozenset(
    {("POST", "/domains"), ("POST", "/inboxes"), ("POST", "/api-keys"), ("POST", "/auth-keys")}
)
"""Operations that answer 201 but declare no responses (Powertools writes 200)."""

TEXT: dict[Key, str] = {("GET", "/domains/{domain_id}/zone-file"): "text/plain"}
"""Operations whose success answer is not JSON: its media type."""

IDEMPOTENT: frozenset[Key] = frozenset(
    {
        ("POST", "/inboxes/{inbox_id}/messages"),
        ("POST", "/messages/{message_id}/reply"),
        ("POST", "/messages/{message_id}/reply-all"),
        ("POST", "/messages/{message_id}/forward"),
        ("POST", "/drafts/{draft_id}/send"),
    }
)
"""Operations that read `Idempotency-Key` (`routes.sending.idempotency_of`)."""

_SENDING_CONFLICT = (
    "The sender's domain has its sending paused (`sending_paused`, the pause in "
    "`error.details`), or the `Idempotency-Key` was used with another request (`conflict`)"
)
_TRASH_CONFLICT = "Mail of it is still to be sent: cancel it first (`conflict`)"
CONFLICTS: dict[Key, str] = {
    ("POST", "/domains"): "The domain is held already, here or by another account, or the "
    "organisation holds as many domains as it may (`conflict`)",
    ("POST", "/domains/{domain_id}/verify"): "The domain is verified by another account "
    "(`conflict`)",
    ("POST", "/domains/{domain_id}/resume-sending"): "Sending from the domain is not paused "
    "(`conflict`)",
    ("POST", "/inboxes"): "The address is taken, or the domain has a catch-all inbox "
    "already (`conflict`)",
    ("PATCH", "/inboxes/{inbox_id}"): "The domain has a catch-all inbox already (`conflict`)",
    ("POST", "/api-keys"): "The organisation holds as many live keys as it may (`conflict`)",
    ("POST", "/auth-keys"): "A live key has this `kid` (`conflict`)",
    ("POST", "/inboxes/{inbox_id}/messages"): _SENDING_CONFLICT,
    ("POST", "/messages/{message_id}/reply"): _SENDING_CONFLICT,
    ("POST", "/messages/{message_id}/reply-all"): _SENDING_CONFLICT,
    ("POST", "/messages/{message_id}/forward"): _SENDING_CONFLICT,
    ("POST", "/drafts/{draft_id}/send"): "The draft is in trash, or was changed or sent "
    f"meanwhile (`conflict`); or: {_SENDING_CONFLICT[0].lower()}{_SENDING_CONFLICT[1:]}",
    ("PATCH", "/drafts/{draft_id}"): "The draft is in trash, or was sent or changed "
    "meanwhile (`conflict`)",
    ("DELETE", "/drafts/{draft_id}"): "The draft was sent or changed meanwhile (`conflict`)",
    ("POST", "/messages/{message_id}/cancel"): "The message is not waiting to be sent (`conflict`)",
    ("POST", "/messages/{message_id}/reschedule"): "The message is not waiting to be sent "
    "(`conflict`)",
    ("PATCH", "/messages/{message_id}"): _TRASH_CONFLICT,
    ("PATCH", "/threads/{thread_id}"): _TRASH_CONFLICT,
    ("POST", "/messages/batch"): _TRASH_CONFLICT,
    ("POST", "/threads/batch"): _TRASH_CONFLICT,
    ("DELETE", "/messages/{message_id}"): f"{_TRASH_CONFLICT[:-1]}, or erase with "
    "`permanent` mail not in trash (`conflict`)",
    ("DELETE", "/threads/{thread_id}"): _TRASH_CONFLICT,
    ("POST", "/messages/{message_id}/restore"): "The message is not in trash, or is being "
    "erased (`conflict`)",
    ("POST", "/threads/{thread_id}/restore"): "No message of the thread is in trash, or "
    "they are being erased (`conflict`)",
    ("POST", "/inboxes/{inbox_id}/folders"): "The inbox has a folder of this name (`conflict`)",
    ("PATCH", "/inboxes/{inbox_id}/folders/{folder_id}"): "The inbox has a folder of this "
    "name (`conflict`)",
}
"""Operations whose service can raise `Conflict` (409), and when, where the route itself
declares no 409."""

NOT_FOUND: frozenset[Key] = frozenset({("POST", "/inboxes"), ("GET", "/inboxes")})
"""Operations without a path parameter that answer 404 for a resource their body or query
names (`domain_id`)."""

IDENTIFIES: dict[str, str] = {
    "DomainOut": "domain_id",
    "InboxOut": "inbox_id",
    "MessageOut": "message_id",
    "FolderOut": "folder_id",
    "CreatedApiKeyOut": "key_id",
    "AuthKeyOut": "auth_key_id",
    "WebhookWithSecretOut": "webhook_id",
}
"""Which path parameter the `id` of an answer's schema is: the links follow it."""

POWERTOOLS_ONLY = ("HTTPValidationError", "ValidationError", "ResponseValidationError")
"""Component schemas Powertools adds for answers the API never gives."""

# One reusable response per status: its component name and description.
RESPONSES: dict[int, tuple[str, str]] = {
    400: (
        "BadRequest",
        "The request is not valid: a field, parameter or header (named in "
        "`error.field`), an unknown query parameter, a body that is not JSON (its "
        "position in the message)",
    ),
    401: (
        "Unauthorized",
        "No credential, or one that is not valid (unknown, revoked, expired; a token badly signed)",
    ),
    403: (
        "Forbidden",
        "The credential lacks the scope the operation needs (named in "
        "`error.details.required_scope`), is bound to inboxes where the operation acts on "
        "the organisation, or the domain cannot send or receive yet "
        "(`domain_not_verified`)",
    ),
    404: (
        "NotFound",
        "No such resource (another organisation's, or beyond the inboxes a "
        "credential is bound to, is not found either)",
    ),
    405: (
        "MethodNotAllowed",
        "The path does not take this method: `Allow` names those it "
        "takes (the methods the document lists under the path)",
    ),
    409: ("Conflict", "The request conflicts with the resource's state"),
    413: (
        "PayloadTooLarge",
        "The body is larger than the API takes (`payload_too_large`); "
        "a send request's attachments inline are larger than 4 MiB "
        "(`attachment_too_large`)",
    ),
    415: (
        "UnsupportedMediaType",
        "The body is not sent as JSON (`Content-Type: application/json`)",
    ),
    422: (
        "RecipientsSuppressed",
        "Every recipient is on the suppression list "
        "(`recipients_suppressed`, the addresses and reasons in "
        "`error.details.recipients`)",
    ),
    429: (
        "TooManyRequests",
        "Too many requests: the credential's limit, its "
        "organisation's, or too many failed authentications from the address; retry after "
        "`Retry-After` seconds",
    ),
    500: (
        "InternalError",
        "The service failed; retry later (`error.trace_id` identifies the request in the logs)",
    ),
}
RATE_LIMITED_ERRORS = frozenset({400, 403, 404, 409, 413, 415, 422})
"""Refusals that carry the RateLimit headers: made after the request was counted."""

_METHODS = ("get", "put", "post", "patch", "delete")


def error_types() -> dict[int, list[str]]:
    """Every `error.type` the API sends, by the status it comes with."""
    found: dict[int, set[str]] = {
        int(HTTPStatus.NOT_FOUND): {"not_found"},
        int(HTTPStatus.METHOD_NOT_ALLOWED): {"method_not_allowed"},
        int(HTTPStatus.INTERNAL_SERVER_ERROR): {"internal_error", "response_too_large"},
    }
    for cls in _subclasses(domain_errors.DomainError):
        status = next((STATUS[c] for c in cls.__mro__ if c in STATUS), None)
        if status is not None:
            found.setdefault(int(status), set()).add(cls.type)
    return {status: sorted(types) for status, types in sorted(found.items())}


def _subclasses(cls: type[domain_errors.DomainError]) -> Iterator[type[domain_errors.DomainError]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def complete(document: dict[str, Any]) -> dict[str, Any]:
    """The document Powertools wrote, made to describe what the API does."""
    done = copy.deepcopy(document)
    components = done.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for name in POWERTOOLS_ONLY:
        schemas.pop(name, None)
    schemas.update(_error_schemas())
    components["headers"] = _headers()
    components["parameters"] = {IDEMPOTENCY_KEY.replace("-", ""): _idempotency_key()}
    components["responses"] = _responses()
    done["info"]["description"] = (
        f"{done['info'].get('description', '')}\n\nEvery answer carries `{TRACE_HEADER}`, "
        "and every error the one envelope (`Error`). A path answers a method it does not "
        "list 405, with `Allow` naming the methods it lists (`MethodNotAllowed`), once the "
        "credential is accepted (without one, 401 comes first)."
    )
    seen: set[Key] = set()
    for path, item in done["paths"].items():
        for method in _METHODS:
            if method in item:
                key = (method.upper(), path)
                seen.add(key)
                _operation(key, item[method])
    tabled = CREATED | set(TEXT) | IDEMPOTENT | set(CONFLICTS) | NOT_FOUND
    missing = sorted(tabled - seen)
    if missing:
        raise ValueError(f"the tables name operations the document does not have: {missing}")
    _link(done)
    return done


def _operation(key: Key, operation: dict[str, Any]) -> None:
    secured = bool(operation.get("security"))
    if not secured:
        operation["security"] = []
    responses: dict[str, Any] = operation["responses"]
    declared = {status: responses.pop(status) for status in list(responses)}
    for status, answer in declared.items():
        if status.startswith("2"):
            responses.update(_success(key, status, answer, secured))
    if "requestBody" in operation:
        _request_example(key, operation["requestBody"])
    for refusal in sorted(_error_statuses(key, operation, secured)):
        responses[str(refusal)] = {"$ref": f"#/components/responses/{RESPONSES[refusal][0]}"}
    conflict = declared.get("409")
    if conflict is not None or key in CONFLICTS:
        description = conflict["description"] if conflict else CONFLICTS[key]
        responses["409"] = _error_response(409, description)
    suppressed = declared.get("422")
    if suppressed is not None and "HTTPValidationError" not in str(suppressed):
        responses["422"] = {"$ref": f"#/components/responses/{RESPONSES[422][0]}"}
    if key in IDEMPOTENT:
        ref = {"$ref": f"#/components/parameters/{IDEMPOTENCY_KEY.replace('-', '')}"}
        operation.setdefault("parameters", []).append(ref)
    operation["responses"] = dict(sorted(responses.items()))


def _error_statuses(key: Key, operation: dict[str, Any], secured: bool) -> set[int]:
    """The refusals every operation of its kind can get (409 and 422 aside)."""
    statuses: set[int] = {500}
    if secured:
        statuses |= {400, 401, 403, 429}
    names_resource = any(p.get("in") == "path" for p in operation.get("parameters", []))
    if names_resource or key in NOT_FOUND:
        statuses.add(404)
    if secured or "requestBody" in operation:
        # Admission measures and types a body sent to any private operation, one that
        # takes none included.
        statuses |= {413, 415}
    return statuses


def _success(key: Key, status: str, answer: dict[str, Any], secured: bool) -> dict[str, Any]:
    """The success answer as the route gives it: 201 or 204 where Powertools wrote 200, no
    body for a 204, the media type of one that is not JSON, and the headers it carries."""
    content = answer.get("content") or {}
    schema = (content.get("application/json") or {}).get("schema") or {}
    if schema.get("type") == "null":
        status, content = "204", {}
        if answer.get("description") == "Successful Response":
            answer["description"] = "Done: no content"
    elif status == "200" and key in CREATED:
        status = "201"
    if key in TEXT and content:
        content = {TEXT[key]: content["application/json"]}
    answer = {**answer, "headers": _answer_headers(secured, success=True, key=key)}
    if content:
        answer["content"] = content
    else:
        answer.pop("content", None)
    return {status: answer}


def _answer_headers(secured: bool, *, success: bool = False, key: Key | None = None) -> Any:
    headers: dict[str, Any] = {TRACE_HEADER: _header_ref(TRACE_HEADER)}
    if secured:
        headers.update({name: _header_ref(name) for name in RATE_LIMIT_HEADERS})
    if success and key in IDEMPOTENT:
        headers[REPLAYED_HEADER] = _header_ref(REPLAYED_HEADER)
    return headers


def _header_ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/headers/{name}"}


def _headers() -> dict[str, Any]:
    integer = {"type": "integer", "minimum": 0}
    return {
        TRACE_HEADER: {
            "description": "The request's trace id: quote it to find the request in the logs",
            "required": True,
            "schema": {"type": "string", "minLength": 1},
            "example": EXAMPLE_TRACE_ID,
        },
        "RateLimit-Limit": {
            "description": "Requests the credential may make a minute",
            "required": True,
            "schema": integer,
            "example": 100,
        },
        "RateLimit-Remaining": {
            "description": "Requests left in the window",
            "required": True,
            "schema": integer,
            "example": 99,
        },
        "RateLimit-Reset": {
            "description": "Seconds until the window is whole again",
            "required": True,
            "schema": integer,
            "example": 1,
        },
        "Retry-After": {
            "description": "Seconds to wait before retrying",
            "required": True,
            "schema": integer,
            "example": 1,
        },
        "Allow": {
            "description": "The methods the path takes, comma-separated",
            "required": True,
            "schema": {"type": "string"},
            "example": "GET, POST",
        },
        REPLAYED_HEADER: {
            "description": "`true` when the answer is the one the first request with this "
            "`Idempotency-Key` made, and nothing more was sent",
            "required": False,
            "schema": {"type": "string", "enum": ["true"]},
            "example": "true",
        },
    }


def _sometimes(name: str) -> dict[str, Any]:
    """A header of `components.headers`, as an answer sends it only sometimes."""
    found: dict[str, Any] = {**_headers()[name], "required": False}
    return found


def _idempotency_key() -> dict[str, Any]:
    return {
        "name": IDEMPOTENCY_KEY,
        "in": "header",
        "required": False,
        "description": "Send at most once: the same key and body within 24 hours answers "
        f"the message the first request made (`{REPLAYED_HEADER}: true`) and sends nothing "
        "more; the same key with another body answers 409. 1 to 255 printable characters.",
        "schema": {"type": "string", "minLength": 1, "maxLength": 255},
        "example": "order-1042-confirmation",
    }


def _error_schemas() -> dict[str, Any]:
    by_status = error_types()
    every = sorted({t for types in by_status.values() for t in types})
    listed = "; ".join(f"{status}: {', '.join(types)}" for status, types in by_status.items())
    return {
        "Error": {
            "title": "Error",
            "description": "Every error the API answers, whatever refused the request.",
            "type": "object",
            "required": ["error"],
            "additionalProperties": False,
            "properties": {"error": {"$ref": "#/components/schemas/ErrorBody"}},
            "examples": [_example(404, "no such inbox", field="inbox_id")],
        },
        "ErrorBody": {
            "title": "ErrorBody",
            "type": "object",
            "required": ["type", "message", "trace_id"],
            "additionalProperties": False,
            "properties": {
                "type": {
                    "type": "string",
                    "enum": every,
                    "description": f"What went wrong, by status: {listed}.",
                },
                "message": {"type": "string", "description": "For people: what to change"},
                "field": {
                    "type": "string",
                    "description": "The field, parameter or header at fault, when one is",
                },
                "details": {
                    "type": "object",
                    "additionalProperties": True,
                    "description": "What a program may act on, where an error has it",
                },
                "trace_id": {"type": "string", "description": f"As `{TRACE_HEADER}`"},
            },
        },
    }


def _example(
    status: int,
    message: str,
    *,
    error_type: str | None = None,
    field: str | None = None,
    details: dict[str, object] | None = None,
) -> dict[str, Any]:
    chosen = error_type or error_types()[status][0]
    return envelope(chosen, message, EXAMPLE_TRACE_ID, field, details)


ERROR_EXAMPLES: dict[int, dict[str, Any]] = {
    400: _example(
        400,
        "unknown query parameter: q (this operation takes: limit, page_token)",
        field="q",
        details={"unknown": ["q"], "known": ["limit", "page_token"]},
    ),
    401: _example(401, "missing or invalid credentials"),
    403: _example(
        403,
        "this credential lacks the scope messages:send",
        error_type="forbidden",
        details={"required_scope": "messages:send"},
    ),
    404: _example(404, "no such inbox", field="inbox_id"),
    405: _example(
        405,
        "PUT is not allowed here; this path takes GET, POST",
        details={"allowed": ["GET", "POST"]},
    ),
    409: _example(
        409,
        "a live key is registered under kid 'agents': revoke it first, or choose another kid",
        error_type="conflict",
        field="kid",
    ),
    413: _example(
        413,
        "request body is larger than 1048576 bytes",
        error_type="payload_too_large",
        field="body",
    ),
    415: _example(
        415, "send the body as JSON with Content-Type: application/json", field="Content-Type"
    ),
    422: _example(
        422,
        "every recipient is on the suppression list: jane@example.org (bounce)",
        details={"recipients": [{"address": "jane@example.org", "reason": "bounce"}]},
    ),
    429: _example(429, "rate limit exceeded"),
    500: _example(500, "the service failed unexpectedly", error_type="internal_error"),
}


def _error_response(status: int, description: str) -> dict[str, Any]:
    headers: dict[str, Any] = {TRACE_HEADER: _header_ref(TRACE_HEADER)}
    if status in RATE_LIMITED_ERRORS:
        headers.update({name: _header_ref(name) for name in RATE_LIMIT_HEADERS})
    elif status in (429, 500):
        headers.update({name: _sometimes(name) for name in RATE_LIMIT_HEADERS})
    if status == 429:
        headers["Retry-After"] = _header_ref("Retry-After")
    if status == 405:
        headers["Allow"] = _header_ref("Allow")
    example = ERROR_EXAMPLES[status]
    return {
        "description": description,
        "headers": headers,
        "content": {
            "application/json": {
                "schema": {"$ref": "#/components/schemas/Error"},
                "examples": {example["error"]["type"]: {"value": example}},
            }
        },
    }


def _responses() -> dict[str, Any]:
    return {name: _error_response(status, text) for status, (name, text) in RESPONSES.items()}


def _request_example(key: Key, body: dict[str, Any]) -> None:
    media = body["content"]["application/json"]
    name = _schema_name(media["schema"])
    if name not in REQUEST_EXAMPLES:
        raise ValueError(f"{key[0]} {key[1]}: no example of its body ({name})")
    media["examples"] = {
        summary: {"summary": summary, "value": value}
        for summary, value in REQUEST_EXAMPLES[name].items()
    }


def _schema_name(schema: dict[str, Any]) -> str:
    """The component a schema refers to (directly, or as the one option besides null)."""
    ref = schema.get("$ref")
    if ref is None:
        options = [o for o in schema.get("anyOf", []) if "$ref" in o]
        ref = options[0]["$ref"] if len(options) == 1 else ""
    return str(ref).rsplit("/", 1)[-1]


def _link(document: dict[str, Any]) -> None:
    """Links from an answer that makes something (201, 202) to the operations that take
    it: every path parameter of the target is the answer's `id` (the parameter `IDENTIFIES`
    names) or a field of the answer of the same name."""
    schemas = document["components"]["schemas"]
    targets = [
        (path, method, [p["name"] for p in spec.get("parameters", []) if p.get("in") == "path"])
        for path, item in document["paths"].items()
        for method, spec in item.items()
        if method in _METHODS
    ]
    for item in document["paths"].values():
        for method in _METHODS:
            for status, answer in (item.get(method) or {}).get("responses", {}).items():
                if status not in ("201", "202"):
                    continue
                schema = ((answer.get("content") or {}).get("application/json") or {}).get(
                    "schema"
                ) or {}
                name = _schema_name(schema)
                if name not in IDENTIFIES:
                    continue
                fields = set(schemas[name].get("properties", {}))
                links = {
                    _link_name(method_to, path_to): {
                        "operationRef": f"#/paths/{_pointer(path_to)}/{method_to}",
                        "parameters": {
                            p: "$response.body#/id"
                            if p == IDENTIFIES[name]
                            else f"$response.body#/{p}"
                            for p in params
                        },
                    }
                    for path_to, method_to, params in targets
                    if IDENTIFIES[name] in params
                    and all(p == IDENTIFIES[name] or p in fields for p in params)
                }
                if links:
                    answer["links"] = links


def _pointer(path: str) -> str:
    return path.replace("~", "~0").replace("/", "~1")


def _link_name(method: str, path: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", f"{method.upper()} {path}").strip("_")
