"""docs/webhooks.md lists the event catalogue as `mailman.domain.event_catalogue` holds it:
every type, when it is appended, and its example."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mailman.domain.event_catalogue import CATALOGUE, EventType

DOCS = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"


@pytest.mark.parametrize("entry", CATALOGUE, ids=lambda e: e.name)
def test_the_docs_show_each_type_with_when_it_is_appended_and_its_example(
    entry: EventType,
) -> None:
    text = DOCS.read_text()
    section = text.split(f"### `{entry.name}`\n", 1)

    assert len(section) == 2, f"docs/webhooks.md has no section for {entry.name}"
    shown = section[1].split("\n### ", 1)[0]
    assert entry.appended in shown
    assert json.dumps(entry.example, indent=2, sort_keys=True) in shown


def test_the_docs_list_no_type_the_catalogue_does_not_hold() -> None:
    listed = {
        line.removeprefix("### `").removesuffix("`")
        for line in DOCS.read_text().splitlines()
        if line.startswith("### `")
    }

    assert listed == {e.name for e in CATALOGUE}
