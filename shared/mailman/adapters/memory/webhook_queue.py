"""`InMemoryWebhookQueue`: `webhooks.fifo` as the list of the work it took."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from mailman.domain.errors import DeliveryError
from mailman.domain.webhook_work import WebhookWork


class InMemoryWebhookQueue:
    """Takes every item in order, or (`refusing`) none, raising the transient error the SQS
    adapter raises when the queue cannot take them."""

    def __init__(self) -> None:
        self.sent: list[WebhookWork] = []
        self.refusing = False

    def send(self, work: Sequence[WebhookWork]) -> None:
        if self.refusing:
            raise DeliveryError("the webhook queue could not take the work", transient=True)
        self.sent.extend(work)

    def take(self) -> list[WebhookWork]:
        """The work queued since the last `take`, as a dispatcher receives it."""
        taken, self.sent = self.sent, []
        return taken


if TYPE_CHECKING:
    from mailman.ports import WebhookQueue

    _conforms: type[WebhookQueue] = InMemoryWebhookQueue
