"""The README's walk-throughs (shell, and Python with the generated client), run as written
against the local platform."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.e2e.conftest import REPO_ROOT, LocalPlatform


def walkthrough(section: str, language: str = "sh") -> str:
    """The first `language` block of the README's `section` (a `## ` heading), as printed."""
    text = (REPO_ROOT / "README.md").read_text().split(section, 1)[1].split("\n## ", 1)[0]
    return text.split(f"```{language}\n", 1)[1].split("\n```", 1)[0]


def commented_prints(block: str) -> list[str]:
    """What the comments of a Python block's `print(...)` lines say they print, in order."""
    return re.findall(r"^\s*print\(.*\)\s+#\s+(.+)$", block, flags=re.MULTILINE)


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


def run_python(platform: LocalPlatform, folder: Path, block: str) -> list[str]:
    """The Python `block`, saved in `folder`, run by this venv's interpreter with `MAILMAN`
    and `KEY` exported as the README says; answers what it printed, line by line."""
    script = folder / "walkthrough.py"
    script.write_text(block)
    ran = subprocess.run(
        [sys.executable, str(script)],
        cwd=folder,
        env={**os.environ, "MAILMAN": platform.base_url, "KEY": platform.api_key},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    return ran.stdout.splitlines()
