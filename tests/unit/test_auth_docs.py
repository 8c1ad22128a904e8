"""docs/auth.md's table of what each operation needs is the routes' own declarations, as
the OpenAPI document shows them: every private operation once, with its scope and reach."""

from __future__ import annotations

import json
import re
from pathlib import Path

from functions.api import access
from functions.api.documents import openapi
from functions.api.handler import pipeline

DOCS = Path(__file__).resolve().parents[2] / "docs" / "auth.md"
ROW = re.compile(
    r"\| `(GET|POST|PUT|PATCH|DELETE) (/\S*)` \| `([a-z]+:[a-z]+)` \| (inbox|organisation) \|"
)


def _declared() -> set[tuple[str, str, str, str]]:
    document = json.loads(pipeline().app.get_openapi_json_schema(**openapi()))
    return {
        (
            method.upper(),
            path,
            spec["security"][0][access.SECURITY_SCHEME][0],
            "organisation" if spec.get(access.ORGANIZATION_WIDE) else "inbox",
        )
        for path, methods in document["paths"].items()
        for method, spec in methods.items()
        if spec.get("security")
    }


def test_the_docs_table_is_every_private_operation_with_its_scope_and_reach() -> None:
    shown = [match.groups() for match in ROW.finditer(DOCS.read_text())]

    assert len(shown) == len(set(shown))
    assert set(shown) == _declared()
