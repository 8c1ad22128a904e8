"""`PostgresWebhookDeliveries`: the deliveries as the pipeline moves them."""

from __future__ import annotations

from mailman.adapters.postgres.database import Connection


class PostgresWebhookDeliveries:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn
