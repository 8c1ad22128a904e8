"""`PostgresAuthKeyRepository`: the registered public keys that sign tokens (`auth_keys`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import LiteralString
from uuid import UUID

import psycopg

from mailman.adapters.postgres.database import Connection
from mailman.adapters.postgres.statements import keyset
from mailman.domain.auth_keys import AuthKey, AuthKeyUse, NewAuthKey
from mailman.domain.errors import Conflict
from mailman.domain.pagination import PageRequest
from mailman.domain.ratelimit import BucketState, RequestLimits

_COLUMNS: LiteralString = (
    "id, organization_id, kid, algorithm, public_key_pem, created_at, last_used_at, revoked_at"
)


class PostgresAuthKeyRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, key: NewAuthKey) -> AuthKey:
        try:
            with self._conn.transaction():
                row = self._conn.execute(
                    "INSERT INTO auth_keys (organization_id, kid, algorithm, public_key_pem) "
                    f"VALUES (%s, %s, %s, %s) RETURNING {_COLUMNS}",
                    [key.organization_id, key.kid, key.algorithm.value, key.public_key_pem],
                ).fetchone()
        except psycopg.errors.UniqueViolation as exc:  # auth_keys_live_kid
            raise Conflict("the organisation has a live key of this kid", field="kid") from exc
        assert row is not None
        return AuthKey.model_validate(row)

    def get(self, key_id: UUID) -> AuthKey | None:
        row = self._conn.execute(
            f"SELECT {_COLUMNS} FROM auth_keys WHERE id = %s", [key_id]
        ).fetchone()
        return AuthKey.model_validate(row) if row else None

    def list(self, page: PageRequest) -> list[AuthKey]:
        where, params = keyset(page)
        rows = self._conn.execute(
            f"SELECT {_COLUMNS} FROM auth_keys WHERE {where} ORDER BY created_at, id LIMIT %s",
            [*params, page.limit + 1],
        ).fetchall()
        return [AuthKey.model_validate(row) for row in rows]

    def revoke(self, key_id: UUID, at: datetime) -> AuthKey | None:
        row = self._conn.execute(
            "UPDATE auth_keys SET revoked_at = COALESCE(revoked_at, %s) WHERE id = %s "
            f"RETURNING {_COLUMNS}",
            [at, key_id],
        ).fetchone()
        return AuthKey.model_validate(row) if row else None

    def find_live(self, organization_id: UUID, kid: str) -> AuthKey | None:
        row = self._conn.execute(
            "SELECT k.id, k.organization_id, k.kid, k.algorithm, k.public_key_pem, "
            "k.created_at, k.last_used_at, k.revoked_at "
            "FROM auth_keys k JOIN organizations o ON o.id = k.organization_id "
            "WHERE k.organization_id = %s AND k.kid = %s AND k.revoked_at IS NULL "
            "AND o.deleted_at IS NULL",
            [organization_id, kid],
        ).fetchone()
        return AuthKey.model_validate(row) if row else None

    def use(
        self,
        key_id: UUID,
        subject: str,
        addresses: Sequence[str],
        limits: RequestLimits,
        at: datetime,
    ) -> AuthKeyUse:
        # One statement (migration 0017): the key's liveness, the addresses' inboxes, the
        # key's touch and the request's token.
        row = self._conn.execute(
            "SELECT live, inbox_ids, organization_per_minute, allowed, key_tokens, "
            "organization_tokens FROM use_auth_key(%s, %s, %s::text[], %s, %s, %s)",
            [
                key_id,
                subject,
                list(addresses),
                at,
                limits.key_per_minute,
                limits.organization_per_minute,
            ],
        ).fetchone()
        assert row is not None
        if not row["live"]:
            return AuthKeyUse(live=False)
        allowed = bool(row["allowed"])
        return AuthKeyUse(
            live=True,
            inbox_ids=frozenset(row["inbox_ids"] or ()),
            buckets=(
                BucketState.for_limit(
                    limits.key_per_minute, allowed=allowed, tokens=row["key_tokens"]
                ),
                BucketState.for_limit(
                    row["organization_per_minute"],
                    allowed=allowed,
                    tokens=row["organization_tokens"],
                ),
            ),
        )
