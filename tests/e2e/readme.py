"""The README's shell walk-throughs, run as written against the local platform."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from tests.e2e.conftest import REPO_ROOT, LocalPlatform


def walkthrough(section: str) -> str:
    """The first shell block of the README's `section` (a `## ` heading), as printed."""
    text = (REPO_ROOT / "README.md").read_text().split(section, 1)[1].split("\n## ", 1)[0]
    return text.split("```sh\n", 1)[1].split("\n```", 1)[0]


def promised(block: str) -> list[str]:
    """The status codes the block's comments promise, in order."""
    return re.findall(r"#\s+(\d{3})\b", block)


def run(platform: LocalPlatform, folder: Path, block: str) -> list[str]:
    """`block` in `folder` (with the repository's `.venv`), after the variables the README's
    earlier walk-throughs set; answers what it printed, line by line."""
    preamble = "\n".join(
        [
            "set -euo pipefail",
            f"MAILMAN={platform.base_url}",
            f"KEY={platform.api_key}",
            'auth=(-H "Authorization: Bearer $KEY" -H "Content-Type: application/json")',
            'json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }',
            'TEST_DOMAIN=$(curl -s "${auth[@]}" "$MAILMAN/domains" | json \'["data"][0]["id"]\')',
        ]
    )
    (folder / ".venv").symlink_to(REPO_ROOT / ".venv")
    ran = subprocess.run(
        ["bash", "-c", f"{preamble}\n{block}"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    return ran.stdout.splitlines()
