"""`InMemoryWebhookDeliveryLog`: deliveries and attempts as the API shows them."""

from __future__ import annotations

from mailman.adapters.memory.tables import ScopedRepository


class InMemoryWebhookDeliveryLog(ScopedRepository):
    pass
