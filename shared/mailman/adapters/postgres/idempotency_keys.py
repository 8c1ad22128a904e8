"""`PostgresIdempotencyKeys`: an organisation's idempotency keys of sends, live for
`IDEMPOTENCY_WINDOW`; a key older than that is taken over, and the dispatcher forgets it."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from mailman.adapters.postgres.database import Connection
from mailman.domain.sending import IDEMPOTENCY_WINDOW


class PostgresIdempotencyKeys:
    def __init__(self, conn: Connection, organization_id: UUID | None) -> None:
        self._conn = conn
        self._organization_id = organization_id

    def claim(
        self, key: str, request_sha256: str, message_pk: UUID, at: datetime
    ) -> tuple[str, UUID | None] | None:
        taken = self._conn.execute(
            "INSERT INTO idempotency_keys (organization_id, key, request_sha256, message_id, "
            "created_at) VALUES (%(org)s, %(key)s, %(sha)s, %(pk)s, %(at)s) "
            "ON CONFLICT (organization_id, key) DO UPDATE SET "
            "  request_sha256 = EXCLUDED.request_sha256, message_id = EXCLUDED.message_id, "
            "  created_at = EXCLUDED.created_at "
            "WHERE idempotency_keys.created_at < %(expired)s RETURNING key",
            {
                "org": self._organization_id,
                "key": key,
                "sha": request_sha256,
                "pk": message_pk,
                "at": at,
                "expired": at - IDEMPOTENCY_WINDOW,
            },
        ).fetchone()
        if taken is not None:
            return None
        found = self.find(key, at)
        assert found is not None, "the conflicting key is live: nothing deletes it meanwhile"
        return found

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
