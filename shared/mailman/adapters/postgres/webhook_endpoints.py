"""`PostgresWebhookEndpoints`: an organisation's webhook endpoints, as the API manages them.

Row-level security scopes every statement to the unit of work's organisation; a deleted
endpoint (`deleted_at`) is left out of every one."""

from __future__ import annotations

from datetime import datetime
from typing import Any, LiteralString
from uuid import UUID

from psycopg import sql

from mailman.adapters.postgres.database import Connection
from mailman.adapters.postgres.statements import keyset
from mailman.domain.pagination import PageRequest
from mailman.domain.webhook_views import WebhookEndpoint
from mailman.domain.webhooks import EndpointChanges, EndpointSecrets, NewEndpoint

COLUMNS: LiteralString = (
    "id, organization_id, url, event_types, inbox_ids, description, enabled, disabled_reason, "
    "disabled_at, failing_since, last_success_at, previous_secret_expires_at, created_at, "
    "updated_at"
)

# Enabling clears a disabled endpoint's reason, time and failing streak; disabling an
# enabled one is the caller's (`manual`) from `at`. Both read the row as it was.
_ENABLE: LiteralString = (
    "disabled_reason = CASE WHEN enabled THEN disabled_reason END, "
    "disabled_at = CASE WHEN enabled THEN disabled_at END, "
    "failing_since = CASE WHEN enabled THEN failing_since END, enabled = true"
)
_DISABLE: LiteralString = (
    "disabled_reason = CASE WHEN enabled THEN 'manual' ELSE disabled_reason END, "
    "disabled_at = CASE WHEN enabled THEN %(at)s ELSE disabled_at END, enabled = false"
)


def _assignments(changes: EndpointChanges) -> tuple[list[sql.Composable], dict[str, Any]]:
    """The SET list and its parameters for the fields a PATCH gives."""
    values: dict[str, Any] = {}
    if changes.url is not None:
        values["url"] = changes.url
    if changes.event_types is not None:
        values["event_types"] = list(changes.event_types)
    if changes.inbox_ids is not None:
        values["inbox_ids"] = list(changes.inbox_ids)
    if changes.clear_description or changes.description is not None:
        values["description"] = None if changes.clear_description else changes.description
    parts: list[sql.Composable] = [
        sql.SQL("{} = {}").format(sql.Identifier(column), sql.Placeholder(column))
        for column in values
    ]
    if changes.enabled is not None:
        parts.append(sql.SQL(_ENABLE if changes.enabled else _DISABLE))
    return parts, values


class PostgresWebhookEndpoints:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, endpoint: NewEndpoint) -> WebhookEndpoint:
        row = self._conn.execute(
            "INSERT INTO webhook_endpoints (organization_id, url, event_types, inbox_ids, "
            "description, enabled, secret_sealed, disabled_reason, disabled_at) "
            "VALUES (%(org)s, %(url)s, %(types)s, %(inboxes)s, %(description)s, %(enabled)s, "
            "  %(sealed)s, CASE WHEN %(enabled)s THEN NULL ELSE 'manual' END, "
            "  CASE WHEN %(enabled)s THEN NULL ELSE now() END) "
            f"RETURNING {COLUMNS}",
            {
                "org": endpoint.organization_id,
                "url": endpoint.url,
                "types": list(endpoint.event_types),
                "inboxes": list(endpoint.inbox_ids),
                "description": endpoint.description,
                "enabled": endpoint.enabled,
                "sealed": endpoint.secret_sealed,
            },
        ).fetchone()
        assert row is not None
        return WebhookEndpoint.model_validate(row)

    def get(self, endpoint_id: UUID) -> WebhookEndpoint | None:
        row = self._conn.execute(
            f"SELECT {COLUMNS} FROM webhook_endpoints WHERE id = %s AND deleted_at IS NULL",
            [endpoint_id],
        ).fetchone()
        return WebhookEndpoint.model_validate(row) if row else None

    def list(self, page: PageRequest) -> list[WebhookEndpoint]:
        where, params = keyset(page)
        rows = self._conn.execute(
            f"SELECT {COLUMNS} FROM webhook_endpoints WHERE {where} AND deleted_at IS NULL "
            "ORDER BY created_at, id LIMIT %s",
            [*params, page.limit + 1],
        ).fetchall()
        return [WebhookEndpoint.model_validate(r) for r in rows]

    def update(
        self, endpoint_id: UUID, changes: EndpointChanges, at: datetime
    ) -> WebhookEndpoint | None:
        parts, params = _assignments(changes)
        if not parts:
            return self.get(endpoint_id)
        query = sql.SQL(
            "UPDATE webhook_endpoints SET {assignments}, updated_at = now() "
            "WHERE id = %(id)s AND deleted_at IS NULL RETURNING {columns}"
        ).format(assignments=sql.SQL(", ").join(parts), columns=sql.SQL(COLUMNS))
        row = self._conn.execute(query, {**params, "id": endpoint_id, "at": at}).fetchone()
        return WebhookEndpoint.model_validate(row) if row else None

    def soft_delete(self, endpoint_id: UUID, at: datetime) -> bool:
        row = self._conn.execute(
            "UPDATE webhook_endpoints SET deleted_at = %s, updated_at = now() "
            "WHERE id = %s AND deleted_at IS NULL RETURNING id",
            [at, endpoint_id],
        ).fetchone()
        return row is not None

    def rotate(
        self, endpoint_id: UUID, secret_sealed: bytes, previous_expires_at: datetime
    ) -> WebhookEndpoint | None:
        row = self._conn.execute(
            "UPDATE webhook_endpoints SET previous_secret_sealed = secret_sealed, "
            "previous_secret_expires_at = %s, secret_sealed = %s, updated_at = now() "
            f"WHERE id = %s AND deleted_at IS NULL RETURNING {COLUMNS}",
            [previous_expires_at, secret_sealed, endpoint_id],
        ).fetchone()
        return WebhookEndpoint.model_validate(row) if row else None

    def secrets(self, endpoint_id: UUID) -> EndpointSecrets | None:
        row = self._conn.execute(
            "SELECT secret_sealed, previous_secret_sealed, previous_secret_expires_at "
            "FROM webhook_endpoints WHERE id = %s AND deleted_at IS NULL",
            [endpoint_id],
        ).fetchone()
        if row is None:
            return None
        return EndpointSecrets(
            bytes(row["secret_sealed"]),
            bytes(row["previous_secret_sealed"]) if row["previous_secret_sealed"] else None,
            row["previous_secret_expires_at"],
        )
