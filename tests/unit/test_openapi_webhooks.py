"""The OpenAPI document describes the webhook operations: each one, the secret only in the
answers that make one, a test's two answers, the delivery log's filters, and the catalogue's
event types in the field that takes them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from functions.api.documents import openapi
from functions.api.handler import pipeline
from mailman.domain.event_catalogue import EVENT_TYPES


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    found: dict[str, Any] = json.loads(pipeline().app.get_openapi_json_schema(**openapi()))
    return found


def _schema(document: dict[str, Any], ref: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = document["components"]["schemas"][ref["$ref"].rsplit("/", 1)[-1]]
    return found


def _answer(document: dict[str, Any], method: str, path: str, status: str) -> dict[str, Any]:
    content = document["paths"][path][method]["responses"][status]["content"]
    return _schema(document, content["application/json"]["schema"])


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/webhooks"),
        ("get", "/webhooks"),
        ("get", "/webhooks/{webhook_id}"),
        ("patch", "/webhooks/{webhook_id}"),
        ("delete", "/webhooks/{webhook_id}"),
        ("post", "/webhooks/{webhook_id}/rotate-secret"),
        ("post", "/webhooks/{webhook_id}/test"),
        ("get", "/webhooks/{webhook_id}/deliveries"),
        ("get", "/webhooks/{webhook_id}/deliveries/{delivery_id}"),
        ("post", "/webhooks/{webhook_id}/deliveries/{delivery_id}/retry"),
        ("post", "/webhooks/{webhook_id}/recover"),
        ("get", "/event-types"),
    ],
)
def test_the_document_lists_each_webhook_operation(
    document: dict[str, Any], method: str, path: str
) -> None:
    operation = document["paths"][path][method]

    assert operation["tags"] == ["Webhooks"]
    assert operation["summary"]


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("post", "/webhooks", "201"), ("post", "/webhooks/{webhook_id}/rotate-secret", "200")],
)
def test_the_secret_is_in_the_answers_that_make_one(
    document: dict[str, Any], method: str, path: str, status: str
) -> None:
    assert "secret" in _answer(document, method, path, status)["properties"]


@pytest.mark.parametrize(
    ("method", "path"), [("get", "/webhooks/{webhook_id}"), ("patch", "/webhooks/{webhook_id}")]
)
def test_an_endpoint_read_or_changed_shows_no_secret(
    document: dict[str, Any], method: str, path: str
) -> None:
    shown = _answer(document, method, path, "200")["properties"]

    assert "secret" not in shown
    assert "url" in shown


def test_a_test_documents_its_attempt_and_its_pending_answers(document: dict[str, Any]) -> None:
    answers = document["paths"]["/webhooks/{webhook_id}/test"]["post"]["responses"]

    assert {"200", "202"} <= set(answers)
    assert (
        "attempt" in _answer(document, "post", "/webhooks/{webhook_id}/test", "202")["properties"]
    )


def test_the_delivery_log_documents_its_filters_and_pages(document: dict[str, Any]) -> None:
    operation = document["paths"]["/webhooks/{webhook_id}/deliveries"]["get"]

    names = {p["name"] for p in operation["parameters"] if p["in"] == "query"}

    assert names == {"status", "event_type", "since", "until", "limit", "page_token"}


def test_the_event_types_field_names_every_type_of_the_catalogue(
    document: dict[str, Any],
) -> None:
    created = document["components"]["schemas"]["CreateWebhook"]["properties"]["event_types"]

    for name in EVENT_TYPES:
        assert f"`{name}`" in created["description"]


@pytest.mark.parametrize(
    "path",
    ["/webhooks/{webhook_id}/deliveries/{delivery_id}/retry", "/webhooks/{webhook_id}/recover"],
)
def test_a_retry_or_a_recovery_documents_the_409_of_a_disabled_endpoint(
    document: dict[str, Any], path: str
) -> None:
    operation = document["paths"][path]["post"]

    assert "webhook_disabled" in operation["responses"]["409"]["description"]
    assert "webhook_disabled" in operation["description"]
