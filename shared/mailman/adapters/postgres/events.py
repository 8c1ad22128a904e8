"""`PostgresEventLog`: each organisation's log of events, read in an order that holds."""

from __future__ import annotations

from collections.abc import Sequence

from psycopg.types.json import Jsonb

from mailman.adapters.postgres.database import Connection
from mailman.domain.errors import ValidationError
from mailman.domain.events import Event, NewEvent


class PostgresEventLog:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def append(self, event: NewEvent) -> None:
        self._conn.execute(
            "INSERT INTO events (organization_id, type, subject_id, dedup_key, payload, actor) "
            "VALUES (%s, %s, %s, %s, %s, COALESCE(current_actor(), %s)) "
            "ON CONFLICT (organization_id, dedup_key) DO NOTHING",
            [
                event.organization_id,
                event.type,
                event.subject_id,
                event.dedup_key,
                Jsonb(event.payload),
                None if event.actor is None else Jsonb(event.actor),
            ],
        )

    def append_many(self, events: Sequence[NewEvent]) -> None:
        if not events:
            return
        self._conn.execute(
            "INSERT INTO events (organization_id, type, subject_id, dedup_key, payload, actor) "
            "SELECT organization_id, type, subject_id, dedup_key, payload, "
            "  COALESCE(current_actor(), actor) "
            "FROM unnest(%b::uuid[], %b::text[], %b::uuid[], %b::text[], %b::jsonb[], "
            "  %b::jsonb[]) "
            "  WITH ORDINALITY AS e(organization_id, type, subject_id, dedup_key, payload, "
            "    actor, n) "
            "ORDER BY n ON CONFLICT (organization_id, dedup_key) DO NOTHING",
            [
                [e.organization_id for e in events],
                [e.type for e in events],
                [e.subject_id for e in events],
                [e.dedup_key for e in events],
                [Jsonb(e.payload) for e in events],
                [None if e.actor is None else Jsonb(e.actor) for e in events],
            ],
        )

    def read(self, after: int, limit: int, types: Sequence[str] = ()) -> Sequence[Event]:
        """In (xid, seq) order, and only the events of transactions older than any still
        running: those are final, and every event yet to appear will follow them (migration
        0010). A long writing transaction anywhere on the server delays readers; it cannot
        make them skip an event."""
        xid = "0"
        if after:
            position = self._conn.execute(
                "SELECT xid::text FROM events WHERE seq = %s", [after]
            ).fetchone()
            if position is None:  # not the organisation's (row-level security) or no event
                raise ValidationError("after is not a cursor this API issued", field="after")
            xid = position["xid"]
        rows = self._conn.execute(
            "SELECT seq, id, type, subject_id, payload, created_at, actor FROM events "
            "WHERE xid < pg_snapshot_xmin(pg_current_snapshot()) "
            "AND (xid, seq) > (%s::xid8, %s) "
            "AND (cardinality(%s::text[]) = 0 OR type = ANY(%s)) "
            "ORDER BY xid, seq LIMIT %s",
            [xid, after, list(types), list(types), limit],
        ).fetchall()
        return [Event.model_validate(row) for row in rows]

    def latest(self, limit: int) -> Sequence[Event]:
        """Backwards off the (organization_id, xid, seq) index of migration 0010, stopping
        after `limit` rows however long the log is (a caller bound to inboxes: after `limit`
        of theirs). Only the events `read` shows, so a cursor on the last one passes none
        still to appear."""
        rows = self._conn.execute(
            "SELECT seq, id, type, subject_id, payload, created_at, actor FROM events "
            "WHERE xid < pg_snapshot_xmin(pg_current_snapshot()) "
            "ORDER BY xid DESC, seq DESC LIMIT %s",
            [limit],
        ).fetchall()
        return [Event.model_validate(row) for row in reversed(rows)]
