"""The committed Python client (clients/python) is generated from the document the API serves
today: `make client` has been run since the last change to the API, and nobody has edited
the generated code by hand."""

from __future__ import annotations

import filecmp
from pathlib import Path

from clients.python import generate

from .api_world import openapi_document


def differences(left: Path, right: Path) -> list[str]:
    """The files that are not the same in the two folders (missing from one, or changed)."""
    compared = filecmp.dircmp(left, right, ignore=["__pycache__"])
    found = [f"only in {left}: {name}" for name in compared.left_only]
    found += [f"only in {right}: {name}" for name in compared.right_only]
    _, changed, unreadable = filecmp.cmpfiles(left, right, compared.common_files, shallow=False)
    found += [f"changed: {name}" for name in changed + unreadable]
    for folder in compared.common_dirs:
        found += differences(left / folder, right / folder)
    return found


def test_the_committed_document_is_the_one_the_api_serves() -> None:
    served = generate.document_text(openapi_document())

    assert generate.DOCUMENT.read_text() == served, "stale: run `make client`"


def test_the_committed_client_is_what_the_generator_makes_of_the_document(
    tmp_path: Path,
) -> None:
    fresh = tmp_path / "mailman_client"

    generate.generate(generate.DOCUMENT, fresh)

    assert differences(fresh, generate.PACKAGE) == [], "stale: run `make client`"
