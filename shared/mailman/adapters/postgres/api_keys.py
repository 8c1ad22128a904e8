"""`PostgresApiKeyRepository`: API keys, stored as hashes."""

from __future__ import annotations

from datetime import datetime
from typing import LiteralString
from uuid import UUID

from mailman.adapters.postgres.database import Connection
from mailman.adapters.postgres.statements import keyset
from mailman.domain.api_keys import ApiKeyRecord
from mailman.domain.models import ApiKey, KeyHolder, KeyUse
from mailman.domain.pagination import PageRequest
from mailman.domain.ratelimit import BucketState, RequestLimits

_API_KEY_COLUMNS: LiteralString = (
    "id, organization_id, name, prefix, rate_limit_per_minute, scopes, inbox_ids, created_at, "
    "last_used_at, revoked_at, expires_at"
)


class PostgresApiKeyRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, key: ApiKeyRecord) -> ApiKey:
        row = self._conn.execute(
            "INSERT INTO api_keys (organization_id, name, prefix, key_hash, "
            "rate_limit_per_minute, expires_at, scopes, inbox_ids) "
            f"VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING {_API_KEY_COLUMNS}",
            [
                key.organization_id,
                key.name,
                key.prefix,
                key.key_hash,
                key.rate_limit_per_minute,
                key.expires_at,
                None if key.scopes is None else sorted(key.scopes),
                None if key.inbox_ids is None else sorted(key.inbox_ids),
            ],
        ).fetchone()
        assert row is not None
        return ApiKey.model_validate(row)

    def get(self, key_id: UUID) -> ApiKey | None:
        row = self._conn.execute(
            f"SELECT {_API_KEY_COLUMNS} FROM api_keys WHERE id = %s", [key_id]
        ).fetchone()
        return ApiKey.model_validate(row) if row else None

    def use(self, key_hash: str, limits: RequestLimits, at: datetime) -> KeyUse | None:
        # One statement (migration 0013): the key, its organisation, and when the key is
        # active its touch and the request's token.
        row = self._conn.execute(
            "SELECT key, organization, allowed, key_tokens, organization_tokens "
            "FROM use_api_key(%s, %s, %s, %s)",
            [key_hash, at, limits.key_per_minute, limits.organization_per_minute],
        ).fetchone()
        if row is None:
            return None
        holder = KeyHolder.model_validate(row)
        if row["allowed"] is None:
            return KeyUse(holder, None)
        key_limit = holder.key.rate_limit_per_minute or limits.key_per_minute
        organization_limit = (
            holder.organization.rate_limit_per_minute or limits.organization_per_minute
        )
        allowed = bool(row["allowed"])
        return KeyUse(
            holder,
            (
                BucketState.for_limit(key_limit, allowed=allowed, tokens=row["key_tokens"]),
                BucketState.for_limit(
                    organization_limit, allowed=allowed, tokens=row["organization_tokens"]
                ),
            ),
        )

    def list(self, page: PageRequest) -> list[ApiKey]:
        where, params = keyset(page)
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
