"""`PostgresWebhookEndpoints`: an organisation's webhook endpoints, as the API manages them."""

from __future__ import annotations

from mailman.adapters.postgres.database import Connection


class PostgresWebhookEndpoints:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn
