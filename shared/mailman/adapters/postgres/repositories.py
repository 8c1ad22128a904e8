"""Repositories over one transaction's connection, and the unit of work that opens it."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any, LiteralString
from uuid import UUID

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from mailman.adapters.postgres.database import Connection, Database
from mailman.adapters.postgres.drafts import PostgresDraftRepository
from mailman.adapters.postgres.mailbox import PostgresMailboxReader
from mailman.adapters.postgres.messages import PostgresMessageRepository
from mailman.adapters.postgres.outbox import PostgresOutbox
from mailman.adapters.postgres.thread_index import PostgresThreadIndex
from mailman.domain.claims import VerifiedElsewhere, already_held
from mailman.domain.dns_records import DnsRecord
from mailman.domain.errors import Conflict, ValidationError
from mailman.domain.events import Event
from mailman.domain.models import (
    ApiKey,
    Domain,
    DomainRecordState,
    Inbox,
    KeyHolder,
    Organization,
)
from mailman.domain.pagination import PageRequest
from mailman.domain.ratelimit import BucketState
from mailman.domain.verification import VERIFIED_ELSEWHERE
from mailman.ports import RoutingEntry


def _keyset(page: PageRequest, alias: LiteralString = "") -> tuple[LiteralString, list[Any]]:
    """The WHERE fragment and parameters that start a page after its cursor."""
    if page.after is None:
        return "TRUE", []
    return f"({alias}created_at, {alias}id) > (%s, %s)", [page.after.created_at, page.after.id]


def _update(
    conn: Connection, table: LiteralString, entity_id: UUID, changes: dict[str, object]
) -> dict[str, Any] | None:
    assignments = sql.SQL(", ").join(
        sql.SQL("{} = {}").format(sql.Identifier(column), sql.Placeholder(column))
        for column in changes
    )
    query = sql.SQL(
        "UPDATE {table} SET {assignments}, updated_at = now() "
        "WHERE id = %(id)s AND deleted_at IS NULL RETURNING id"
    ).format(table=sql.Identifier(table), assignments=assignments)
    return conn.execute(query, {**changes, "id": entity_id}).fetchone()


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
        if _update(self._conn, "organizations", organization_id, dict(changes)) is None:
            return None
        return self.get(organization_id)

    def soft_delete(self, organization_id: UUID, at: datetime) -> bool:
        row = self._conn.execute(
            "UPDATE organizations SET deleted_at = %s, updated_at = now() "
            "WHERE id = %s AND deleted_at IS NULL RETURNING id",
            [at, organization_id],
        ).fetchone()
        return row is not None


_API_KEY_COLUMNS: LiteralString = (
    "id, organization_id, name, prefix, rate_limit_per_minute, created_at, last_used_at, "
    "revoked_at, expires_at"
)


class PostgresApiKeyRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(
        self,
        organization_id: UUID,
        *,
        name: str,
        prefix: str,
        key_hash: str,
        rate_limit_per_minute: int | None,
        expires_at: datetime | None,
    ) -> ApiKey:
        row = self._conn.execute(
            "INSERT INTO api_keys (organization_id, name, prefix, key_hash, "
            "rate_limit_per_minute, expires_at) VALUES (%s, %s, %s, %s, %s, %s) "
            f"RETURNING {_API_KEY_COLUMNS}",
            [organization_id, name, prefix, key_hash, rate_limit_per_minute, expires_at],
        ).fetchone()
        assert row is not None
        return ApiKey.model_validate(row)

    def get(self, key_id: UUID) -> ApiKey | None:
        row = self._conn.execute(
            f"SELECT {_API_KEY_COLUMNS} FROM api_keys WHERE id = %s", [key_id]
        ).fetchone()
        return ApiKey.model_validate(row) if row else None

    def find_by_hash(self, key_hash: str) -> KeyHolder | None:
        # The organisation comes in the same query: a deleted one's keys are not found.
        row = self._conn.execute(
            "SELECT to_jsonb(k) - 'key_hash' AS key, "
            "jsonb_build_object('id', o.id, 'name', o.name, 'created_at', o.created_at, "
            "'rate_limit_per_minute', o.rate_limit_per_minute, "
            "'max_api_keys', o.max_api_keys) AS organization "
            "FROM api_keys k JOIN organizations o ON o.id = k.organization_id "
            "WHERE k.key_hash = %s AND o.deleted_at IS NULL",
            [key_hash],
        ).fetchone()
        return KeyHolder.model_validate(row) if row else None

    def list(self, page: PageRequest) -> list[ApiKey]:
        where, params = _keyset(page)
        rows = self._conn.execute(
            f"SELECT {_API_KEY_COLUMNS} FROM api_keys WHERE {where} "
            "ORDER BY created_at, id LIMIT %s",
            [*params, page.limit + 1],
        ).fetchall()
        return [ApiKey.model_validate(row) for row in rows]

    def count_live(self, organization_id: UUID, at: datetime) -> int:
        row = self._conn.execute(
            "SELECT count(*) AS live FROM api_keys WHERE organization_id = %s "
            "AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > %s)",
            [organization_id, at],
        ).fetchone()
        assert row is not None
        live: int = row["live"]
        return live

    def revoke_all(self, organization_id: UUID, at: datetime) -> int:
        rows = self._conn.execute(
            "UPDATE api_keys SET revoked_at = %s "
            "WHERE organization_id = %s AND revoked_at IS NULL RETURNING id",
            [at, organization_id],
        ).fetchall()
        return len(rows)

    def revoke(self, key_id: UUID, at: datetime) -> ApiKey | None:
        row = self._conn.execute(
            "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, %s) WHERE id = %s "
            f"RETURNING {_API_KEY_COLUMNS}",
            [at, key_id],
        ).fetchone()
        return ApiKey.model_validate(row) if row else None

    def touch(self, key_id: UUID, at: datetime) -> None:
        # Only write when the stored value is a minute old or more: one row update per key per
        # minute instead of one per request.
        self._conn.execute(
            "UPDATE api_keys SET last_used_at = %s WHERE id = %s "
            "AND (last_used_at IS NULL OR last_used_at < %s - interval '1 minute')",
            [at, key_id, at],
        )


_DOMAIN_COLUMNS: LiteralString = (
    "id, organization_id, name, unicode_name, status, dkim_tokens, from_name, reply_to, "
    "bounce_address, mx_verified, spf_verified, dkim_verified, dmarc_verified, verified_at, "
    "region, mail_from_domain, ses_dkim_status, ses_mail_from_status, last_checked_at, "
    "next_check_at, pending_since, list_unsubscribe, verification_token, created_at, updated_at"
)
_RECORD_COLUMNS: LiteralString = (
    "domain_id, purpose, type, name, value, priority, status, found, detail, checked_at"
)


class PostgresDomainRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def _with_records(self, rows: list[dict[str, Any]]) -> list[Domain]:
        """Domains built from rows, each with its records (one query for all of them)."""
        if not rows:
            return []
        records: dict[UUID, list[dict[str, Any]]] = {row["id"]: [] for row in rows}
        for record in self._conn.execute(
            f"SELECT {_RECORD_COLUMNS} FROM domain_records WHERE domain_id = ANY(%s) "
            "ORDER BY domain_id, position",
            [list(records)],
        ).fetchall():
            records[record["domain_id"]].append(record)
        return [Domain.model_validate({**row, "records": records[row["id"]]}) for row in rows]

    def add(
        self,
        organization_id: UUID,
        *,
        name: str,
        unicode_name: str,
        from_name: str | None,
        reply_to: str | None,
        bounce_address: str | None,
        list_unsubscribe: str | None = None,
        region: str | None = None,
        mail_from_domain: str | None = None,
        dkim_tokens: tuple[str, ...] = (),
        ses_dkim_status: str | None = None,
    ) -> Domain:
        try:
            with self._conn.transaction():
                row = self._conn.execute(
                    "INSERT INTO domains (organization_id, name, unicode_name, from_name, "
                    "reply_to, bounce_address, list_unsubscribe, region, mail_from_domain, "
                    "dkim_tokens, ses_dkim_status) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
                    f"RETURNING {_DOMAIN_COLUMNS}",
                    [
                        organization_id,
                        name,
                        unicode_name,
                        from_name,
                        reply_to,
                        bounce_address,
                        list_unsubscribe,
                        region,
                        mail_from_domain,
                        list(dkim_tokens),
                        ses_dkim_status,
                    ],
                ).fetchone()
        except psycopg.errors.UniqueViolation as exc:
            # domains_org_live_name: other organisations' claims of the name do not conflict.
            raise already_held(name) from exc
        assert row is not None
        return Domain.model_validate(row)

    def get(self, domain_id: UUID) -> Domain | None:
        rows = self._conn.execute(
            f"SELECT {_DOMAIN_COLUMNS} FROM domains WHERE id = %s AND deleted_at IS NULL",
            [domain_id],
        ).fetchall()
        found = self._with_records(rows)
        return found[0] if found else None

    def count_live(self) -> int:
        row = self._conn.execute("SELECT count(*) AS n FROM domains WHERE deleted_at IS NULL")
        found = row.fetchone()
        assert found is not None
        return int(found["n"])

    def claims(self, names: Sequence[str]) -> Sequence[Domain]:
        # In the system scope every organisation's claims; in a tenant's, its own.
        rows = self._conn.execute(
            f"SELECT {_DOMAIN_COLUMNS} FROM domains "
            "WHERE name = ANY(%s) AND deleted_at IS NULL "
            "ORDER BY status = 'verified' DESC, created_at DESC, id",
            [list(names)],
        ).fetchall()
        return self._with_records(rows)

    def receiving_states(self) -> Sequence[tuple[str, bool]]:
        rows = self._conn.execute(
            # A deleted domain is one not to receive for (unless registered again).
            "SELECT name, bool_or(mx_verified AND deleted_at IS NULL) AS receiving "
            "FROM domains GROUP BY name ORDER BY name"
        ).fetchall()
        return [(r["name"], r["receiving"]) for r in rows]

    def list(self, page: PageRequest) -> list[Domain]:
        where, params = _keyset(page)
        rows = self._conn.execute(
            f"SELECT {_DOMAIN_COLUMNS} FROM domains WHERE deleted_at IS NULL AND {where} "
            "ORDER BY created_at, id LIMIT %s",
            [*params, page.limit + 1],
        ).fetchall()
        return self._with_records(rows)

    def update(self, domain_id: UUID, changes: dict[str, object]) -> Domain | None:
        if changes and _update(self._conn, "domains", domain_id, changes) is None:
            return None
        return self.get(domain_id)

    def soft_delete(self, domain_id: UUID, at: datetime) -> bool:
        row = self._conn.execute(
            "UPDATE domains SET deleted_at = %s, updated_at = %s "
            "WHERE id = %s AND deleted_at IS NULL RETURNING id",
            [at, at, domain_id],
        ).fetchone()
        return row is not None

    def set_records(self, domain: Domain, records: Sequence[DnsRecord]) -> Domain:
        self._conn.execute("DELETE FROM domain_records WHERE domain_id = %s", [domain.id])
        with self._conn.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO domain_records (organization_id, domain_id, position, purpose, "
                "type, name, value, priority) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                [
                    [
                        domain.organization_id,
                        domain.id,
                        position,
                        r.purpose.value,
                        r.type,
                        r.name,
                        r.value,
                        r.priority,
                    ]
                    for position, r in enumerate(records)
                ],
            )
        found = self.get(domain.id)
        assert found is not None
        return found

    def save_verification(
        self, domain_id: UUID, changes: dict[str, object], records: tuple[DomainRecordState, ...]
    ) -> None:
        try:
            _update(self._conn, "domains", domain_id, changes)
        except psycopg.errors.UniqueViolation as exc:
            # domains_verified_name: another organisation's claim verified first.
            raise VerifiedElsewhere(VERIFIED_ELSEWHERE, field="name") from exc
        with self._conn.cursor() as cursor:
            cursor.executemany(
                "UPDATE domain_records SET status = %s, found = %s, detail = %s, "
                "checked_at = %s, changed_at = CASE WHEN status <> %s OR found <> %s "
                "THEN %s ELSE changed_at END WHERE domain_id = %s AND position = %s",
                [
                    [
                        r.status.value,
                        list(r.found),
                        r.detail,
                        r.checked_at,
                        r.status.value,
                        list(r.found),
                        r.checked_at,
                        domain_id,
                        position,
                    ]
                    for position, r in enumerate(records)
                ],
            )

    def claim_due(self, at: datetime, limit: int, lease_until: datetime) -> Sequence[Domain]:
        rows = self._conn.execute(
            "UPDATE domains SET next_check_at = %s WHERE id IN ("
            "  SELECT id FROM domains WHERE deleted_at IS NULL AND next_check_at <= %s "
            "  ORDER BY next_check_at LIMIT %s FOR UPDATE SKIP LOCKED) "
            f"RETURNING {_DOMAIN_COLUMNS}",
            [lease_until, at, limit],
        ).fetchall()
        return self._with_records(rows)


class PostgresEventLog:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def append(
        self,
        organization_id: UUID,
        *,
        type: str,
        subject_id: UUID | None,
        dedup_key: str,
        payload: dict[str, object],
    ) -> None:
        self._conn.execute(
            "INSERT INTO events (organization_id, type, subject_id, dedup_key, payload) "
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (organization_id, dedup_key) DO NOTHING",
            [organization_id, type, subject_id, dedup_key, Jsonb(payload)],
        )

    def read(self, after: int, limit: int, types: Sequence[str] = ()) -> Sequence[Event]:
        """In (xid, seq) order, and only the events of transactions older than any still
        running: those are final, and every event yet to appear will follow them (migration
        0010). A long writing transaction anywhere on the server delays readers; it cannot
        make them skip an event."""
        xid = "0"
        if after:
            position = self._conn.execute(
                "SELECT xid::text FROM events WHERE seq = %s", [after]
            ).fetchone()
            if position is None:  # not the organisation's (row-level security) or no event
                raise ValidationError("after is not a cursor this API issued", field="after")
            xid = position["xid"]
        rows = self._conn.execute(
            "SELECT seq, id, type, subject_id, payload, created_at FROM events "
            "WHERE xid < pg_snapshot_xmin(pg_current_snapshot()) "
            "AND (xid, seq) > (%s::xid8, %s) "
            "AND (cardinality(%s::text[]) = 0 OR type = ANY(%s)) "
            "ORDER BY xid, seq LIMIT %s",
            [xid, after, list(types), list(types), limit],
        ).fetchall()
        return [Event.model_validate(row) for row in rows]


_INBOX_SELECT: LiteralString = (
    "SELECT i.id, i.organization_id, i.domain_id, i.local_part, d.name AS domain_name, "
    "i.display_name, i.catch_all, i.created_at, i.updated_at "
    "FROM inboxes i JOIN domains d ON d.id = i.domain_id "
)


class PostgresInboxRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(
        self,
        organization_id: UUID,
        *,
        domain_id: UUID,
        local_part: str,
        display_name: str | None,
        catch_all: bool,
    ) -> Inbox:
        try:
            with self._conn.transaction():
                row = self._conn.execute(
                    "INSERT INTO inboxes (organization_id, domain_id, local_part, display_name, "
                    "catch_all) VALUES (%s, %s, %s, %s, %s) RETURNING id",
                    [organization_id, domain_id, local_part, display_name, catch_all],
                ).fetchone()
        except psycopg.errors.UniqueViolation as exc:
            raise _inbox_conflict(exc) from exc
        assert row is not None
        inbox = self.get(row["id"])
        assert inbox is not None
        return inbox

    def get(self, inbox_id: UUID) -> Inbox | None:
        row = self._conn.execute(
            _INBOX_SELECT + "WHERE i.id = %s AND i.deleted_at IS NULL", [inbox_id]
        ).fetchone()
        return Inbox.model_validate(row) if row else None

    def address_taken(self, domain_id: UUID, local_part: str) -> bool:
        row = self._conn.execute(
            "SELECT 1 FROM inboxes WHERE domain_id = %s AND local_part = %s AND deleted_at IS NULL",
            [domain_id, local_part],
        ).fetchone()
        return row is not None

    def catch_all_of(self, domain_id: UUID) -> Inbox | None:
        row = self._conn.execute(
            _INBOX_SELECT + "WHERE i.domain_id = %s AND i.catch_all AND i.deleted_at IS NULL",
            [domain_id],
        ).fetchone()
        return Inbox.model_validate(row) if row else None

    def list(self, page: PageRequest, *, domain_id: UUID | None = None) -> list[Inbox]:
        where, params = _keyset(page, "i.")
        rows = self._conn.execute(
            _INBOX_SELECT + "WHERE i.deleted_at IS NULL AND (%s::uuid IS NULL OR i.domain_id = %s) "
            f"AND {where} ORDER BY i.created_at, i.id LIMIT %s",
            [domain_id, domain_id, *params, page.limit + 1],
        ).fetchall()
        return [Inbox.model_validate(row) for row in rows]

    def update(self, inbox_id: UUID, changes: dict[str, object]) -> Inbox | None:
        try:
            with self._conn.transaction():
                if changes and _update(self._conn, "inboxes", inbox_id, changes) is None:
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


class PostgresRateLimitRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def take(
        self,
        key_id: UUID,
        organization_id: UUID,
        *,
        key_per_minute: int,
        organization_per_minute: int,
        at: datetime,
    ) -> tuple[BucketState, BucketState]:
        # One statement: the function (migration 0012) takes from both buckets or neither.
        row = self._conn.execute(
            "SELECT allowed, key_tokens, organization_tokens "
            "FROM take_request_token(%s, %s, %s, %s, %s, %s, %s)",
            [
                key_id,
                key_per_minute,
                key_per_minute / 60,
                organization_id,
                organization_per_minute,
                organization_per_minute / 60,
                at,
            ],
        ).fetchone()
        assert row is not None
        allowed = bool(row["allowed"])
        return (
            BucketState.for_limit(key_per_minute, allowed=allowed, tokens=row["key_tokens"]),
            BucketState.for_limit(
                organization_per_minute, allowed=allowed, tokens=row["organization_tokens"]
            ),
        )

    def take_failure(self, source: str, *, per_minute: int, at: datetime) -> BucketState:
        # One statement: refill by the time elapsed, then take a token if one is there. The
        # conflict branch only fires (and only writes) when a token is available, so a refused
        # request leaves the bucket as it was. It also forgets a few other addresses whose
        # buckets have long been full again, so the table holds only recent failures.
        params = {
            "source": source,
            "capacity": per_minute,
            "rate": per_minute / 60,
            "at": at,
            "stale": at - timedelta(minutes=10),
        }
        taken = self._conn.execute(
            "WITH forgotten AS ("
            "  DELETE FROM auth_failure_buckets WHERE source IN ("
            "    SELECT source FROM auth_failure_buckets "
            "    WHERE refilled_at < %(stale)s AND source <> %(source)s "
            "    LIMIT 10 FOR UPDATE SKIP LOCKED)) "
            "INSERT INTO auth_failure_buckets AS b (source, tokens, refilled_at) "
            "VALUES (%(source)s, %(capacity)s - 1, %(at)s) "
            "ON CONFLICT (source) DO UPDATE SET "
            f"  tokens = {_REFILLED} - 1, "
            "  refilled_at = GREATEST(b.refilled_at, %(at)s) "
            f"WHERE {_REFILLED} >= 1 "
            "RETURNING tokens",
            params,
        ).fetchone()
        if taken is not None:
            return BucketState.for_limit(per_minute, allowed=True, tokens=taken["tokens"])
        current = self._conn.execute(
            f"SELECT {_REFILLED}::double precision AS tokens "
            "FROM auth_failure_buckets b WHERE source = %(source)s",
            params,
        ).fetchone()
        tokens = current["tokens"] if current else 0.0
        return BucketState.for_limit(per_minute, allowed=False, tokens=tokens)


_REFILLED: LiteralString = (
    "LEAST(%(capacity)s, b.tokens "
    "+ GREATEST(0, EXTRACT(EPOCH FROM (%(at)s - b.refilled_at))) * %(rate)s)"
)
"""A bucket's tokens at `at`: what it held, refilled since, up to its capacity."""


class PostgresUnitOfWork:
    """The repositories of one transaction."""

    def __init__(self, conn: Connection, organization_id: UUID | None) -> None:
        self.organizations = PostgresOrganizationRepository(conn)
        self.api_keys = PostgresApiKeyRepository(conn)
        self.domains = PostgresDomainRepository(conn)
        self.inboxes = PostgresInboxRepository(conn)
        self.rate_limits = PostgresRateLimitRepository(conn)
        self.events = PostgresEventLog(conn)
        self.messages = PostgresMessageRepository(conn)
        self.mailbox = PostgresMailboxReader(conn)
        self.outbox = PostgresOutbox(conn, organization_id)
        self.drafts = PostgresDraftRepository(conn)
        self._conn = conn
        self._organization_id = organization_id

    @property
    def thread_index(self) -> PostgresThreadIndex:
        """Threading's index; only a tenant's unit of work has one."""
        assert self._organization_id is not None, "threading runs in a tenant's transaction"
        return PostgresThreadIndex(self._conn, self._organization_id)


class PostgresUnitOfWorkFactory:
    def __init__(self, database: Database) -> None:
        self._database = database

    @contextmanager
    def __call__(
        self, organization_id: UUID | None, *, pipelined: bool = False
    ) -> Iterator[PostgresUnitOfWork]:
        with self._database.transaction(organization_id, pipelined=pipelined) as conn:
            yield PostgresUnitOfWork(conn, organization_id)
