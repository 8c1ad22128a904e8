"""`PostgresDeliveryTracking`: SES events' history rows and the recipients' states they
decide, in one statement per event.

`record` inserts the event's rows (a repeat inserts nothing: ON CONFLICT DO NOTHING) and
moves only the recipients whose row is new, comparing the event with the one that decided
each recipient's state as `mailman.domain.delivery.Decider` does: rank, then time, then
event id (compared byte-wise, COLLATE "C", as Python compares strings). The message row is
locked first (`lock`), so two events of one message are recorded one after the other and
each summarises the other's changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from psycopg import sql
from psycopg.types.json import Jsonb

from mailman.adapters.postgres.database import Connection
from mailman.domain.delivery import (
    OUTCOME,
    BounceType,
    RecipientStatus,
    SesEvent,
    SesEventType,
    decider,
)
from mailman.domain.models import DeliveryStatus
from mailman.domain.tracking import (
    MessageDelivery,
    RecipientChange,
    Recorded,
    TrackedMessage,
    history_details,
)

_RANKS = Jsonb({s.value: s.rank for s in RecipientStatus})
_OUTCOME_TIME = {
    RecipientStatus.SENT: "sent_at",
    RecipientStatus.DELIVERED: "delivered_at",
    RecipientStatus.BOUNCED: "bounced_at",
    RecipientStatus.COMPLAINED: "complained_at",
    RecipientStatus.REJECTED: "rejected_at",
    RecipientStatus.FAILED: "failed_at",
}
"""The column that keeps each outcome's first time."""
_NEVER = datetime.min.replace(tzinfo=UTC)


def _bounce_rank(bounce_type: BounceType) -> int:
    return decider(RecipientStatus.BOUNCED, _NEVER, "", bounce_type=bounce_type).rank


_HARD, _SOFT = _bounce_rank(BounceType.PERMANENT), _bounce_rank(BounceType.TRANSIENT)

_RECORD = sql.SQL(
    "WITH input AS ("
    "  SELECT * FROM unnest(%(addresses)s::text[], %(ranks)s::int[], %(bounce_types)s::text[], "
    "    %(bounce_sub_types)s::text[], %(smtp_statuses)s::text[], %(diagnostic_codes)s::text[], "
    "    %(feedback_types)s::text[], %(delay_types)s::text[], %(delay_expires)s::timestamptz[], "
    "    %(details)s::jsonb[]) AS i(address, rank, bounce_type, bounce_sub_type, smtp_status, "
    "    diagnostic_code, feedback_type, delay_type, delay_expires_at, details)), "
    "inserted AS ("
    "  INSERT INTO delivery_events (organization_id, message_id, recipient, event_type, "
    "    source_event_id, occurred_at, details, ses_message_id) "
    "  SELECT %(org)s, %(pk)s, address, %(type)s, %(source)s, %(at)s, details, %(ses)s "
    "  FROM input "
    "  ON CONFLICT (message_id, source_event_id, event_type, recipient) DO NOTHING "
    "  RETURNING recipient), "
    "fresh AS (SELECT i.* FROM input i JOIN inserted n ON n.recipient = i.address), "
    # What each new row finds: whether its event decides the state (no event decided it
    # yet, or the event outweighs the one that did: rank, then time, then id, a soft bounce
    # weighing less than a hard one), whether its outcome (or delay) is new to the recipient,
    # whether its bounce weighs most of the recipient's bounces, whether its delay is the
    # latest. Text compares byte-wise, as Python compares strings.
    "before AS ("
    "  SELECT r.id, f.*, r.status, {new} AS new, {heaviest} AS heaviest, "
    "    f.rank IS NOT NULL AND (r.status_at IS NULL OR "
    '      (f.rank, %(at)s::timestamptz, %(source)s::text COLLATE "C") > '
    "      (CASE WHEN r.status = 'bounced' AND r.bounce_type IS DISTINCT FROM 'Permanent' "
    "        THEN %(soft)s ELSE (%(status_ranks)s::jsonb ->> r.status)::int END, "
    '        r.status_at, r.status_event_id COLLATE "C")) AS decides, '
    "    r.delayed_at IS NULL OR (%(at)s::timestamptz, COALESCE(f.delay_type, '') COLLATE \"C\", "
    "      COALESCE(f.delay_expires_at, '-infinity')) > (r.delayed_at, "
    "      COALESCE(r.delay_type, ''), COALESCE(r.delay_expires_at, '-infinity')) "
    "      AS latest_delay "
    "  FROM message_recipients r JOIN fresh f ON lower(r.address) = f.address "
    "  WHERE r.message_id = %(pk)s AND r.status IS DISTINCT FROM 'suppressed'), "
    "updated AS ("
    "  UPDATE message_recipients r SET "
    "    status = CASE WHEN b.decides THEN %(outcome)s::text ELSE r.status END, "
    "    status_at = CASE WHEN b.decides THEN %(at)s ELSE r.status_at END, "
    "    status_event_id = CASE WHEN b.decides THEN %(source)s ELSE r.status_event_id END"
    "    {sets} "
    "  FROM before b WHERE r.id = b.id "
    "  RETURNING r.id, r.status) "
    # One answer per address (a recipient named in To and Cc has two rows, moved alike).
    "SELECT f.address, count(b.id) > 0 AS listed, min(b.status) AS before, "
    "  min(u.status) AS after, COALESCE(bool_or(b.new), false) AS first "
    "FROM fresh f LEFT JOIN before b ON b.address = f.address "
    "LEFT JOIN updated u ON u.id = b.id GROUP BY f.address"
)
_EARLIER_BOUNCES = (
    "SELECT FROM delivery_events e WHERE e.message_id = %(pk)s AND e.recipient = f.address "
    "AND e.event_type = 'bounce' "
)
_HEAVIEST = sql.SQL(
    "NOT EXISTS (" + _EARLIER_BOUNCES + "AND (CASE WHEN e.details->>'bounce_type' = 'Permanent' "
    '  THEN %(hard)s ELSE %(soft)s END, e.occurred_at, e.source_event_id COLLATE "C") '
    "  > (f.rank, %(at)s::timestamptz, %(source)s::text))"
)
_FIRST_OF_ITS_KIND = sql.SQL(
    "NOT EXISTS (" + _EARLIER_BOUNCES + "AND COALESCE(e.details->>'bounce_type' = 'Permanent', "
    "  false) = COALESCE(f.bounce_type = 'Permanent', false))"
)
_BOUNCE = sql.SQL(
    ", bounce_type = CASE WHEN b.heaviest THEN b.bounce_type ELSE r.bounce_type END, "
    "bounce_sub_type = CASE WHEN b.heaviest THEN b.bounce_sub_type "
    "  ELSE r.bounce_sub_type END, "
    "smtp_status = CASE WHEN b.heaviest THEN b.smtp_status ELSE r.smtp_status END, "
    "diagnostic_code = CASE WHEN b.heaviest THEN b.diagnostic_code "
    "  ELSE r.diagnostic_code END"
)
_COMPLAINT = sql.SQL(
    ", complaint_feedback_type = CASE WHEN b.decides THEN b.feedback_type "
    "  ELSE r.complaint_feedback_type END"
)
_DELAY = sql.SQL(
    ", delayed_at = CASE WHEN b.latest_delay THEN %(at)s ELSE r.delayed_at END, "
    "delay_type = CASE WHEN b.latest_delay THEN b.delay_type ELSE r.delay_type END, "
    "delay_expires_at = CASE WHEN b.latest_delay THEN b.delay_expires_at "
    "  ELSE r.delay_expires_at END"
)


def _statement(kind: SesEventType) -> sql.Composed:
    """`_RECORD` for one kind of event: the columns it may set, and what makes it new to
    the recipient (its outcome's first time unset; for a bounce, no earlier bounce of its
    kind, hard or soft; for a delay, no delay before)."""
    outcome = OUTCOME.get(kind)
    new: sql.Composable = sql.SQL("false")
    heaviest: sql.Composable = sql.SQL("false")
    sets: list[sql.Composable] = []
    if outcome is not None:
        time = sql.Identifier(_OUTCOME_TIME[outcome])
        new = sql.SQL("r.{} IS NULL").format(time)
        sets.append(sql.SQL(", {t} = LEAST(r.{t}, %(at)s)").format(t=time))
    if outcome is RecipientStatus.BOUNCED:
        new, heaviest = _FIRST_OF_ITS_KIND, _HEAVIEST
        sets.append(_BOUNCE)
    if outcome is RecipientStatus.COMPLAINED:
        sets.append(_COMPLAINT)
    if kind is SesEventType.DELIVERY_DELAY:
        new = sql.SQL("r.delayed_at IS NULL")
        sets.append(_DELAY)
    return _RECORD.format(new=new, heaviest=heaviest, sets=sql.Composed(sets))


_STATEMENTS = {kind: _statement(kind) for kind in SesEventType}

_MESSAGE = (
    "SELECT m.status, m.inbox_id, m.thread_id, i.domain_id, d.name AS domain_name, "
    "  COALESCE(jsonb_object_agg(lower(r.address), r.status) FILTER (WHERE r.id IS NOT NULL), "
    "    '{}') AS recipients "
    "FROM messages m JOIN inboxes i ON i.id = m.inbox_id JOIN domains d ON d.id = i.domain_id "
    "LEFT JOIN message_recipients r ON r.message_id = m.id "
    "WHERE m.id = %s GROUP BY m.id, i.domain_id, d.name"
)


def _status(value: str | None) -> RecipientStatus | None:
    return RecipientStatus(value) if value else None


def _parameters(organization_id: UUID, message_pk: UUID, event: SesEvent) -> dict[str, Any]:
    reports, outcome, at = event.recipients, event.outcome, event.occurred_at
    return {
        "org": organization_id,
        "pk": message_pk,
        "type": event.type.value,
        "source": event.source_event_id,
        "at": at,
        "ses": event.ses_message_id,
        "outcome": outcome.value if outcome else None,
        "status_ranks": _RANKS,
        "hard": _HARD,
        "soft": _SOFT,
        "addresses": [r.address for r in reports],
        "ranks": [
            decider(outcome, at, "", bounce_type=r.bounce_type).rank if outcome else None
            for r in reports
        ],
        "bounce_types": [None if r.bounce_type is None else str(r.bounce_type) for r in reports],
        "bounce_sub_types": [r.bounce_sub_type for r in reports],
        "smtp_statuses": [r.smtp_status for r in reports],
        "diagnostic_codes": [r.diagnostic_code for r in reports],
        "feedback_types": [r.complaint_feedback_type for r in reports],
        "delay_types": [r.delay_type for r in reports],
        "delay_expires": [r.delay_expires_at for r in reports],
        "details": [Jsonb(history_details(event, r)) for r in reports],
    }


class PostgresDeliveryTracking:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def locate(self, ses_message_id: str) -> TrackedMessage | None:
        row = self._conn.execute(
            "SELECT organization_id, id FROM messages WHERE ses_message_id = %s",
            [ses_message_id],
        ).fetchone()
        return TrackedMessage(row["organization_id"], row["id"]) if row else None

    def lock(self, message_pk: UUID) -> None:
        self._conn.execute("SELECT FROM messages WHERE id = %s FOR UPDATE", [message_pk])

    def record(self, organization_id: UUID, message_pk: UUID, event: SesEvent) -> Recorded:
        # Both statements are sent before either answer is read: one round trip when the
        # unit of work is pipelined. The second sees what the first changed.
        changes = self._conn.execute(
            _STATEMENTS[event.type], _parameters(organization_id, message_pk, event)
        )
        message = self._conn.execute(_MESSAGE, [message_pk])
        rows = changes.fetchall()
        found = message.fetchone()
        assert found is not None, "the message was locked in this transaction"
        return Recorded(
            tuple(
                RecipientChange(
                    r["address"],
                    listed=r["listed"],
                    before=_status(r["before"]),
                    after=_status(r["after"]),
                    first=r["first"],
                )
                for r in rows
            ),
            MessageDelivery(
                status=DeliveryStatus(found["status"]),
                inbox_id=found["inbox_id"],
                domain_id=found["domain_id"],
                domain_name=found["domain_name"],
                thread_id=found["thread_id"],
                recipients={a: _status(s) for a, s in found["recipients"].items()},
            ),
        )

    def soft_bounces(
        self, organization_id: UUID, addresses: Sequence[str], since: datetime, until: datetime
    ) -> dict[str, list[tuple[UUID, datetime]]]:
        rows = self._conn.execute(
            "SELECT recipient, message_id, occurred_at FROM delivery_events "
            "WHERE organization_id = %s AND recipient = ANY(%s) "
            "AND occurred_at BETWEEN %s AND %s AND event_type = 'bounce' "
            "AND details->>'bounce_type' IS DISTINCT FROM 'Permanent'",
            [organization_id, list(addresses), since, until],
        ).fetchall()
        found: dict[str, list[tuple[UUID, datetime]]] = {}
        for r in rows:
            found.setdefault(r["recipient"], []).append((r["message_id"], r["occurred_at"]))
        return found

    def settle(self, message_pk: UUID, status: DeliveryStatus) -> None:
        self._conn.execute(
            "UPDATE messages SET status = %s, updated_at = now() WHERE id = %s",
            [status.value, message_pk],
        )
