"""Each operation of the OpenAPI document has its own `operationId`, named as a client calls
it (`messages.send`, `webhooks.deliveries.list`): the generated client's methods take those
names, so they must be there, tell operations apart and keep that shape."""

from __future__ import annotations

import re
from collections import Counter

from .api_world import openapi_document, operations

CLIENT_METHOD = re.compile(r"[a-z_]+(\.[a-z_]+)+")


def test_every_operation_has_an_operation_id_named_for_a_client_method() -> None:
    named = {op.name: op.spec.get("operationId") for op in operations(openapi_document())}

    misnamed = {
        name: op_id
        for name, op_id in named.items()
        if not isinstance(op_id, str) or not CLIENT_METHOD.fullmatch(op_id)
    }
    assert misnamed == {}


def test_no_two_operations_share_an_operation_id() -> None:
    counts = Counter(op.spec.get("operationId") for op in operations(openapi_document()))

    assert [op_id for op_id, count in counts.items() if count > 1] == []


def test_the_walk_through_operations_are_named_as_the_readme_calls_them() -> None:
    named = {op.name: op.spec.get("operationId") for op in operations(openapi_document())}

    assert named["POST /domains"] == "domains.create"
    assert named["POST /inboxes/{inbox_id}/messages"] == "messages.send"
    assert named["GET /inboxes/{inbox_id}/threads"] == "threads.list"
    assert named["GET /webhooks/{webhook_id}/deliveries"] == "webhooks.deliveries.list"
