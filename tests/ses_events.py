"""SES events as the telemetry service receives them (`SesEvent`), for the unit and the
integration tests: one built by hand, and hypothesis's sets of events for one message, with
repeats, to play in any order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import astuple, dataclass, fields
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any
from uuid import UUID

from hypothesis import strategies as st

from mailman.adapters.memory.tables import RecipientTrack
from mailman.domain.delivery import BounceType, RecipientReport, SesEvent, SesEventType
from mailman.services.telemetry import Telemetry, TrackedEvent, record_event, record_events

from .unit.world import World, make_world

T0 = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
TRACK_COLUMNS = tuple(f.name for f in fields(RecipientTrack))
"""The delivery columns of `message_recipients` beside its status, in one order."""

State = tuple[str, tuple[tuple[object, ...], ...]]
"""A message's status, and for each of its recipients its status, reason and
`TRACK_COLUMNS`: what any order of the same events must end in."""


def ses_event(
    kind: SesEventType,
    addresses: tuple[str, ...] | list[str],
    *,
    message_pk: UUID | None,
    organization_id: UUID | None,
    at: datetime = T0,
    source: str | None = None,
    ses_id: str = "ses-1",
    **report: Any,
) -> SesEvent:
    """One event naming `addresses`, each with the same `report` fields; no tags when
    `message_pk` is None (an identity notification)."""
    return SesEvent(
        type=kind,
        ses_message_id=ses_id,
        occurred_at=at,
        source_event_id=source or f"{kind.value}-{at.isoformat()}",
        recipients=tuple(RecipientReport(a, **report) for a in addresses),
        message_pk=message_pk,
        organization_id=organization_id if message_pk else None,
        details={"kind": kind.value},
    )


@dataclass(frozen=True)
class Spec:
    """An event of a message, before the message exists: what `event` makes of it."""

    kind: SesEventType
    recipients: tuple[int, ...]
    """Positions in the message's recipient list."""
    minute: int
    source: str
    report: tuple[tuple[str, Any], ...] = ()

    def event(self, addresses: list[str], message_pk: UUID, organization_id: UUID) -> SesEvent:
        return ses_event(
            self.kind,
            [addresses[i] for i in self.recipients],
            message_pk=message_pk,
            organization_id=organization_id,
            at=T0 + timedelta(minutes=self.minute),
            source=self.source,
            ses_id=f"ses-{message_pk}",
            **dict(self.report),
        )


_REPORTS: dict[SesEventType, st.SearchStrategy[tuple[tuple[str, Any], ...]]] = {
    SesEventType.BOUNCE: st.tuples(
        st.tuples(st.just("bounce_type"), st.sampled_from(list(BounceType))),
        st.tuples(st.just("bounce_sub_type"), st.sampled_from(["General", "MailboxFull"])),
        st.tuples(st.just("smtp_status"), st.sampled_from(["5.1.1", "4.2.2"])),
        st.tuples(st.just("diagnostic_code"), st.sampled_from(["smtp; 550", "smtp; 452", None])),
    ),
    SesEventType.COMPLAINT: st.tuples(
        st.tuples(st.just("complaint_feedback_type"), st.sampled_from(["abuse", "not-spam", None]))
    ),
    SesEventType.DELIVERY_DELAY: st.tuples(
        st.tuples(st.just("delay_type"), st.sampled_from(["MailboxFull", "TransientFailure"])),
        st.tuples(
            st.just("delay_expires_at"),
            st.sampled_from([None, T0 + timedelta(days=1), T0 + timedelta(days=2)]),
        ),
    ),
}


@st.composite
def specs(draw: st.DrawFn, recipients: int) -> list[Spec]:
    """A message's events (up to ten, few distinct minutes so that ties happen, each with
    its own id), and some of them again, in the order they came."""
    count = draw(st.integers(1, 10))
    found = []
    for n in range(count):
        kind = draw(st.sampled_from(list(SesEventType)))
        named = draw(st.sets(st.integers(0, recipients - 1), min_size=1))
        report = draw(_REPORTS.get(kind, st.just(())))
        minute = draw(st.integers(0, 3))
        source = draw(st.sampled_from([f"e{n}", f"E{n}", f"{n}e"]))
        found.append(Spec(kind, tuple(sorted(named)), minute, source, report))
    repeats = draw(st.lists(st.sampled_from(found), max_size=4))
    return found + repeats


def handed_off(world: World, *to: str, **compose: Any) -> UUID:
    """A message the outbound function claimed and handed to SES, and never recorded."""
    sent = world.send(to=to, **compose)
    with world.uow(world.organization_id) as work:
        assert work.outbox.claim(sent.id, world.clock.now()) is not None
    return sent.id


def record(world: World, event: SesEvent) -> TrackedEvent:
    return record_event(Telemetry(world.uow, world.clock, "us-east-1"), event)


def batches(items: Sequence[Any], cuts: Sequence[int] | None) -> list[list[Any]]:
    """`items` split before each position in `cuts`; each alone when `cuts` is None."""
    if cuts is None:
        return [[item] for item in items]
    edges = [0, *sorted({c for c in cuts if 0 < c < len(items)}), len(items)]
    return [list(items[a:b]) for a, b in pairwise(edges)]


def memory_state(
    played: list[Spec], addresses: list[str], cuts: Sequence[int] | None = None
) -> State:
    """Where the events leave a message to `addresses`, in memory (the clock at T0), each
    recorded alone or, with `cuts`, in batches split there."""
    world = make_world()
    pk = handed_off(world, *addresses)
    events = [spec.event(addresses, pk, world.organization_id) for spec in played]
    for batch in batches(events, cuts):
        record_events(Telemetry(world.uow, world.clock, "us-east-1"), batch)
    row = world.row(pk)
    recipients = []
    for address in addresses:
        status, reason = row.recipient_states.get(address, (None, None))
        recipients.append((status, reason, *astuple(row.tracks.get(address, RecipientTrack()))))
    return str(row.message.status), tuple(recipients)
