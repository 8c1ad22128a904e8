"""`PostgresWebhookDeliveryLog`: deliveries and attempts as the API shows them.

Row-level security scopes every statement to the unit of work's organisation, and every
statement names the endpoint: a delivery of another endpoint is not found. A listing reads
the endpoint's index (`webhook_deliveries_endpoint`: newest first), then every attempt of
the page's deliveries in one more statement."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, LiteralString
from uuid import UUID

from psycopg.types.json import Jsonb

from mailman.adapters.postgres.database import Connection
from mailman.domain.event_catalogue import WEBHOOK_TEST
from mailman.domain.pagination import PageRequest
from mailman.domain.webhook_views import Attempt, Delivery
from mailman.domain.webhooks import DeliveryFilter

_COLUMNS: LiteralString = (
    "id, endpoint_id, event_id, event_type, status, attempts, "
    "CASE WHEN status = 'pending' THEN next_attempt_at END AS next_attempt_at, "
    "last_attempt_at, delivered_at, failed_at, created_at"
)
_ATTEMPT_COLUMNS: LiteralString = (
    "id, delivery_id, attempted_at, latency_ms, status_code, error, response_body, outcome, trigger"
)
_RESEND: LiteralString = (
    "status = 'pending', automatic = false, next_attempt_at = %(at)s, lease = NULL, "
    "delivered_at = NULL, failed_at = NULL, updated_at = now()"
)
"""A settled delivery made pending again: one attempt, due at `at`."""


def _filter(which: DeliveryFilter, page: PageRequest) -> tuple[list[LiteralString], list[Any]]:
    conditions: list[LiteralString] = []
    params: list[Any] = []
    if page.after is not None:
        conditions.append("(created_at, id) < (%s, %s)")
        params += [page.after.created_at, page.after.id]
    if which.status is not None:
        conditions.append("status = %s")
        params.append(which.status.value)
    if which.event_type is not None:
        conditions.append("event_type = %s")
        params.append(which.event_type)
    if which.since is not None:
        conditions.append("created_at >= %s")
        params.append(which.since)
    if which.until is not None:
        conditions.append("created_at < %s")
        params.append(which.until)
    return conditions, params


class PostgresWebhookDeliveryLog:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def _with_attempts(self, rows: list[dict[str, Any]]) -> list[Delivery]:
        if not rows:
            return []
        attempts: dict[UUID, list[Attempt]] = {row["id"]: [] for row in rows}
        for found in self._conn.execute(
            f"SELECT {_ATTEMPT_COLUMNS} FROM webhook_attempts WHERE delivery_id = ANY(%s) "
            "ORDER BY attempted_at, id",
            [list(attempts)],
        ).fetchall():
            attempts[found["delivery_id"]].append(Attempt.model_validate(found))
        return [
            Delivery.model_validate({**row, "attempt_log": attempts[row["id"]]}) for row in rows
        ]

    def get(self, endpoint_id: UUID, delivery_id: UUID) -> Delivery | None:
        row = self._conn.execute(
            f"SELECT {_COLUMNS} FROM webhook_deliveries WHERE id = %s AND endpoint_id = %s",
            [delivery_id, endpoint_id],
        ).fetchone()
        return self._with_attempts([row])[0] if row else None

    def enabled(self, endpoint_id: UUID) -> bool | None:
        # FOR SHARE: disabling or deleting it waits for this transaction, which sees it as
        # it is once a change to it that came first has committed.
        row = self._conn.execute(
            "SELECT enabled FROM webhook_endpoints WHERE id = %s AND deleted_at IS NULL FOR SHARE",
            [endpoint_id],
        ).fetchone()
        return bool(row["enabled"]) if row else None

    def retry(self, endpoint_id: UUID, delivery_id: UUID, at: datetime) -> Delivery | None:
        # One pending is brought forward (its schedule kept); one settled is sent again.
        row = self._conn.execute(
            "UPDATE webhook_deliveries SET "
            "  next_attempt_at = CASE WHEN status = 'pending' "
            "    THEN LEAST(coalesce(next_attempt_at, %(at)s), %(at)s) ELSE %(at)s END, "
            "  automatic = CASE WHEN status = 'pending' THEN automatic ELSE false END, "
            "  status = 'pending', lease = NULL, delivered_at = NULL, failed_at = NULL, "
            "  updated_at = now() "
            "WHERE id = %(id)s AND endpoint_id = %(endpoint)s "
            "  AND NOT (status = 'pending' AND lease IS NOT NULL) "
            "RETURNING id",
            {"at": at, "id": delivery_id, "endpoint": endpoint_id},
        ).fetchone()
        return self.get(endpoint_id, delivery_id) if row else None

    def recover(
        self, endpoint_id: UUID, since: datetime, until: datetime, at: datetime
    ) -> list[UUID]:
        rows = self._conn.execute(
            f"UPDATE webhook_deliveries SET {_RESEND} "
            "WHERE endpoint_id = %(endpoint)s AND status = 'failed' "
            "  AND created_at >= %(since)s AND created_at < %(until)s "
            "RETURNING id, created_at",
            {"at": at, "endpoint": endpoint_id, "since": since, "until": until},
        ).fetchall()
        return [r["id"] for r in sorted(rows, key=lambda r: (r["created_at"], r["id"]))]

    def add_test(self, organization_id: UUID, endpoint_id: UUID, at: datetime) -> tuple[UUID, UUID]:
        # The catalogue's payload models are built by the rare transaction that needs one.
        from mailman.domain.event_payloads import WebhookTest

        # The fan-out trigger skips `webhook.test`: this delivery is the event's only one.
        event_id = uuid.uuid4()
        appended = self._conn.execute(
            "INSERT INTO events (id, organization_id, type, subject_id, dedup_key, payload) "
            "VALUES (%s, %s, %s, %s, %s, %s) RETURNING seq",
            [
                event_id,
                organization_id,
                WEBHOOK_TEST,
                endpoint_id,
                f"{WEBHOOK_TEST}:{event_id}",
                Jsonb(WebhookTest(endpoint_id=endpoint_id).model_dump(mode="json")),
            ],
        ).fetchone()
        assert appended is not None
        row = self._conn.execute(
            "INSERT INTO webhook_deliveries (organization_id, endpoint_id, event_id, event_seq, "
            "event_type, next_attempt_at, automatic, test) "
            "VALUES (%s, %s, %s, %s, %s, %s, false, true) RETURNING id",
            [organization_id, endpoint_id, event_id, appended["seq"], WEBHOOK_TEST, at],
        ).fetchone()
        assert row is not None
        return event_id, row["id"]

    def list(self, endpoint_id: UUID, which: DeliveryFilter, page: PageRequest) -> list[Delivery]:
        conditions, params = _filter(which, page)
        where = " AND ".join(["endpoint_id = %s", *conditions])
        rows = self._conn.execute(
            f"SELECT {_COLUMNS} FROM webhook_deliveries WHERE {where} "
            "ORDER BY created_at DESC, id DESC LIMIT %s",
            [endpoint_id, *params, page.limit + 1],
        ).fetchall()
        return self._with_attempts(rows)
