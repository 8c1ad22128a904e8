"""The README's "The mailbox" walk-through, run as written against the local platform: a
draft starred, labelled and found by search (without its accent), trashed, restored and
erased, the erasure in the event log."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from mailman_client import AuthenticatedClient
from mailman_client.api.events import events_list
from mailman_client.models import ActorOut, EventsOut

from tests.e2e.conftest import LocalPlatform, ok, running_platform
from tests.e2e.readme import promised, run, walkthrough

pytestmark = pytest.mark.e2e

SECTION = "## The mailbox"


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPlatform]:
    with running_platform(tmp_path_factory, "mailbox", {"MAILMAN_QUICKSTART": "1"}) as running:
        yield running


@pytest.fixture(scope="module")
def walked(platform: LocalPlatform, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    return run(platform, tmp_path_factory.mktemp("walk"), walkthrough(SECTION))


def test_readme_mailbox_stars_labels_finds_trashes_restores_and_erases(
    walked: list[str],
) -> None:
    codes = promised(walkthrough(SECTION))

    assert codes == ["204", "409", "204", "204", "404"]
    assert walked == [
        "['drafts', 'starred']",
        "Quarterly figures",
        "1",
        "204",
        "drafts",
        *codes[1:],
    ]


def test_the_erasure_is_in_the_event_log(walked: list[str], api: AuthenticatedClient) -> None:
    erased = ok(EventsOut, events_list.sync(client=api, type_=["message.erased"])).data

    assert len(erased) == 1
    assert set(erased[0].data.additional_properties) >= {"message_id", "inbox_id"}
    assert isinstance(erased[0].actor, ActorOut)
