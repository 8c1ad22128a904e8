"""`PostgresWebhookDeliveries`: the deliveries as the pipeline moves them.

A claim is one statement: it locks the due rows it can (`FOR UPDATE ... SKIP LOCKED`, so
two claims never take one delivery nor wait for each other), leases them and answers them
with their endpoints and events. It reads, of each live endpoint, at most what keeps the
endpoint within `MAX_IN_FLIGHT` leases, oldest due first: so its cost is a probe or two per
live endpoint and the rows it takes, however long one endpoint's backlog has grown. It
chooses before it locks: of two claims at once, the second may find what it chose held by
the first and come back short; what is due is claimed by one publisher at a time
(`publishing`), so only claims of deliveries a caller named run beside it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from uuid import UUID

from mailman.adapters.postgres.database import Connection
from mailman.domain.events import Event
from mailman.domain.webhook_bodies import MessageSnapshot
from mailman.domain.webhook_work import AttemptReport, ClaimedDelivery, LeasedDelivery, Settlement
from mailman.domain.webhooks import (
    EXTRACTED_TEXT_CAP,
    LEASE,
    MAX_IN_FLIGHT,
    DeliveryState,
    DisabledReason,
    EndpointSecrets,
)

# What a claim does with the deliveries it chose: locks those no one holds and still due
# (a claim that committed meanwhile took them), leases them, answers them with their
# endpoints and events in the log's order.
_LEASE_CHOSEN = """
, due AS (
    SELECT d.id FROM chosen, LATERAL (
        SELECT d.id FROM webhook_deliveries d
        WHERE d.id = chosen.id AND d.status = 'pending' AND d.next_attempt_at <= %(now)s
        FOR UPDATE SKIP LOCKED
    ) d
), leased AS (
    UPDATE webhook_deliveries d
    SET lease = %(lease)s, next_attempt_at = %(until)s, updated_at = now()
    FROM due WHERE d.id = due.id
    RETURNING d.id, d.organization_id, d.endpoint_id, d.event_id, d.thread_id, d.body,
              d.automatic, d.test
)
SELECT l.id, l.organization_id, l.endpoint_id, l.thread_id, l.body, l.automatic, l.test,
       w.url, w.secret_sealed, w.previous_secret_sealed, w.previous_secret_expires_at,
       e.seq, e.id AS event_id, e.type, e.subject_id, e.payload, e.created_at
FROM leased l
JOIN webhook_endpoints w ON w.id = l.endpoint_id
JOIN events e ON e.id = l.event_id
ORDER BY e.xid, e.seq, l.id
"""

# What is due: of each live endpoint, only as many of its due deliveries, oldest first (then
# in the log's order), as keep it within `MAX_IN_FLIGHT` leases; a test, which the API
# publishes by name, is one of them here, even to a disabled endpoint. Its leases are
# counted on `webhook_deliveries_leased` and its due rows read in order off
# `webhook_deliveries_endpoint_due` (migrations 0015, 0016): so a claim reads at most the
# cap of each endpoint, however long one dead endpoint's backlog has grown (200,000 due:
# about 1 ms). Of those, only the events of transactions older than any still running (the
# event log's own rule, migration 0010): an event committed early cannot overtake one of
# the same thread appended before it by a transaction still committing, whose publisher
# takes both in order. Then the first `limit` in the log's order.
_CLAIM_DUE = (
    """
WITH room AS (
    SELECT w.id AS endpoint_id, w.enabled, %(cap)s - (
        SELECT count(*) FROM webhook_deliveries f
        WHERE f.endpoint_id = w.id AND f.status = 'pending' AND f.lease IS NOT NULL
          AND f.next_attempt_at > %(now)s
    ) AS room
    FROM webhook_endpoints w
    WHERE w.deleted_at IS NULL
), candidate AS (
    SELECT d.id, d.event_id FROM room r, LATERAL (
        SELECT d.id, d.event_id FROM webhook_deliveries d
        WHERE d.endpoint_id = r.endpoint_id AND d.status = 'pending'
          AND d.next_attempt_at <= %(now)s AND (r.enabled OR d.test)
        ORDER BY d.next_attempt_at, d.event_seq
        LIMIT greatest(r.room, 0)
    ) d
), chosen AS (
    SELECT c.id FROM candidate c JOIN events e ON e.id = c.event_id
    WHERE e.xid < pg_snapshot_xmin(pg_current_snapshot())
    ORDER BY e.xid, e.seq
    LIMIT %(limit)s
)"""
    + _LEASE_CHOSEN
)

# The deliveries a caller named and just made due (a test, a retry, a recovery): sent at
# once, in no promised order, a test even to a disabled endpoint and beyond the endpoint's
# share of leases (the others within it).
_CLAIM_NAMED = (
    """
WITH named AS (
    SELECT d.id, d.endpoint_id, d.test, row_number() OVER (
        PARTITION BY d.endpoint_id, d.test ORDER BY d.next_attempt_at, d.id) AS place
    FROM webhook_deliveries d
    JOIN webhook_endpoints w ON w.id = d.endpoint_id
    WHERE d.id = ANY (%(only)s::uuid[]) AND d.status = 'pending'
      AND d.next_attempt_at <= %(now)s AND w.deleted_at IS NULL AND (w.enabled OR d.test)
), chosen AS (
    SELECT n.id FROM named n
    WHERE n.test OR n.place <= %(cap)s - (
        SELECT count(*) FROM webhook_deliveries f
        WHERE f.endpoint_id = n.endpoint_id AND f.status = 'pending' AND f.lease IS NOT NULL
          AND f.next_attempt_at > %(now)s)
    LIMIT %(limit)s
)"""
    + _LEASE_CHOSEN
)

PUBLISH_LOCK = 7_246_813_020
"""The advisory lock key of the right to publish what is due (beside the migrations',
7_246_813_001)."""

_SNAPSHOTS = """
SELECT m.id, m.thread_id, m.inbox_id, m.direction, m.from_address, m.from_name, m.subject,
       m.preview, left(m.extracted_text, %(cap)s) AS extracted_text, m.verdicts, m.status,
       (SELECT coalesce(json_agg(json_build_object(
                   'kind', r.kind, 'address', r.address, 'name', r.name,
                   'status', r.status, 'status_reason', r.status_reason) ORDER BY r.position),
               '[]')
        FROM message_recipients r
        WHERE r.message_id = m.id AND r.kind <> 'envelope') AS recipients
FROM messages m
WHERE m.id = ANY (%(ids)s::uuid[]) AND m.deleted_at IS NULL
"""

_ADD_ATTEMPT = """
INSERT INTO webhook_attempts (id, organization_id, delivery_id, endpoint_id, lease,
    attempted_at, latency_ms, status_code, error, response_body, outcome, trigger)
SELECT %(id)s, d.organization_id, d.id, d.endpoint_id, %(lease)s, %(attempted_at)s,
       %(latency_ms)s, %(status_code)s, %(error)s, %(response_body)s, %(outcome)s, %(trigger)s
FROM webhook_deliveries d WHERE d.id = %(delivery_id)s
ON CONFLICT (id) DO NOTHING
RETURNING id
"""

_LEASED = """
SELECT d.id, d.organization_id, d.endpoint_id, w.url AS endpoint_url, d.event_id,
       d.event_type, d.attempts, d.automatic, d.test
FROM webhook_deliveries d JOIN webhook_endpoints w ON w.id = d.endpoint_id
WHERE d.id = %s AND d.status = 'pending' AND d.lease = %s
FOR UPDATE OF d
"""

# A delivery of an endpoint that is not live is parked (not due) rather than left due
# behind every claim: re-enabling the endpoint makes it due (migration 0016).
_SETTLE = """
UPDATE webhook_deliveries d
SET status = %(status)s::text, attempts = %(attempts)s, last_status_code = %(status_code)s,
    last_error = %(error)s, last_attempt_at = %(attempted_at)s, lease = NULL,
    next_attempt_at = CASE WHEN w.enabled AND w.deleted_at IS NULL
                           THEN %(next)s::timestamptz END,
    delivered_at = CASE WHEN %(status)s::text = 'delivered' THEN %(settled_at)s::timestamptz END,
    failed_at = CASE WHEN %(status)s::text = 'failed' THEN %(settled_at)s::timestamptz END,
    updated_at = now()
FROM webhook_endpoints w
WHERE d.id = %(id)s AND w.id = d.endpoint_id
"""

# Written when it changes something a caller reads: the endpoint stops failing, or the
# last success is more than a minute old (a busy endpoint's row is not rewritten by every
# delivery).
_SUCCEEDED = """
UPDATE webhook_endpoints
SET last_success_at = greatest(last_success_at, %(at)s),
    failing_since = CASE WHEN failing_since <= %(at)s THEN NULL ELSE failing_since END
WHERE id = %(id)s
  AND (failing_since <= %(at)s OR last_success_at IS NULL
       OR last_success_at < %(at)s - interval '1 minute')
"""

_FAILED = """
WITH marked AS (
    UPDATE webhook_endpoints SET failing_since = %(at)s
    WHERE id = %(id)s AND failing_since IS NULL
      AND (last_success_at IS NULL OR last_success_at < %(at)s)
    RETURNING failing_since
)
SELECT coalesce((SELECT failing_since FROM marked),
                (SELECT failing_since FROM webhook_endpoints WHERE id = %(id)s)) AS failing_since
"""


class PostgresWebhookDeliveries:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def claim(
        self, now: datetime, lease: UUID, *, only: Sequence[UUID] = (), limit: int
    ) -> list[ClaimedDelivery]:
        rows = self._conn.execute(
            _CLAIM_NAMED if only else _CLAIM_DUE,
            {
                "now": now,
                "until": now + LEASE,
                "lease": lease,
                "only": list(only),
                "limit": limit,
                "cap": MAX_IN_FLIGHT,
            },
        ).fetchall()
        return [_claimed(row, lease) for row in rows]

    @contextmanager
    def publishing(self) -> Iterator[bool]:
        # Session-level: it outlives each statement's commit, and ends with the connection.
        row = self._conn.execute(
            "SELECT pg_try_advisory_lock(%s) AS held", [PUBLISH_LOCK]
        ).fetchone()
        if row is None or not row["held"]:
            yield False
            return
        try:
            yield True
        finally:
            if not self._conn.closed:  # a connection lost took the lock with it
                self._conn.execute("SELECT pg_advisory_unlock(%s)", [PUBLISH_LOCK])

    def snapshots(self, message_ids: Sequence[UUID]) -> dict[UUID, MessageSnapshot]:
        if not message_ids:
            return {}
        rows = self._conn.execute(
            _SNAPSHOTS, {"cap": EXTRACTED_TEXT_CAP + 1, "ids": list(message_ids)}
        ).fetchall()
        return {row["id"]: MessageSnapshot.model_validate(row) for row in rows}

    def freeze(self, bodies: Mapping[UUID, str]) -> None:
        if not bodies:
            return
        self._conn.execute(
            "UPDATE webhook_deliveries d SET body = b.body "
            "FROM unnest(%s::uuid[], %s::text[]) AS b(id, body) "
            "WHERE d.id = b.id AND d.body IS NULL",
            [list(bodies), list(bodies.values())],
        )

    def add_attempt(self, report: AttemptReport) -> bool:
        row = self._conn.execute(
            _ADD_ATTEMPT,
            {
                "id": report.attempt_id,
                "delivery_id": report.delivery_id,
                "lease": report.lease,
                "attempted_at": report.attempted_at,
                "latency_ms": report.latency_ms,
                "status_code": report.status_code,
                "error": report.error,
                "response_body": report.response_body,
                "outcome": report.outcome.value,
                "trigger": report.trigger,
            },
        ).fetchone()
        return row is not None

    def leased(self, delivery_id: UUID, lease: UUID) -> LeasedDelivery | None:
        row = self._conn.execute(_LEASED, [delivery_id, lease]).fetchone()
        return LeasedDelivery(**row) if row else None

    def settle(self, settlement: Settlement) -> None:
        pending = settlement.status is DeliveryState.PENDING
        self._conn.execute(
            _SETTLE,
            {
                "id": settlement.delivery_id,
                "status": settlement.status.value,
                "attempts": settlement.attempts,
                "status_code": settlement.status_code,
                "error": settlement.error,
                "attempted_at": settlement.attempted_at,
                "next": settlement.next_attempt_at if pending else None,
                "settled_at": settlement.settled_at,
            },
        )

    def succeeded(self, endpoint_id: UUID, at: datetime) -> None:
        self._conn.execute(_SUCCEEDED, {"id": endpoint_id, "at": at})

    def failed(self, endpoint_id: UUID, at: datetime) -> datetime | None:
        row = self._conn.execute(_FAILED, {"id": endpoint_id, "at": at}).fetchone()
        return row["failing_since"] if row else None

    def disable(self, endpoint_id: UUID, reason: DisabledReason, at: datetime) -> bool:
        row = self._conn.execute(
            "UPDATE webhook_endpoints "
            "SET enabled = false, disabled_reason = %s, disabled_at = %s, updated_at = now() "
            "WHERE id = %s AND enabled AND deleted_at IS NULL RETURNING id",
            [reason.value, at, endpoint_id],
        ).fetchone()
        return row is not None

    def drop_expired_secrets(self, now: datetime) -> int:
        cursor = self._conn.execute(
            "UPDATE webhook_endpoints "
            "SET previous_secret_sealed = NULL, previous_secret_expires_at = NULL "
            "WHERE previous_secret_sealed IS NOT NULL AND previous_secret_expires_at <= %s",
            [now],
        )
        return cursor.rowcount


def _claimed(row: dict[str, Any], lease: UUID) -> ClaimedDelivery:
    return ClaimedDelivery(
        id=row["id"],
        organization_id=row["organization_id"],
        endpoint_id=row["endpoint_id"],
        url=row["url"],
        secrets=EndpointSecrets(
            bytes(row["secret_sealed"]),
            bytes(row["previous_secret_sealed"]) if row["previous_secret_sealed"] else None,
            row["previous_secret_expires_at"],
        ),
        event=Event(
            seq=row["seq"],
            id=row["event_id"],
            type=row["type"],
            subject_id=row["subject_id"],
            payload=row["payload"],
            created_at=row["created_at"],
        ),
        thread_id=row["thread_id"],
        body=row["body"],
        automatic=row["automatic"],
        test=row["test"],
        lease=lease,
    )
