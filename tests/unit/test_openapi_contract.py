"""The OpenAPI document says what the API answers: every example in it holds to its schema,
every error comes in the one envelope that lists every `error.type` the API sends, each
operation documents the statuses its kind of request can get, its security, and the
headers it reads and sends; nothing is left of the 422 `HTTPValidationError` the API never
sends."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from functions.api import contract
from functions.api.documents import document as build_document
from functions.api.handler import pipeline
from mailman.domain.errors import DomainError

METHODS = ("get", "put", "post", "patch", "delete")


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return build_document(pipeline().app)


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                yield method.upper(), path, item[method]


def examples(node: Any, where: str = "") -> Iterator[tuple[str, dict[str, Any], Any]]:
    """Every example of the document with the schema it illustrates: those of media types,
    parameters and headers (`example`, `examples.*.value`) and of schemas (`examples`)."""
    if isinstance(node, list):
        for n, item in enumerate(node):
            yield from examples(item, f"{where}/{n}")
        return
    if not isinstance(node, dict):
        return
    yield from own_examples(node, where)
    for key, value in node.items():
        if key not in ("example", "examples"):
            yield from examples(value, f"{where}/{key}")


def own_examples(node: dict[str, Any], where: str) -> Iterator[tuple[str, dict[str, Any], Any]]:
    """The examples `node` itself holds: a media type's, parameter's or header's (its
    `schema` beside them), or a schema's."""
    if isinstance(node.get("schema"), dict):
        if "example" in node:
            yield f"{where}/example", node["schema"], node["example"]
        for name, example in (node.get("examples") or {}).items():
            yield f"{where}/examples/{name}", node["schema"], example["value"]
    elif isinstance(node.get("examples"), list):
        for n, example in enumerate(node["examples"]):
            yield f"{where}/examples/{n}", node, example


def validator(document: dict[str, Any], schema: dict[str, Any]) -> Draft202012Validator:
    """`schema` read as OpenAPI 3.1 reads it (JSON Schema 2020-12), its `$ref`s resolved in
    the document's components."""
    root = {"$ref": "#/$defs/target", "$defs": {"target": schema}, **document}
    return Draft202012Validator(root, format_checker=Draft202012Validator.FORMAT_CHECKER)


def test_every_example_holds_to_its_schema(document: dict[str, Any]) -> None:
    found = list(examples(document))

    wrong = [
        f"{where}: {error.message}"
        for where, schema, example in found
        for error in validator(document, schema).iter_errors(example)
    ]

    assert len(found) > 100
    assert wrong == []


def test_every_request_body_and_error_answer_has_an_example(document: dict[str, Any]) -> None:
    bodies = [
        f"{method} {path}"
        for method, path, operation in operations(document)
        if "requestBody" in operation
        and not operation["requestBody"]["content"]["application/json"].get("examples")
    ]
    errors = [
        name
        for name, answer in document["components"]["responses"].items()
        if not answer["content"]["application/json"].get("examples")
    ]

    assert bodies == []
    assert errors == []


def test_an_example_that_breaks_its_schema_is_caught(document: dict[str, Any]) -> None:
    schema = document["paths"]["/domains"]["post"]["requestBody"]["content"]["application/json"]

    assert not validator(document, schema["schema"]).is_valid({"from_name": "no name"})


def test_the_envelope_lists_every_error_type_the_domain_has(document: dict[str, Any]) -> None:
    def every(cls: type[DomainError]) -> Iterator[str]:
        for sub in cls.__subclasses__():
            yield sub.type
            yield from every(sub)

    listed = document["components"]["schemas"]["ErrorBody"]["properties"]["type"]["enum"]

    assert set(every(DomainError)) <= set(listed)
    assert {"internal_error", "method_not_allowed", "response_too_large"} <= set(listed)


def test_nothing_is_left_of_the_validation_error_the_api_never_sends(
    document: dict[str, Any],
) -> None:
    schemas = document["components"]["schemas"]

    assert not {"HTTPValidationError", "ValidationError"} & set(schemas)
    assert "HTTPValidationError" not in str(document)


def test_every_error_answer_is_the_envelope(document: dict[str, Any]) -> None:
    answers = document["components"]["responses"]
    envelope = {"$ref": "#/components/schemas/Error"}
    inline = [
        answer
        for _, _, operation in operations(document)
        for status, answer in operation["responses"].items()
        if int(status) >= 400 and "$ref" not in answer
    ]

    assert all(a["content"]["application/json"]["schema"] == envelope for a in answers.values())
    assert all(a["content"]["application/json"]["schema"] == envelope for a in inline)


def test_each_operation_documents_the_statuses_its_requests_can_get(
    document: dict[str, Any],
) -> None:
    for method, path, operation in operations(document):
        statuses = set(operation["responses"])
        secured = bool(operation["security"])
        expected = {"500"} | ({"400", "401", "403", "413", "415", "429"} if secured else set())
        if "{" in path:
            expected.add("404")
        assert expected <= statuses, (method, path)
        assert any(s.startswith("2") for s in statuses), (method, path)


def test_a_public_operation_says_it_needs_no_credential(document: dict[str, Any]) -> None:
    health = document["paths"]["/health"]["get"]

    assert health["security"] == []
    assert set(health["responses"]) == {"200", "500"}


def test_a_send_reads_an_idempotency_key_and_may_say_it_replayed(
    document: dict[str, Any],
) -> None:
    operation = document["paths"]["/inboxes/{inbox_id}/messages"]["post"]
    parameter = document["components"]["parameters"]["IdempotencyKey"]

    assert {"$ref": "#/components/parameters/IdempotencyKey"} in operation["parameters"]
    assert parameter["name"] == "Idempotency-Key"
    assert "Idempotent-Replayed" in operation["responses"]["202"]["headers"]
    assert {"409", "422"} <= set(operation["responses"])


def test_a_secured_answer_carries_the_rate_limit_and_a_429_retry_after(
    document: dict[str, Any],
) -> None:
    answer = document["paths"]["/inboxes"]["get"]["responses"]["200"]
    too_many = document["components"]["responses"]["TooManyRequests"]

    assert set(contract.RATE_LIMIT_HEADERS) | {"X-Trace-Id"} <= set(answer["headers"])
    assert too_many["headers"]["Retry-After"] == {"$ref": "#/components/headers/Retry-After"}


def test_answers_without_a_body_are_204_and_creations_201(document: dict[str, Any]) -> None:
    deleted = document["paths"]["/domains/{domain_id}"]["delete"]["responses"]
    created = document["paths"]["/domains"]["post"]["responses"]

    assert "204" in deleted
    assert "200" not in deleted
    assert "content" not in deleted["204"]
    assert "201" in created
    assert "200" not in created


def test_what_a_creation_answers_links_to_the_operations_that_take_it(
    document: dict[str, Any],
) -> None:
    links = document["paths"]["/inboxes"]["post"]["responses"]["201"]["links"]

    assert links["GET_inboxes_inbox_id"] == {
        "operationRef": "#/paths/~1inboxes~1{inbox_id}/get",
        "parameters": {"inbox_id": "$response.body#/id"},
    }
    assert "GET_domains_domain_id" not in links  # an inbox is not a domain
