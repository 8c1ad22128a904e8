"""`InMemoryWebhookDeliveries`: the deliveries as the pipeline moves them."""

from __future__ import annotations

from mailman.adapters.memory.tables import ScopedRepository


class InMemoryWebhookDeliveries(ScopedRepository):
    pass
