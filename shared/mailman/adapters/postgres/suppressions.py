"""`PostgresSuppressionList`: the organisation's addresses no mail is sent to."""

from __future__ import annotations

from collections.abc import Sequence

from psycopg.types.json import Jsonb

from mailman.adapters.postgres.database import Connection
from mailman.domain.suppressions import NewSuppression


class PostgresSuppressionList:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def find(self, addresses: Sequence[str]) -> dict[str, str]:
        rows = self._conn.execute(
            "SELECT address, reason FROM suppressed_addresses "
            "WHERE address = ANY(%s) AND deleted_at IS NULL",
            [[a.lower() for a in addresses]],
        ).fetchall()
        return {r["address"]: r["reason"] for r in rows}

    def add(self, entries: Sequence[NewSuppression]) -> list[bool]:
        if not entries:
            return []
        rows = self._conn.execute(
            "INSERT INTO suppressed_addresses (organization_id, address, reason, "
            "  source_message_id, details, created_at) "
            "SELECT organization_id, address, reason, source_message_id, details, "
            "  COALESCE(at, now()) "
            "FROM unnest(%s::uuid[], %s::text[], %s::text[], %s::uuid[], %s::jsonb[], "
            "  %s::timestamptz[]) AS e(organization_id, address, reason, source_message_id, "
            "  details, at) "
            "ON CONFLICT (organization_id, address) WHERE deleted_at IS NULL DO NOTHING "
            "RETURNING address",
            [
                [e.organization_id for e in entries],
                [e.address for e in entries],
                [e.reason.value for e in entries],
                [e.source_message_id for e in entries],
                [Jsonb(dict(e.details)) for e in entries],
                [e.at for e in entries],
            ],
        ).fetchall()
        added = {r["address"] for r in rows}
        return [e.address in added for e in entries]
