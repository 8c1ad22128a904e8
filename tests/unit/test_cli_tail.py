"""`mailman tail`: one line per event, and the log followed from where it ends, from its
start, or from a time."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from uuid import UUID

from local.tail import Read, event_line, follow
from mailman.domain.events import Event
from mailman.domain.pagination import MAX_LIMIT
from mailman.services import events

from ..mail import make_mail
from .world import World

MESSAGE = "5b0f3f1e-8a38-4c55-9d43-1f0b2f6a7c10"
INBOX = "0d3c2b8e-1e4f-4c3a-8f5e-6b7a9c1d2e3f"


def _reader(world: World) -> Read:
    def read(after: str | None) -> events.EventPage:
        return events.read_events(world.uow, world.organization_id, after=after, limit=MAX_LIMIT)

    return read


def _now(world: World) -> str:
    """Where `mailman tail` starts when given neither --from-start nor --since."""
    return events.latest_events(world.uow, world.organization_id, 1).cursor


def _arrives(world: World, n: int) -> None:
    world.receive(
        make_mail(message_id=f"<m{n}@elsewhere.example>", subject=f"Mail {n}"),
        source_id=f"ses-{n}",
    )


def _followed(world: World, read: Read, *, after: str | None, **since: datetime) -> list[str]:
    """What `follow` prints, stopped once it has looked and found nothing new."""
    lines: list[str] = []
    until = threading.Event()

    def looking(cursor: str | None) -> events.EventPage:
        page = read(cursor)
        if not page.events:
            until.set()
        return page

    follow(looking, lines.append, until, after=after, interval=0, **since)
    return lines


def test_an_event_is_one_line_of_when_what_which_and_a_short_detail() -> None:
    event = Event(
        seq=7,
        id=UUID("9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"),
        type="message.received",
        subject_id=UUID(MESSAGE),
        payload={
            "message_id": MESSAGE,
            "inbox_id": INBOX,
            "thread_id": None,
            "from": "jane@customer.example",
            "subject": "Order 1234 " + "x" * 80,
            "preview": "Hello",
        },
        created_at=datetime(2026, 11, 21, 13, 0, 5, tzinfo=UTC) + timedelta(hours=-1),
    )

    line = event_line(event)

    assert line == (
        f"2026-11-21 12:00:05  message.received  inbox {INBOX} message {MESSAGE}  "
        f'from=jane@customer.example subject="Order 1234 {"x" * 48}…"'
    )


def test_a_domain_event_names_its_domain_and_reason() -> None:
    event = Event(
        seq=1,
        id=UUID(MESSAGE),
        type="domain.verification_failed",
        subject_id=None,
        payload={"domain_id": INBOX, "domain": "acme.example", "reason": "expired"},
        created_at=datetime(2026, 11, 21, 12, 0, tzinfo=UTC),
    )

    assert event_line(event) == (
        "2026-11-21 12:00:00  domain.verification_failed  domain=acme.example reason=expired"
    )


def test_following_from_the_end_prints_only_what_is_appended_after(world: World) -> None:
    read = _reader(world)
    _arrives(world, 1)
    start = _now(world)
    _arrives(world, 2)

    lines = _followed(world, read, after=start)

    assert len(lines) == 1
    assert "message.received" in lines[0]
    assert 'subject="Mail 2"' in lines[0]


def test_following_keeps_looking_until_something_is_appended(world: World) -> None:
    read = _reader(world)
    start = _now(world)
    looks = 0
    lines: list[str] = []
    until = threading.Event()

    def looking(cursor: str | None) -> events.EventPage:
        nonlocal looks
        looks += 1
        if looks == 3:
            _arrives(world, 1)
        return read(cursor)

    def emit(line: str) -> None:
        lines.append(line)
        until.set()

    follow(looking, emit, until, after=start, interval=0)

    assert looks == 3
    assert len(lines) == 1
    assert 'subject="Mail 1"' in lines[0]


def test_following_from_the_start_or_since_a_time(world: World) -> None:
    read = _reader(world)
    _arrives(world, 1)
    later = world.clock.advance(timedelta(minutes=5))
    _arrives(world, 2)

    everything = _followed(world, read, after=None)
    since = _followed(world, read, after=None, since=later)

    assert ['subject="Mail 1"' in line for line in everything] == [True, False]
    assert len(since) == 1
    assert 'subject="Mail 2"' in since[0]
