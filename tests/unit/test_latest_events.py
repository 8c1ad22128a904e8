"""The log's last events and the cursor after them: where `mailman tail` and the console's
event page start from."""

from __future__ import annotations

from uuid import UUID

import pytest

from mailman.domain.errors import ValidationError
from mailman.domain.events import NewEvent
from mailman.services import events

from .world import World


def _append(world: World, organization_id: UUID, numbers: range) -> None:
    with world.uow(organization_id) as work:
        for n in numbers:
            work.events.append(
                NewEvent(
                    organization_id,
                    type="domain.verified",
                    subject_id=None,
                    dedup_key=f"verified:{n}",
                    payload={"n": n},
                )
            )


def _numbers(page: events.EventPage) -> list[int]:
    return [e.payload["n"] for e in page.events]


def test_an_empty_log_has_no_events_and_its_cursor_reads_from_the_start(world: World) -> None:
    org = world.add_organization()

    latest = events.latest_events(world.uow, org, 10)
    _append(world, org, range(2))
    read_on = events.read_events(world.uow, org, after=latest.cursor, limit=10)

    assert latest.events == []
    assert _numbers(read_on) == [0, 1]


def test_a_log_shorter_than_the_limit_is_given_whole_in_order(world: World) -> None:
    org = world.add_organization()
    _append(world, org, range(3))

    latest = events.latest_events(world.uow, org, 10)

    assert _numbers(latest) == [0, 1, 2]
    assert latest.cursor == latest.events[-1].cursor


def test_a_longer_log_gives_its_last_events_oldest_first_and_reads_on_after_them(
    world: World,
) -> None:
    org = world.add_organization()
    _append(world, org, range(250))

    latest = events.latest_events(world.uow, org, 100)
    nothing_new = events.read_events(world.uow, org, after=latest.cursor, limit=100)
    _append(world, org, range(250, 252))
    later = events.read_events(world.uow, org, after=latest.cursor, limit=100)

    assert _numbers(latest) == list(range(150, 250))
    assert latest.cursor == latest.events[-1].cursor
    assert nothing_new.events == []
    assert _numbers(later) == [250, 251]


def test_another_organisations_events_are_not_among_the_latest(world: World) -> None:
    ours = world.add_organization("Initech")
    theirs = world.add_organization("Globex")
    _append(world, ours, range(2))
    _append(world, theirs, range(100, 105))

    latest = events.latest_events(world.uow, ours, 3)

    assert _numbers(latest) == [0, 1]
    assert _numbers(events.latest_events(world.uow, theirs, 3)) == [102, 103, 104]


@pytest.mark.parametrize("limit", [0, 101])
def test_a_limit_outside_a_pages_size_is_refused(world: World, limit: int) -> None:
    with pytest.raises(ValidationError) as refused:
        events.latest_events(world.uow, world.organization_id, limit)

    assert refused.value.field == "limit"
