"""The OpenAPI document describes delivery tracking's operations: the suppression list, the
reputation stats and brake, a message's delivery history and the lists' filter, and the
DMARC reports a domain receives."""

from __future__ import annotations

import json
from typing import Any

import pytest

from functions.api.documents import openapi
from functions.api.handler import pipeline


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    found: dict[str, Any] = json.loads(pipeline().app.get_openapi_json_schema(**openapi()))
    return found


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/suppressions"),
        ("post", "/suppressions"),
        ("post", "/suppressions/delete"),
        ("get", "/suppressions/{address}"),
        ("delete", "/suppressions/{address}"),
        ("get", "/domains/{domain_id}/stats"),
        ("get", "/inboxes/{inbox_id}/stats"),
        ("post", "/domains/{domain_id}/resume-sending"),
        ("get", "/messages/{message_id}/delivery"),
        ("get", "/domains/{domain_id}/dmarc/reports"),
        ("get", "/domains/{domain_id}/dmarc/reports/{dmarc_report_id}"),
        ("get", "/domains/{domain_id}/dmarc/summary"),
    ],
)
def test_the_document_lists_each_delivery_tracking_operation(
    document: dict[str, Any], method: str, path: str
) -> None:
    assert method in document["paths"][path]


@pytest.mark.parametrize("path", ["/inboxes/{inbox_id}/messages", "/inboxes/{inbox_id}/threads"])
def test_the_lists_document_their_delivery_status_filter(
    document: dict[str, Any], path: str
) -> None:
    names = {p["name"] for p in document["paths"][path]["get"].get("parameters", [])}

    assert "delivery_status" in names
