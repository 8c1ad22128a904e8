"""Statement fragments the repositories share: a keyset page's start, a partial update."""

from __future__ import annotations

from typing import Any, LiteralString
from uuid import UUID

from psycopg import sql

from mailman.adapters.postgres.database import Connection
from mailman.domain.pagination import PageRequest


def keyset(page: PageRequest, alias: LiteralString = "") -> tuple[LiteralString, list[Any]]:
    """The WHERE fragment and parameters that start a page after its cursor."""
    if page.after is None:
        return "TRUE", []
    return f"({alias}created_at, {alias}id) > (%s, %s)", [page.after.created_at, page.after.id]


def update(
    conn: Connection, table: LiteralString, entity_id: UUID, changes: dict[str, object]
) -> dict[str, Any] | None:
    """Set `changes` (column -> value) on the live row `entity_id`; None when there is none."""
    assignments = sql.SQL(", ").join(
        sql.SQL("{} = {}").format(sql.Identifier(column), sql.Placeholder(column))
        for column in changes
    )
    query = sql.SQL(
        "UPDATE {table} SET {assignments}, updated_at = now() "
        "WHERE id = %(id)s AND deleted_at IS NULL RETURNING id"
    ).format(table=sql.Identifier(table), assignments=assignments)
    return conn.execute(query, {**changes, "id": entity_id}).fetchone()
