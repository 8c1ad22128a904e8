"""`PostgresSuppressionList`: the organisation's addresses no mail is sent to.

Every statement names the unit of work's organisation (`organization_id = %s`, which
leads both indexes of live entries), and row-level security backs that up: a connection
that bypasses it still reads and removes only its own organisation's entries. A removed
entry keeps its row with `deleted_at`; the unique index covers live entries only, so the
address may be suppressed again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, LiteralString
from uuid import UUID

from psycopg.types.json import Jsonb

from mailman.adapters.postgres.database import Connection
from mailman.adapters.postgres.statements import keyset
from mailman.domain.pagination import PageRequest
from mailman.domain.suppressions import (
    NewSuppression,
    Suppression,
    SuppressionFilter,
    SuppressionReason,
)

_COLUMNS: LiteralString = (
    "id, organization_id, address, reason, source_message_id, details, created_at"
)


def _entry(row: dict[str, Any]) -> Suppression:
    return Suppression(**{**row, "reason": SuppressionReason(row["reason"])})


def _first_of(addresses: Sequence[str], done: set[str]) -> list[bool]:
    """For each address, whether the statement did it and this is its first mention."""
    answered = []
    for address in addresses:
        answered.append(address in done)
        done.discard(address)
    return answered


def _like(prefix: str) -> str:
    """A LIKE pattern matching what starts with `prefix`, its own % and _ taken literally."""
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{escaped}%"


class PostgresSuppressionList:
    def __init__(self, conn: Connection, organization_id: UUID | None) -> None:
        self._conn = conn
        self._organization_id = organization_id

    @property
    def _org(self) -> UUID:
        """The organisation every statement is scoped to: the list is a tenant's."""
        assert self._organization_id is not None, "the suppression list is a tenant's"
        return self._organization_id

    def find(self, addresses: Sequence[str]) -> dict[str, str]:
        return self.lookup(addresses)()

    def lookup(self, addresses: Sequence[str]) -> Callable[[], dict[str, str]]:
        cursor = self._conn.execute(
            "SELECT address, reason FROM suppressed_addresses "
            "WHERE organization_id = %s AND address = ANY(%s) AND deleted_at IS NULL",
            [self._org, list(addresses)],
        )
        return lambda: {r["address"]: r["reason"] for r in cursor.fetchall()}

    def add(self, entries: Sequence[NewSuppression]) -> list[bool]:
        return self.submit(entries)()

    def submit(self, entries: Sequence[NewSuppression]) -> Callable[[], list[bool]]:
        if not entries:
            return list
        cursor = self._conn.execute(
            "INSERT INTO suppressed_addresses (organization_id, address, reason, "
            "  source_message_id, details, created_at) "
            "SELECT organization_id, address, reason, source_message_id, details, "
            "  COALESCE(at, now()) "
            "FROM unnest(%b::uuid[], %b::text[], %b::text[], %b::uuid[], %b::jsonb[], "
            "  %b::timestamptz[]) AS e(organization_id, address, reason, source_message_id, "
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
        )
        addresses = [e.address for e in entries]
        return lambda: _first_of(addresses, {r["address"] for r in cursor.fetchall()})

    def get(self, address: str) -> Suppression | None:
        row = self._conn.execute(
            f"SELECT {_COLUMNS} FROM suppressed_addresses "
            "WHERE organization_id = %s AND address = %s AND deleted_at IS NULL",
            [self._org, address],
        ).fetchone()
        return _entry(row) if row else None

    def remove(self, addresses: Sequence[str], at: datetime) -> list[bool]:
        if not addresses:
            return []
        rows = self._conn.execute(
            "UPDATE suppressed_addresses SET deleted_at = %s "
            "WHERE organization_id = %s AND address = ANY(%s) AND deleted_at IS NULL "
            "RETURNING address",
            [at, self._org, list(addresses)],
        ).fetchall()
        return _first_of(addresses, {r["address"] for r in rows})

    def list(self, which: SuppressionFilter, page: PageRequest) -> list[Suppression]:
        where, params = keyset(page)
        conditions: list[LiteralString] = [where, "organization_id = %s", "deleted_at IS NULL"]
        params.append(self._org)
        if which.reason is not None:
            conditions.append("reason = %s")
            params.append(which.reason.value)
        if which.prefix:
            conditions.append("address LIKE %s")
            params.append(_like(which.prefix))
        if which.since is not None:
            conditions.append("created_at >= %s")
            params.append(which.since)
        rows = self._conn.execute(
            f"SELECT {_COLUMNS} FROM suppressed_addresses WHERE {' AND '.join(conditions)} "
            "ORDER BY created_at, id LIMIT %s",
            [*params, page.limit + 1],
        ).fetchall()
        return [_entry(r) for r in rows]
