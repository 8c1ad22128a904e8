"""`PostgresSuppressionList`: the organisation's addresses no mail is sent to."""

from __future__ import annotations

from collections.abc import Sequence

from mailman.adapters.postgres.database import Connection


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
