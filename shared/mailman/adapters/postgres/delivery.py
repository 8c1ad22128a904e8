"""`PostgresDeliveryTracking`: SES events' history rows and the recipients' states they
decide, for a whole batch of events in a few statements.

`record` sends, before it reads any answer (one round trip in a pipelined unit of work):
every message of the batch with its status, its domain and its recipients' rows, their
bounces stored before, and every event's history rows in one INSERT ... ON CONFLICT DO
NOTHING RETURNING (a repeat inserts nothing; an event whose message SES does not have
under its id inserts nothing either). It then applies the new rows in the
batch's order with `mailman.domain.tracking.track_event` (the rule the in-memory store
applies) and writes the recipients it moved back in one UPDATE, which it does not wait for.
The messages are locked first (`lock`, in the order of their ids), so two batches naming
one message are recorded one after the other and each summarises the other's changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from operator import attrgetter
from typing import Any, LiteralString
from uuid import UUID

from psycopg.types.json import Jsonb

from mailman.adapters.postgres.database import Connection
from mailman.domain.delivery import RecipientStatus, SesEvent, SesEventType
from mailman.domain.models import DeliveryStatus
from mailman.domain.tracking import (
    EarlierBounce,
    MessageDelivery,
    RecipientChange,
    RecipientStanding,
    RecipientTrack,
    Recorded,
    TrackedMessage,
    earlier_bounce,
    history_details,
    track_event,
)

_TRACKED = tuple(f.name for f in fields(RecipientTrack))
"""`message_recipients`' delivery columns beside its status, in `RecipientTrack`'s order."""
_RECIPIENTS: LiteralString = (
    # Each message (its status, SES's id, where it lives, its domain's pause and last
    # resume) with each of its recipients' rows.
    "SELECT m.id AS pk, m.status AS message_status, m.ses_message_id, m.inbox_id, "
    "  m.sent_at AS message_sent_at, "
    "  m.thread_id, i.domain_id, d.name AS domain_name, "
    "  d.sending_paused_at IS NOT NULL AS domain_paused, "
    "  d.sending_resumed_at AS domain_resumed_at, "
    "  r.id, r.message_id, lower(r.address) AS address, r.status, r.status_at, "
    "  r.status_event_id, r.sent_at, r.delivered_at, r.bounced_at, r.complained_at, "
    "  r.rejected_at, r.failed_at, r.delayed_at, r.delay_type, r.delay_expires_at, "
    "  r.bounce_type, r.bounce_sub_type, r.smtp_status, r.diagnostic_code, "
    "  r.complaint_feedback_type "
    "FROM messages m JOIN inboxes i ON i.id = m.inbox_id JOIN domains d ON d.id = i.domain_id "
    "LEFT JOIN message_recipients r ON r.message_id = m.id "
    "WHERE m.id = ANY(%b) ORDER BY m.id, r.position, r.id"
)
_BOUNCES: LiteralString = (
    "SELECT message_id, recipient, occurred_at, source_event_id, "
    "  details->>'bounce_type' AS bounce_type "
    "FROM delivery_events WHERE message_id = ANY(%b) AND event_type = 'bounce'"
)
_INSERT: LiteralString = (
    "INSERT INTO delivery_events (organization_id, message_id, recipient, event_type, "
    "  source_event_id, occurred_at, details, ses_message_id) "
    "SELECT %s, e.* FROM unnest(%b::uuid[], %b::text[], %b::text[], %b::text[], "
    "  %b::timestamptz[], %b::jsonb[], %b::text[]) "
    "  AS e(pk, recipient, kind, source, at, details, ses) "
    # Only for a message SES has under the event's id.
    "JOIN messages m ON m.id = e.pk AND m.ses_message_id = e.ses AND m.id = ANY(%b) "
    "ON CONFLICT (message_id, source_event_id, event_type, recipient) DO NOTHING "
    "RETURNING message_id, source_event_id, event_type, recipient"
)
_UPDATE: LiteralString = (
    "UPDATE message_recipients r SET status = u.status, status_at = u.status_at, "
    "  status_event_id = u.status_event_id, sent_at = u.sent_at, "
    "  delivered_at = u.delivered_at, bounced_at = u.bounced_at, "
    "  complained_at = u.complained_at, rejected_at = u.rejected_at, "
    "  failed_at = u.failed_at, delayed_at = u.delayed_at, delay_type = u.delay_type, "
    "  delay_expires_at = u.delay_expires_at, bounce_type = u.bounce_type, "
    "  bounce_sub_type = u.bounce_sub_type, smtp_status = u.smtp_status, "
    "  diagnostic_code = u.diagnostic_code, complaint_feedback_type = u.complaint_feedback_type "
    "FROM unnest(%b::uuid[], %b::text[], %b::timestamptz[], %b::text[], %b::timestamptz[], "
    "  %b::timestamptz[], %b::timestamptz[], %b::timestamptz[], %b::timestamptz[], "
    "  %b::timestamptz[], %b::timestamptz[], %b::text[], %b::timestamptz[], %b::text[], "
    "  %b::text[], %b::text[], %b::text[], %b::text[]) "
    "  AS u(id, status, status_at, status_event_id, sent_at, delivered_at, bounced_at, "
    "  complained_at, rejected_at, failed_at, delayed_at, delay_type, delay_expires_at, "
    "  bounce_type, bounce_sub_type, smtp_status, diagnostic_code, complaint_feedback_type) "
    "WHERE r.id = u.id AND r.id = ANY(%b)"
)

_LOCK_ADDRESSES: LiteralString = (
    # The (volatile) lock is taken after the sort: in the keys' order.
    "SELECT pg_advisory_xact_lock(k) FROM ("
    "  SELECT DISTINCT hashtextextended(%s || ':' || a, 0) AS k FROM unnest(%b::text[]) AS a"
    ") AS s ORDER BY k"
)
"""An organisation's address is locked while its soft-bounce streak is read and written."""

_Key = tuple[UUID, str, str, str]
"""A history row's key: message, event id, kind, address."""


@dataclass
class _Row:
    """One `message_recipients` row as the batch moves it."""

    id: UUID
    standing: RecipientStanding
    read: tuple[object, ...]
    """Its status and delivery columns as read, to write back only what moved."""

    @property
    def now(self) -> tuple[object, ...]:
        return (self.standing.status, *_columns(self.standing.track))


_columns = attrgetter(*_TRACKED)
"""A track's columns in `_TRACKED`'s order (not `astuple`, which copies each deeply)."""


def _row(r: Mapping[str, Any]) -> _Row:
    status = RecipientStatus(r["status"]) if r["status"] else None
    track = RecipientTrack(**{name: r[name] for name in _TRACKED})
    standing = RecipientStanding(status, track)
    return _Row(r["id"], standing, (status, *_columns(track)))


class _Batch:
    """What `record` read of the batch's messages, moved event by event."""

    def __init__(
        self, recipients: Iterable[Mapping[str, Any]], bounces: Iterable[Mapping[str, Any]]
    ) -> None:
        self.rows: dict[tuple[UUID, str], list[_Row]] = {}
        self.messages: dict[UUID, Mapping[str, Any]] = {}
        for r in recipients:
            self.messages.setdefault(r["pk"], r)
            if r["id"] is not None:
                self.rows.setdefault((r["message_id"], r["address"]), []).append(_row(r))
        self.bounces: dict[tuple[UUID, str], list[EarlierBounce]] = {}
        for b in bounces:
            found = earlier_bounce(b["occurred_at"], b["source_event_id"], b["bounce_type"])
            self.bounces.setdefault((b["message_id"], b["recipient"]), []).append(found)

    def apply(self, pk: UUID, event: SesEvent, fresh: set[_Key]) -> Recorded | None:
        message = self.messages.get(pk)
        if message is None or message["ses_message_id"] != event.ses_message_id:
            return None
        changes = []
        for report in event.recipients:
            key = (pk, event.source_event_id, event.type.value, report.address)
            if key not in fresh:
                continue
            fresh.discard(key)  # named again later in the batch: a repeat
            found = [
                (row, row.standing.status)
                for row in self.rows.get((pk, report.address), [])
                if row.standing.status is not RecipientStatus.SUPPRESSED
            ]
            bounces = self.bounces.setdefault((pk, report.address), [])
            first = [track_event(row.standing, event, report, bounces) for row, _ in found]
            if event.type is SesEventType.BOUNCE:
                bounces.append(
                    earlier_bounce(
                        event.occurred_at,
                        event.source_event_id,
                        None if report.bounce_type is None else str(report.bounce_type),
                    )
                )
            changes.append(_change(report.address, found, first))
        return Recorded(tuple(changes), self._delivery(pk))

    def _delivery(self, pk: UUID) -> MessageDelivery:
        m = self.messages[pk]
        return MessageDelivery(
            status=DeliveryStatus(m["message_status"]),
            inbox_id=m["inbox_id"],
            domain_id=m["domain_id"],
            domain_name=m["domain_name"],
            thread_id=m["thread_id"],
            domain_paused=m["domain_paused"],
            domain_resumed_at=m["domain_resumed_at"],
            sent_at=m["message_sent_at"],
            recipients={
                address: rows[0].standing.status
                for (message, address), rows in self.rows.items()
                if message == pk
            },
        )

    def moved(self) -> list[_Row]:
        return [row for rows in self.rows.values() for row in rows if row.now != row.read]


def _change(
    address: str, found: Sequence[tuple[_Row, RecipientStatus | None]], first: list[bool]
) -> RecipientChange:
    """One answer per address (a recipient named in To and Cc has two rows, moved alike)."""
    if not found:
        return RecipientChange(address, listed=False)
    row, before = found[0]
    return RecipientChange(
        address, listed=True, before=before, after=row.standing.status, first=any(first)
    )


def _history(
    organization_id: UUID, events: Sequence[tuple[UUID, SesEvent]], pks: list[UUID]
) -> list[Any]:
    rows = [(pk, e, r) for pk, e in events for r in e.recipients]
    return [
        organization_id,
        [pk for pk, _, _ in rows],
        [r.address for _, _, r in rows],
        [e.type.value for _, e, _ in rows],
        [e.source_event_id for _, e, _ in rows],
        [e.occurred_at for _, e, _ in rows],
        [Jsonb(history_details(e, r)) for _, e, r in rows],
        [e.ses_message_id for _, e, _ in rows],
        pks,
    ]


class PostgresDeliveryTracking:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def locate(self, ses_message_ids: Sequence[str]) -> dict[str, TrackedMessage]:
        rows = self._conn.execute(
            "SELECT organization_id, id, ses_message_id FROM messages "
            "WHERE ses_message_id = ANY(%b)",
            [list(ses_message_ids)],
        ).fetchall()
        return {r["ses_message_id"]: TrackedMessage(r["organization_id"], r["id"]) for r in rows}

    def lock(self, message_pks: Sequence[UUID]) -> None:
        self._conn.execute(
            "SELECT FROM messages WHERE id = ANY(%b) ORDER BY id FOR UPDATE",
            [sorted(message_pks)],
        )

    def record(
        self, organization_id: UUID, events: Sequence[tuple[UUID, SesEvent]]
    ) -> list[Recorded | None]:
        if not events:
            return []
        pks = sorted({pk for pk, _ in events})
        # Every statement is sent before any answer is read (after the hand-offs: the
        # messages are read as they confirmed them); the bounces are read before the
        # batch's own rows are inserted.
        recipients = self._conn.execute(_RECIPIENTS, [pks])
        bounced = any(e.type is SesEventType.BOUNCE for _, e in events)
        bounces = self._conn.execute(_BOUNCES, [pks]) if bounced else None
        inserted = self._conn.execute(_INSERT, _history(organization_id, events, pks))
        fresh: set[_Key] = {
            (r["message_id"], r["source_event_id"], r["event_type"], r["recipient"])
            for r in inserted.fetchall()
        }
        batch = _Batch(recipients.fetchall(), bounces.fetchall() if bounces else [])
        recorded = [batch.apply(pk, event, fresh) for pk, event in events]
        self._write(batch.moved())
        return recorded

    def _write(self, moved: Sequence[_Row]) -> None:
        if not moved:
            return
        columns = list(zip(*(row.now for row in moved), strict=True))
        status = [None if s is None else str(s) for s in columns[0]]
        ids = [row.id for row in moved]
        self._conn.execute(_UPDATE, [ids, status, *map(list, columns[1:]), ids])

    def soft_bounces(
        self, organization_id: UUID, addresses: Sequence[str], since: datetime, until: datetime
    ) -> dict[str, list[tuple[UUID, datetime]]]:
        # Each address's lock, in one order, held to COMMIT: of two batches soft-bouncing
        # one address, the second reads the streak once the first committed its bounce.
        self._conn.execute(_LOCK_ADDRESSES, [str(organization_id), sorted(set(addresses))])
        rows = self._conn.execute(
            "SELECT recipient, message_id, occurred_at FROM delivery_events e "
            "WHERE organization_id = %s AND recipient = ANY(%b) "
            "AND occurred_at BETWEEN %s AND %s AND event_type = 'bounce' "
            "AND details->>'bounce_type' IS DISTINCT FROM 'Permanent' "
            # Not a message delivered to the address: an automatic reply (out of office).
            "AND NOT EXISTS (SELECT FROM delivery_events d WHERE d.message_id = e.message_id "
            "  AND d.recipient = e.recipient AND d.event_type = 'delivery')",
            [organization_id, list(addresses), since, until],
        ).fetchall()
        found: dict[str, list[tuple[UUID, datetime]]] = {}
        for r in rows:
            found.setdefault(r["recipient"], []).append((r["message_id"], r["occurred_at"]))
        return found

    def settle(self, statuses: Mapping[UUID, DeliveryStatus]) -> None:
        if not statuses:
            return
        self._conn.execute(
            "UPDATE messages m SET status = s.status, updated_at = now() "
            "FROM unnest(%b::uuid[], %b::text[]) AS s(id, status) "
            "WHERE m.id = s.id AND m.id = ANY(%b)",
            [list(statuses), [s.value for s in statuses.values()], list(statuses)],
        )
