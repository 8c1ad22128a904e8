"""`PostgresFolderRepository`: an inbox's custom folders, and the counts `mailbox_counts`
keeps beside its folders and labels."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import LiteralString
from uuid import UUID

import psycopg

from mailman.adapters.postgres.database import Connection
from mailman.domain.errors import Conflict
from mailman.domain.mailbox_state import Count, CustomFolder

_COLUMNS: LiteralString = "id, inbox_id, name, created_at, updated_at"


def _clash(exc: psycopg.errors.UniqueViolation) -> Conflict:
    return Conflict("the inbox has a folder of this name", field="name")


class PostgresFolderRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, inbox_id: UUID, name: str) -> CustomFolder:
        try:
            with self._conn.transaction():
                row = self._conn.execute(
                    "INSERT INTO folders (organization_id, inbox_id, name) "
                    "SELECT organization_id, id, %s FROM inboxes WHERE id = %s "
                    f"RETURNING {_COLUMNS}",
                    [name, inbox_id],
                ).fetchone()
        except psycopg.errors.UniqueViolation as exc:  # folders_inbox_name
            raise _clash(exc) from exc
        assert row is not None, "the inbox is checked first"
        return CustomFolder(**row)

    def get(self, folder_id: UUID) -> CustomFolder | None:
        row = self._conn.execute(
            f"SELECT {_COLUMNS} FROM folders WHERE id = %s", [folder_id]
        ).fetchone()
        return CustomFolder(**row) if row else None

    def list(self, inbox_id: UUID) -> Sequence[CustomFolder]:
        rows = self._conn.execute(
            f"SELECT {_COLUMNS} FROM folders WHERE inbox_id = %s ORDER BY lower(name), id",
            [inbox_id],
        ).fetchall()
        return [CustomFolder(**r) for r in rows]

    def rename(self, folder_id: UUID, name: str) -> CustomFolder | None:
        try:
            with self._conn.transaction():
                row = self._conn.execute(
                    "UPDATE folders SET name = %s, updated_at = now() WHERE id = %s "
                    f"RETURNING {_COLUMNS}",
                    [name, folder_id],
                ).fetchone()
        except psycopg.errors.UniqueViolation as exc:
            raise _clash(exc) from exc
        return CustomFolder(**row) if row else None

    def delete(self, folder_id: UUID) -> bool:
        row = self._conn.execute(
            "DELETE FROM folders WHERE id = %s RETURNING id", [folder_id]
        ).fetchone()
        return row is not None

    def counts(self, inbox_id: UUID, facets: Sequence[str]) -> Mapping[str, Count]:
        rows = self._conn.execute(
            "SELECT facet, total, unread FROM mailbox_counts "
            "WHERE inbox_id = %s AND facet = ANY (%s::text[])",
            [inbox_id, list(facets)],
        ).fetchall()
        return {r["facet"]: Count(r["total"], r["unread"]) for r in rows}

    def label_counts(self, inbox_id: UUID) -> Mapping[str, Count]:
        rows = self._conn.execute(
            "SELECT substr(facet, 7) AS label, total, unread FROM mailbox_counts "
            "WHERE inbox_id = %s AND starts_with(facet, 'label:') AND total > 0",
            [inbox_id],
        ).fetchall()
        return {r["label"]: Count(r["total"], r["unread"]) for r in rows}
