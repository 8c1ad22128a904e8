"""`PostgresInboxRepository`: inboxes, and the routing table receiving reads."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import LiteralString
from uuid import UUID

import psycopg

from mailman.adapters.postgres.database import Connection
from mailman.adapters.postgres.domains import DOMAIN_COLUMNS, RECORD_COLUMNS
from mailman.adapters.postgres.statements import keyset, update
from mailman.domain.errors import Conflict
from mailman.domain.models import Domain, Inbox, NewInbox, Sender
from mailman.domain.pagination import PageRequest
from mailman.domain.routing import RoutingEntry

_INBOX_COLUMNS: LiteralString = (
    "i.id, i.organization_id, i.domain_id, i.local_part, d.name AS domain_name, "
    "i.display_name, i.catch_all, i.trash_retention_days, i.created_at, i.updated_at"
)
_INBOX_FROM: LiteralString = "FROM inboxes i JOIN domains d ON d.id = i.domain_id "
_INBOX_SELECT: LiteralString = f"SELECT {_INBOX_COLUMNS} {_INBOX_FROM}"
_SENDER_SELECT: LiteralString = (
    f"SELECT {_INBOX_COLUMNS}, now() AS at, "
    f"(SELECT to_jsonb(x) FROM (SELECT {DOMAIN_COLUMNS}, "
    f"  (SELECT coalesce(jsonb_agg(to_jsonb(y)), '[]') FROM (SELECT {RECORD_COLUMNS} "
    "    FROM domain_records WHERE domain_id = d.id ORDER BY position) y) AS records "
    f"  FROM domains WHERE id = d.id AND deleted_at IS NULL) x) AS domain {_INBOX_FROM}"
)
"""The inbox, its live domain with its records (as JSON; NULL when deleted), and the
transaction's time."""


class PostgresInboxRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, inbox: NewInbox) -> Inbox:
        try:
            with self._conn.transaction():
                row = self._conn.execute(
                    "INSERT INTO inboxes (organization_id, domain_id, local_part, display_name, "
                    "catch_all) VALUES (%s, %s, %s, %s, %s) RETURNING id",
                    [
                        inbox.organization_id,
                        inbox.domain_id,
                        inbox.local_part,
                        inbox.display_name,
                        inbox.catch_all,
                    ],
                ).fetchone()
        except psycopg.errors.UniqueViolation as exc:
            raise _inbox_conflict(exc) from exc
        assert row is not None
        added = self.get(row["id"])
        assert added is not None
        return added

    def get(self, inbox_id: UUID) -> Inbox | None:
        row = self._conn.execute(
            _INBOX_SELECT + "WHERE i.id = %s AND i.deleted_at IS NULL", [inbox_id]
        ).fetchone()
        return Inbox.model_validate(row) if row else None

    def sender(self, inbox_id: UUID) -> Sender | None:
        row = self._conn.execute(
            _SENDER_SELECT + "WHERE i.id = %s AND i.deleted_at IS NULL", [inbox_id]
        ).fetchone()
        if row is None:
            return None
        domain = row["domain"]
        return Sender(
            Inbox.model_validate(row),
            Domain.model_validate(domain) if domain is not None else None,
            row["at"],
        )

    def list(self, page: PageRequest, *, domain_id: UUID | None = None) -> list[Inbox]:
        where, params = keyset(page, "i.")
        rows = self._conn.execute(
            _INBOX_SELECT + "WHERE i.deleted_at IS NULL AND (%s::uuid IS NULL OR i.domain_id = %s) "
            f"AND {where} ORDER BY i.created_at, i.id LIMIT %s",
            [domain_id, domain_id, *params, page.limit + 1],
        ).fetchall()
        return [Inbox.model_validate(row) for row in rows]

    def update(self, inbox_id: UUID, changes: dict[str, object]) -> Inbox | None:
        try:
            with self._conn.transaction():
                if changes and update(self._conn, "inboxes", inbox_id, changes) is None:
                    return None
        except psycopg.errors.UniqueViolation as exc:
            raise _inbox_conflict(exc) from exc
        return self.get(inbox_id)

    def soft_delete(self, inbox_id: UUID, at: datetime) -> bool:
        row = self._conn.execute(
            "UPDATE inboxes SET deleted_at = %s, updated_at = %s "
            "WHERE id = %s AND deleted_at IS NULL RETURNING id",
            [at, at, inbox_id],
        ).fetchone()
        return row is not None

    def soft_delete_for_domain(self, domain_id: UUID, at: datetime) -> int:
        cursor = self._conn.execute(
            "UPDATE inboxes SET deleted_at = %s, updated_at = %s "
            "WHERE domain_id = %s AND deleted_at IS NULL",
            [at, at, domain_id],
        )
        return cursor.rowcount

    def routing(self, domains: Sequence[str]) -> Sequence[RoutingEntry]:
        if not domains:
            return []
        rows = self._conn.execute(
            # One claim per name: the one receiving (the owner's), else the only claim there
            # is; a name claimed several times that no claim receives for is no one's.
            "SELECT DISTINCT ON (d.name) d.id, d.organization_id, d.name, d.mx_verified, "
            "  COALESCE(jsonb_object_agg(i.local_part, i.id) FILTER (WHERE i.id IS NOT NULL), "
            "    '{}') AS inboxes, "
            "  (array_agg(i.id) FILTER (WHERE i.catch_all))[1] AS catch_all "
            "FROM domains d LEFT JOIN inboxes i ON i.domain_id = d.id AND i.deleted_at IS NULL "
            "WHERE d.deleted_at IS NULL AND d.name = ANY(%s) AND (d.mx_verified OR NOT EXISTS ("
            "  SELECT 1 FROM domains o "
            "  WHERE o.name = d.name AND o.deleted_at IS NULL AND o.id <> d.id)) "
            "GROUP BY d.id "
            "ORDER BY d.name, d.mx_verified DESC, d.status = 'verified' DESC, d.created_at, d.id",
            [list(set(domains))],
        ).fetchall()
        return [
            RoutingEntry(
                domain_id=r["id"],
                organization_id=r["organization_id"],
                name=r["name"],
                can_receive=r["mx_verified"],
                inboxes={k: UUID(v) for k, v in r["inboxes"].items()},
                catch_all=r["catch_all"],
            )
            for r in rows
        ]


def _inbox_conflict(exc: psycopg.errors.UniqueViolation) -> Conflict:
    if exc.diag.constraint_name == "inboxes_live_catch_all":
        return Conflict("the domain already has a catch-all inbox", field="catch_all")
    return Conflict("an inbox with this address already exists", field="local_part")
