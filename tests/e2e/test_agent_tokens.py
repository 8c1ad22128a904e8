"""The README's "Tokens for agents" walk-through, run as written against the local platform:
a customer's key registered, a token minted with plain PyJWT for one inbox with
`messages:read messages:send`, which reads and sends there and is refused elsewhere."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from mailman_client import AuthenticatedClient
from mailman_client.api.events import events_list
from mailman_client.models import ActorOut, EventsOut

from tests.e2e.conftest import LocalPlatform, ok, poll, running_platform
from tests.e2e.readme import promised, run, walkthrough

pytestmark = pytest.mark.e2e

SECTION = "## Tokens for agents"


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPlatform]:
    with running_platform(tmp_path_factory, "tokens", {"MAILMAN_QUICKSTART": "1"}) as running:
        yield running


@pytest.fixture(scope="module")
def walked(platform: LocalPlatform, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """What the walk-through printed (run once: it makes inboxes and registers a kid)."""
    return run(platform, tmp_path_factory.mktemp("walk"), walkthrough(SECTION))


def test_readme_token_reads_and_sends_in_its_inbox_and_is_refused_elsewhere(
    walked: list[str],
) -> None:
    codes = promised(walkthrough(SECTION))

    assert codes == ["200", "202", "404", "404", "403"]
    assert walked == [*codes, "{'required_scope': 'inboxes:read'}"]


def test_the_event_log_names_the_agent_that_sent(
    walked: list[str], api: AuthenticatedClient
) -> None:
    def agent_sent() -> bool:
        events = ok(EventsOut, events_list.sync(client=api, type_=["message.sent"])).data
        return any(isinstance(e.actor, ActorOut) and e.actor.subject == "agent-7" for e in events)

    assert poll(agent_sent, timeout=30)
