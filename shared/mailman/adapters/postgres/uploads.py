"""`PostgresUploads`: files uploaded ahead of the mail that attaches them, until they expire."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from mailman.adapters.postgres.database import Connection
from mailman.domain.messages import Upload


class PostgresUploads:
    def __init__(self, conn: Connection, organization_id: UUID | None) -> None:
        self._conn = conn
        self._organization_id = organization_id

    def add(self, upload: Upload) -> None:
        self._conn.execute(
            "INSERT INTO uploads (id, organization_id, filename, content_type, storage_key, "
            "expires_at) VALUES (%s, %s, %s, %s, %s, %s)",
            [
                upload.id,
                self._organization_id,
                upload.filename,
                upload.content_type,
                upload.storage_key,
                upload.expires_at,
            ],
        )

    def live(self, upload_ids: Sequence[UUID], at: datetime) -> dict[UUID, Upload]:
        rows = self._conn.execute(
            "SELECT id, filename, content_type, storage_key, expires_at FROM uploads "
            "WHERE id = ANY(%s) AND expires_at > %s",
            [list(upload_ids), at],
        ).fetchall()
        return {r["id"]: Upload(**r) for r in rows}
