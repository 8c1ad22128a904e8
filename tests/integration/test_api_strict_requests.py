"""What a route does not take is refused, not ignored: unknown query parameters (a filter
that does not exist must not look as if it worked), unknown event types, a method a known
path does not take (405 with `Allow`, not 404), and a body that is not a JSON object (the
body named, and where JSON breaks, the position). Every error is written alike."""

from __future__ import annotations

import json

import pytest

from mailman.domain.event_catalogue import EVENT_TYPES

from .conftest import Response, Tenant


def _error(answer: Response, status: int) -> dict[str, object]:
    assert answer.status == status, answer.result.body
    error: dict[str, object] = answer.json()["error"]
    assert error["trace_id"] == answer.header("X-Trace-Id")
    return error


@pytest.mark.parametrize(
    ("path", "query", "unknown"),
    [
        ("/domains", "q=acme", "q"),
        ("/events", "limit=5&unread=true", "unread"),
        ("/inboxes", "label=vip&direction=inbound", "direction"),
        ("/api-keys", "limit=10&limit=20&colour=red", "colour"),
    ],
)
def test_an_unknown_query_parameter_is_a_400_naming_it(
    tenant: Tenant, path: str, query: str, unknown: str
) -> None:
    error = _error(tenant.api.get(path, query=query), 400)

    assert error["type"] == "validation_error"
    assert error["field"] == unknown
    assert unknown in str(error["message"])
    details = error["details"]
    assert isinstance(details, dict)
    assert unknown in details["unknown"]
    assert "limit" in details["known"]


def test_the_parameters_a_route_takes_still_work(tenant: Tenant) -> None:
    answer = tenant.api.get("/events", query="limit=5&type=domain.verified&type=message.received")

    assert answer.status == 200, answer.result.body
    assert answer.json()["data"] == []


def test_an_unknown_parameter_is_refused_before_anything_changes(tenant: Tenant) -> None:
    before = tenant.api.get("/api-keys").json()["data"]

    error = _error(tenant.api.post("/api-keys", {"name": "x"}, query="dry_run=true"), 400)

    assert error["field"] == "dry_run"
    assert tenant.api.get("/api-keys").json()["data"] == before


def test_an_unknown_event_type_is_a_400_listing_the_valid_ones(tenant: Tenant) -> None:
    error = _error(
        tenant.api.get("/events", query="type=message.received&type=message.recieved"), 400
    )

    assert error["field"] == "type"
    assert "message.recieved" in str(error["message"])
    details = error["details"]
    assert isinstance(details, dict)
    assert details["unknown"] == ["message.recieved"]
    assert details["valid"] == sorted(EVENT_TYPES)


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/domains", "GET, POST"),
        ("PUT", "/api-keys", "GET, POST"),
        ("POST", "/events", "GET"),
        ("DELETE", "/inboxes", "GET, POST"),
    ],
)
def test_a_method_a_known_path_does_not_take_is_a_405_with_allow(
    tenant: Tenant, method: str, path: str, allowed: str
) -> None:
    answer = tenant.api.request(method, path)

    error = _error(answer, 405)
    assert error["type"] == "method_not_allowed"
    assert answer.header("Allow") == allowed
    assert error["details"] == {"allowed": allowed.split(", ")}


def test_a_path_no_route_takes_is_still_a_404(tenant: Tenant) -> None:
    answer = tenant.api.get("/nowhere/at-all", query="q=1")

    assert _error(answer, 404)["type"] == "not_found"
    assert answer.header("Allow") is None


@pytest.mark.parametrize("body", [b"", b"[]", b'[{"name": "x"}]', b'"x"', b"null", b"42"], ids=repr)
def test_a_body_that_is_not_a_json_object_is_a_400_naming_the_body(
    tenant: Tenant, body: bytes
) -> None:
    before = tenant.api.get("/api-keys").json()["data"]

    error = _error(tenant.api.request("POST", "/api-keys", raw_body=body), 400)

    assert (error["type"], error["field"]) == ("validation_error", "body")
    assert "JSON object" in str(error["message"])
    assert tenant.api.get("/api-keys").json()["data"] == before


def test_invalid_json_is_a_400_giving_the_position(tenant: Tenant) -> None:
    error = _error(
        tenant.api.request("POST", "/api-keys", raw_body=b'{\n  "name": "x",\n  oops\n}'), 400
    )

    assert error["field"] == "body"
    assert "line 3, column 3" in str(error["message"])
    assert error["details"] == {"line": 3, "column": 3, "position": 19}


def test_errors_from_before_the_router_are_written_as_the_routers_own(tenant: Tenant) -> None:
    unauthorised = tenant.api.get("/domains", key="mm_live_nope")
    invalid = tenant.api.get("/domains", query="q=1")

    assert unauthorised.status == 401
    for answer in (unauthorised, invalid):
        text = answer.result.body.decode()
        assert json.dumps(answer.json(), separators=(",", ":")) == text


def test_a_body_sent_to_an_operation_that_takes_none_is_measured_and_typed_too(
    tenant: Tenant,
) -> None:
    """As the document says of every private operation: 415 and 413 with no body declared."""
    text = tenant.api.request(
        "GET", "/api-keys", raw_body=b"hello", headers={"Content-Type": "text/plain"}
    )
    huge = tenant.api.request("GET", "/api-keys", raw_body=b"{}" + b" " * (11 * 1024 * 1024))

    assert _error(text, 415)["field"] == "Content-Type"
    assert _error(huge, 413)["type"] == "payload_too_large"
