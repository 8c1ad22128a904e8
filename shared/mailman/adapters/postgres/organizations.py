"""`PostgresOrganizationRepository`: the organisations, their limits."""

from __future__ import annotations

from datetime import datetime
from typing import LiteralString
from uuid import UUID

from mailman.adapters.postgres.database import Connection
from mailman.adapters.postgres.statements import update
from mailman.domain.models import Organization

_ORGANIZATION_COLUMNS: LiteralString = "id, name, created_at, rate_limit_per_minute, max_api_keys"


class PostgresOrganizationRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, name: str) -> Organization:
        row = self._conn.execute(
            f"INSERT INTO organizations (name) VALUES (%s) RETURNING {_ORGANIZATION_COLUMNS}",
            [name],
        ).fetchone()
        assert row is not None
        return Organization.model_validate(row)

    def get(self, organization_id: UUID, *, lock: bool = False) -> Organization | None:
        locking: LiteralString = " FOR UPDATE" if lock else ""
        row = self._conn.execute(
            f"SELECT {_ORGANIZATION_COLUMNS} FROM organizations "
            f"WHERE id = %s AND deleted_at IS NULL{locking}",
            [organization_id],
        ).fetchone()
        return Organization.model_validate(row) if row else None

    def list(self) -> list[Organization]:
        rows = self._conn.execute(
            f"SELECT {_ORGANIZATION_COLUMNS} FROM organizations WHERE deleted_at IS NULL "
            "ORDER BY created_at, id"
        ).fetchall()
        return [Organization.model_validate(row) for row in rows]

    def set_limits(self, organization_id: UUID, changes: dict[str, int]) -> Organization | None:
        if update(self._conn, "organizations", organization_id, dict(changes)) is None:
            return None
        return self.get(organization_id)

    def soft_delete(self, organization_id: UUID, at: datetime) -> bool:
        row = self._conn.execute(
            "UPDATE organizations SET deleted_at = %s, updated_at = now() "
            "WHERE id = %s AND deleted_at IS NULL RETURNING id",
            [at, organization_id],
        ).fetchone()
        return row is not None
