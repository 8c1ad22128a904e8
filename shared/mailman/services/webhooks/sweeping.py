"""The scheduled sweep (once a minute): SQS FIFO holds no message back, so a retry waits in
`webhook_deliveries` until it is due and the sweep queues it then; so does a delivery
whose lease ran out (its relay died after claiming it, or the queue refused it). It also
ends the rotations whose grace period is over."""

from __future__ import annotations

from dataclasses import dataclass

from mailman.ports import Clock, UnitOfWorkFactory, WebhookQueue
from mailman.services.webhooks.relay import CLAIM_LIMIT, relay

MAX_BATCHES = 20
"""Claims one sweep makes at most; what is left waits for the next minute's sweep."""


@dataclass(frozen=True)
class Swept:
    published: int
    secrets_dropped: int
    not_queued: int = 0
    """Work claimed that the queue did not take: it goes out again when its lease ends."""


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
    deliveries at a time, until a claim finds nothing or `max_batches` were made (none when
    another publisher is at it: it drains what is due). A batch the queue refused is logged
    and counted, and the next one made."""
    with uow(None) as work:
        dropped = work.webhook_deliveries.drop_expired_secrets(clock.now())
    relayed = relay(uow, queue, clock, api_base_url=api_base_url, limit=batch, rounds=max_batches)
    return Swept(relayed.queued, dropped, relayed.failed)
