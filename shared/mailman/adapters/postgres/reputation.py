"""`PostgresDeliveryCountRepository` and `PostgresSendingBrake`: the hourly counts of
`delivery_counts`, and the pause columns of `domains`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import LiteralString
from uuid import UUID

from psycopg.types.json import Jsonb

from mailman.adapters.postgres.database import Connection
from mailman.domain.reputation import KINDS, BrakeFigures, DeliveryCounts, HourlyCounts

_SUMS: LiteralString = (
    "coalesce(sum(c.sent), 0) AS sent, coalesce(sum(c.delivered), 0) AS delivered, "
    "coalesce(sum(c.hard_bounced), 0) AS hard_bounced, "
    "coalesce(sum(c.soft_bounced), 0) AS soft_bounced, "
    "coalesce(sum(c.complained), 0) AS complained, coalesce(sum(c.rejected), 0) AS rejected, "
    "coalesce(sum(c.delayed), 0) AS delayed"
)


def _windows(owner: LiteralString) -> LiteralString:
    """One row of sums per window start, in their order, over the hours of `owner` (the
    column naming the domain or the inbox) from the start to `until`."""
    return (
        f"SELECT {_SUMS} FROM unnest(%(since)s::timestamptz[]) WITH ORDINALITY AS w(since, n) "
        f"LEFT JOIN delivery_counts c ON c.{owner} = %(owner)s "
        "  AND c.hour >= w.since AND c.hour <= %(until)s "
        "GROUP BY w.n ORDER BY w.n"
    )


_DOMAIN_WINDOWS = _windows("domain_id")
_INBOX_WINDOWS = _windows("inbox_id")


class PostgresDeliveryCountRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, entries: Sequence[HourlyCounts]) -> None:
        # One statement for them all, the entries of one inbox and hour summed first (an
        # upsert may not touch a row twice).
        if not entries:
            return
        self._conn.execute(
            "INSERT INTO delivery_counts (organization_id, domain_id, inbox_id, hour, sent, "
            "  delivered, hard_bounced, soft_bounced, complained, rejected, delayed) "
            "SELECT organization_id, domain_id, inbox_id, hour, sum(sent), sum(delivered), "
            "  sum(hard_bounced), sum(soft_bounced), sum(complained), sum(rejected), "
            "  sum(delayed) "
            "FROM unnest(%b::uuid[], %b::uuid[], %b::uuid[], %b::timestamptz[], %b::int[], "
            "  %b::int[], %b::int[], %b::int[], %b::int[], %b::int[], %b::int[]) "
            "  AS e(organization_id, domain_id, inbox_id, hour, sent, delivered, hard_bounced, "
            "  soft_bounced, complained, rejected, delayed) "
            "GROUP BY organization_id, domain_id, inbox_id, hour "
            # Rows upserted in the order of their key: two writers never wait in a circle.
            "ORDER BY inbox_id, hour "
            "ON CONFLICT (inbox_id, hour) DO UPDATE SET "
            "  sent = delivery_counts.sent + EXCLUDED.sent, "
            "  delivered = delivery_counts.delivered + EXCLUDED.delivered, "
            "  hard_bounced = delivery_counts.hard_bounced + EXCLUDED.hard_bounced, "
            "  soft_bounced = delivery_counts.soft_bounced + EXCLUDED.soft_bounced, "
            "  complained = delivery_counts.complained + EXCLUDED.complained, "
            "  rejected = delivery_counts.rejected + EXCLUDED.rejected, "
            "  delayed = delivery_counts.delayed + EXCLUDED.delayed",
            [
                [e.organization_id for e in entries],
                [e.domain_id for e in entries],
                [e.inbox_id for e in entries],
                [e.hour for e in entries],
                *([getattr(e.counts, kind) for e in entries] for kind in KINDS),
            ],
        )

    def for_domain(
        self, domain_id: UUID, since: Sequence[datetime], until: datetime
    ) -> list[DeliveryCounts]:
        return self._read(_DOMAIN_WINDOWS, domain_id, since, until)

    def for_inbox(
        self, inbox_id: UUID, since: Sequence[datetime], until: datetime
    ) -> list[DeliveryCounts]:
        return self._read(_INBOX_WINDOWS, inbox_id, since, until)

    def _read(
        self, query: LiteralString, owner: UUID, since: Sequence[datetime], until: datetime
    ) -> list[DeliveryCounts]:
        rows = self._conn.execute(
            query, {"owner": owner, "since": list(since), "until": until}
        ).fetchall()
        return [DeliveryCounts(**{kind: int(row[kind]) for kind in KINDS}) for row in rows]


class PostgresSendingBrake:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def pause(self, domain_id: UUID, at: datetime, reason: str, figures: BrakeFigures) -> bool:
        # Only an unpaused domain: of two reviews racing, the second waits for the first's
        # row lock, then finds it paused.
        row = self._conn.execute(
            "UPDATE domains SET sending_paused_at = %(at)s, sending_paused_reason = %(reason)s, "
            "  sending_paused_figures = %(figures)s, updated_at = now() "
            "WHERE id = %(id)s AND deleted_at IS NULL AND sending_paused_at IS NULL "
            "RETURNING id",
            {
                "id": domain_id,
                "at": at,
                "reason": reason,
                "figures": Jsonb(figures.model_dump(mode="json")),
            },
        ).fetchone()
        return row is not None

    def resume(self, domain_id: UUID, at: datetime) -> bool:
        row = self._conn.execute(
            "WITH resumed AS ("
            "  UPDATE domains SET sending_paused_at = NULL, sending_paused_reason = NULL, "
            "    sending_paused_figures = NULL, sending_resumed_at = %(at)s, updated_at = now() "
            "  WHERE id = %(id)s AND deleted_at IS NULL AND sending_paused_at IS NOT NULL "
            "  RETURNING id), "
            # Held mail was handed back marked queued: unmarked, the dispatcher queues it
            # within the minute instead of a quarter of an hour later.
            "released AS ("
            "  UPDATE messages SET queued_at = NULL "
            "  WHERE status = 'pending' AND direction = 'outbound' AND deleted_at IS NULL "
            "  AND queued_at IS NOT NULL AND inbox_id IN ("
            "    SELECT i.id FROM inboxes i JOIN resumed r ON i.domain_id = r.id)) "
            "SELECT count(*) AS n FROM resumed",
            {"id": domain_id, "at": at},
        ).fetchone()
        assert row is not None
        return bool(row["n"])
