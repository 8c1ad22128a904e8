"""`PostgresWebhookDeliveryLog`: deliveries and attempts as the API shows them."""

from __future__ import annotations

from mailman.adapters.postgres.database import Connection


class PostgresWebhookDeliveryLog:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn
