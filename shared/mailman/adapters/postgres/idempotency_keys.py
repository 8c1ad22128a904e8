"""`PostgresIdempotencyKeys`: an organisation's idempotency keys of sends, live for
`IDEMPOTENCY_WINDOW`; a key older than that is taken over, and the dispatcher forgets it."""

from __future__ import annotations

from datetime import datetime
from typing import LiteralString
from uuid import UUID

from mailman.adapters.postgres.database import Connection
from mailman.domain.sending import IDEMPOTENCY_WINDOW

_EXPIRED: LiteralString = "idempotency_keys.created_at < %(expired)s"
"""The key's last use is older than the window: a new request takes it over."""


class PostgresIdempotencyKeys:
    def __init__(self, conn: Connection, organization_id: UUID | None) -> None:
        self._conn = conn
        self._organization_id = organization_id

    def claim(
        self, key: str, request_sha256: str, message_pk: UUID, at: datetime
    ) -> tuple[str, UUID | None] | None:
        # One statement: a live key's row is "updated" to itself, so that RETURNING answers
        # the use that holds it (a second read could miss a use committed meanwhile). The
        # row is this claim's when it carries this claim's time (inserted, or an expired use
        # taken over): its message id cannot tell, since a draft is sent under its own id
        # by every request that sends it.
        row = self._conn.execute(
            "INSERT INTO idempotency_keys (organization_id, key, request_sha256, message_id, "
            "created_at) VALUES (%(org)s, %(key)s, %(sha)s, %(pk)s, %(at)s) "
            "ON CONFLICT (organization_id, key) DO UPDATE SET "
            f"  request_sha256 = CASE WHEN {_EXPIRED} THEN EXCLUDED.request_sha256 "
            "    ELSE idempotency_keys.request_sha256 END, "
            f"  message_id = CASE WHEN {_EXPIRED} THEN EXCLUDED.message_id "
            "    ELSE idempotency_keys.message_id END, "
            f"  created_at = CASE WHEN {_EXPIRED} THEN EXCLUDED.created_at "
            "    ELSE idempotency_keys.created_at END "
            "RETURNING request_sha256, message_id, created_at = %(at)s AS taken",
            {
                "org": self._organization_id,
                "key": key,
                "sha": request_sha256,
                "pk": message_pk,
                "at": at,
                "expired": at - IDEMPOTENCY_WINDOW,
            },
        ).fetchone()
        assert row is not None, "inserted or updated"
        if row["taken"]:
            return None
        return row["request_sha256"], row["message_id"]

    def find(self, key: str, at: datetime) -> tuple[str, UUID | None] | None:
        row = self._conn.execute(
            "SELECT request_sha256, message_id FROM idempotency_keys "
            "WHERE organization_id = %s AND key = %s AND created_at >= %s",
            [self._organization_id, key, at - IDEMPOTENCY_WINDOW],
        ).fetchone()
        return (row["request_sha256"], row["message_id"]) if row else None

    def forget(self, before: datetime) -> int:
        return self._conn.execute(
            "DELETE FROM idempotency_keys WHERE created_at < %s", [before]
        ).rowcount
