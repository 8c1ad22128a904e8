"""The README's "The Python client" walk-through: run as written against the local platform
(it prints what its comments say), and type-checked against the generated client with the
project's own mypy settings."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import REPO_ROOT, LocalPlatform, running_platform
from tests.e2e.readme import commented_prints, run_python, walkthrough

pytestmark = pytest.mark.e2e

SECTION = "## The Python client"


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPlatform]:
    with running_platform(
        tmp_path_factory,
        "python-client",
        {"MAILMAN_QUICKSTART": "1", "MAILMAN_DISPATCHER_SECONDS": "1"},
    ) as running:
        yield running


def test_readme_python_client_sends_lists_reads_and_replies(
    platform: LocalPlatform, tmp_path: Path
) -> None:
    block = walkthrough(SECTION, "python")

    printed = run_python(platform, tmp_path, block)

    assert commented_prints(block) == ["pending", "Lunch? ann@mailman.test", "Re: Lunch? True"]
    assert printed == commented_prints(block)


def test_readme_python_client_type_checks(tmp_path: Path) -> None:
    script = tmp_path / "walkthrough.py"
    script.write_text(walkthrough(SECTION, "python"))

    checked = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "cache"), str(script)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert checked.returncode == 0, checked.stdout
