"""`InMemoryWebhookEndpoints`: an organisation's webhook endpoints, as the API manages them."""

from __future__ import annotations

from mailman.adapters.memory.tables import ScopedRepository


class InMemoryWebhookEndpoints(ScopedRepository):
    pass
