"""The scheduled sweep (once a minute): SQS FIFO holds no message back, so a retry waits in
`webhook_deliveries` until it is due and the sweep queues it then; so does a delivery
whose lease ran out (its relay died after claiming it, or the queue refused it). It also
ends the rotations whose grace period is over."""

from __future__ import annotations

from dataclasses import dataclass

from mailman.ports import Clock, UnitOfWorkFactory, WebhookQueue
from mailman.services.webhooks.relay import CLAIM_LIMIT, publish_due

MAX_BATCHES = 20
"""Claims one sweep makes at most; what is left waits for the next minute's sweep."""


@dataclass(frozen=True)
class Swept:
    published: int
    secrets_dropped: int


def sweep(
    uow: UnitOfWorkFactory,
    queue: WebhookQueue,
    clock: Clock,
    *,
    api_base_url: str,
    batch: int = CLAIM_LIMIT,
    max_batches: int = MAX_BATCHES,
) -> Swept:
    """Drop the previous secrets whose grace has passed, then queue what is due, `batch`
    deliveries at a time, until less than a batch was due or `max_batches` were queued.
    `DeliveryError` when the queue failed (what was claimed goes out a lease later)."""
    with uow(None) as work:
        dropped = work.webhook_deliveries.drop_expired_secrets(clock.now())
    published = 0
    for _ in range(max_batches):
        sent = publish_due(uow, queue, clock, api_base_url=api_base_url, limit=batch)
        published += sent
        if sent < batch:
            break
    return Swept(published, dropped)
