"""The README's "Tokens for agents" walk-through, run as written against the local platform:
a customer's key registered, a token minted with plain PyJWT for one inbox with
`messages:read messages:send`, which reads and sends there and is refused elsewhere."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import REPO_ROOT, LocalPlatform, poll, running_platform

pytestmark = pytest.mark.e2e

SECTION = "## Tokens for agents"


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPlatform]:
    with running_platform(tmp_path_factory, "tokens", {"MAILMAN_QUICKSTART": "1"}) as running:
        yield running


def _walkthrough() -> str:
    """The section's shell block, as the README prints it."""
    section = (REPO_ROOT / "README.md").read_text().split(SECTION, 1)[1].split("\n## ", 1)[0]
    return section.split("```sh\n", 1)[1].split("\n```", 1)[0]


def _run(platform: LocalPlatform, folder: Path) -> list[str]:
    """The walk-through in `folder` (with the repository's `.venv`), after the variables the
    README's earlier walk-throughs set; answers what it printed, line by line."""
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
        ["bash", "-c", f"{preamble}\n{_walkthrough()}"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    return ran.stdout.splitlines()


@pytest.fixture(scope="module")
def walked(platform: LocalPlatform, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """What the walk-through printed (run once: it makes inboxes and registers a kid)."""
    return _run(platform, tmp_path_factory.mktemp("walk"))


def test_readme_token_reads_and_sends_in_its_inbox_and_is_refused_elsewhere(
    walked: list[str],
) -> None:
    promised = re.findall(r"#\s+(\d{3})\b", _walkthrough())

    assert promised == ["200", "202", "404", "404", "403"]
    assert walked == [*promised, "{'required_scope': 'inboxes:read'}"]


def test_the_event_log_names_the_agent_that_sent(walked: list[str], client: httpx.Client) -> None:
    def agent_sent() -> bool:
        events = client.get("/events", params={"type": "message.sent"}).json()["data"]
        return any((e.get("actor") or {}).get("subject") == "agent-7" for e in events)

    assert poll(agent_sent, timeout=30)
