"""Reading the organisation's event log."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from mailman.domain.errors import ValidationError
from mailman.domain.event_catalogue import EVENT_TYPES, unknown_types
from mailman.domain.events import Event, decode_cursor, encode_cursor
from mailman.domain.pagination import checked_limit
from mailman.ports import UnitOfWorkFactory


@dataclass(frozen=True)
class EventPage:
    events: Sequence[Event]
    cursor: str
    """Where to read on from next time: the last event's cursor, or the one given."""


def read_events(
    uow: UnitOfWorkFactory,
    organization_id: UUID,
    *,
    after: str | None,
    limit: int | None,
    types: Sequence[str] = (),
) -> EventPage:
    chosen = checked_limit(limit)
    _check_types(types)
    position = decode_cursor(after) if after else 0
    with uow(organization_id) as work:
        events = work.events.read(position, chosen, types)
    return EventPage(events, events[-1].cursor if events else encode_cursor(position))


def latest_events(uow: UnitOfWorkFactory, organization_id: UUID, limit: int) -> EventPage:
    """The log's last `limit` events, oldest first, and the cursor after the newest (the log's
    start when it has none): where to follow it from now, in one short read however long
    the log is."""
    chosen = checked_limit(limit)
    with uow(organization_id) as work:
        events = work.events.latest(chosen)
    return EventPage(events, events[-1].cursor if events else encode_cursor(0))


def _check_types(types: Sequence[str]) -> None:
    """A filter by a type that does not exist would match nothing and look like an empty
    log: refuse it, naming the types there are."""
    unknown = unknown_types(types)
    if unknown:
        error = ValidationError(
            f"unknown event type: {', '.join(unknown)}; the types are: "
            f"{', '.join(sorted(EVENT_TYPES))}",
            field="type",
        )
        error.details = {"unknown": unknown, "valid": sorted(EVENT_TYPES)}
        raise error
