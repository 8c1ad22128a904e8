"""Regenerates the Python client from the API's OpenAPI document: `make client`.

The document is the one the API handler serves at `/openapi.json` (no database, no server),
written to `openapi.json` here; `mailman_client/` is what openapi-python-client (pinned in
requirements-dev.txt, settings in `generator.yaml`) makes of it, formatted by the pinned
ruff. The same inputs give the same files, so a test regenerates the client and fails when
the committed one is stale.

Generated, not hand-written over httpx: a hand-written client of some 80 operations and
well over a hundred models would have to be kept true by hand; this one is remade from the
document, and what it makes is exercised against the running API by the end-to-end tests.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DOCUMENT = HERE / "openapi.json"
PACKAGE = HERE / "mailman_client"
SETTINGS = HERE / "generator.yaml"
BIN = Path(sys.executable).parent

# Powertools reads these when the handler's modules are imported.
HANDLER_ENVIRONMENT = {
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_SERVICE_NAME": "mailman-client-generator",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def served_document() -> dict[str, Any]:
    """The OpenAPI document the API handler answers `GET /openapi.json` with."""
    for name, value in HANDLER_ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    from functions.api import handler
    from local.apigw import LambdaContext, ProxyResult, proxy_event

    # The local platform's stand-in for the context Lambda passes, as its gateway uses it.
    serve: Callable[[dict[str, Any], Any], dict[str, Any]] = handler.handler
    result = ProxyResult.of(
        serve(proxy_event("GET", "/openapi.json"), LambdaContext("mailman-api"))
    )
    if result.status != 200:
        raise RuntimeError(f"GET /openapi.json answered {result.status}: {result.body!r}")
    document: dict[str, Any] = json.loads(result.body)
    return document


def document_text(document: dict[str, Any]) -> str:
    """How `openapi.json` holds a document: keys sorted, indented, so a change diffs well."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def generate(document: Path, into: Path) -> None:
    """Writes the client package generated from `document` to the new folder `into`."""
    with tempfile.TemporaryDirectory(prefix="mailman-client-") as scratch:
        made = Path(scratch) / "mailman_client"
        subprocess.run(
            [
                str(BIN / "openapi-python-client"),
                "generate",
                "--path",
                str(document),
                "--config",
                str(SETTINGS),
                "--meta",
                "none",
                "--output-path",
                str(made),
                "--fail-on-warning",
            ],
            cwd=scratch,
            env={**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"},
            check=True,
        )
        (made / "py.typed").touch()
        shutil.copytree(made, into)


def main() -> None:
    DOCUMENT.write_text(document_text(served_document()))
    with tempfile.TemporaryDirectory(prefix="mailman-client-") as scratch:
        fresh = Path(scratch) / "mailman_client"
        generate(DOCUMENT, fresh)
        shutil.rmtree(PACKAGE, ignore_errors=True)
        shutil.copytree(fresh, PACKAGE)
    print(f"wrote {DOCUMENT} and {PACKAGE}/")


if __name__ == "__main__":
    main()
