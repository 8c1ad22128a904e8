"""Relaying due deliveries to the dispatcher: claim them, freeze their bodies, commit, and
only then queue their work.

The order is what makes the relay safe. A claim leases its deliveries for `LEASE` in the
same statement that takes them, so a second claim (another function's, the sweep's) passes
them by; the lease is committed before anything is queued, so a relay that dies after the
commit loses nothing: the lease runs out and the sweep queues them again. A delivery's
body is rendered the first time it is claimed and kept, so every later attempt, retry or
replay sends the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID, uuid4

from mailman.domain.webhook_bodies import MessageSnapshot, render_body, snapshot_of
from mailman.domain.webhooks import ClaimedDelivery
from mailman.ports import Clock, UnitOfWorkFactory, WebhookDeliveries, WebhookQueue

CLAIM_LIMIT = 500


def publish_due(
    uow: UnitOfWorkFactory,
    queue: WebhookQueue,
    clock: Clock,
    *,
    api_base_url: str,
    only: Sequence[UUID] = (),
    limit: int = CLAIM_LIMIT,
) -> int:
    """Queue the work of up to `limit` deliveries due now (of `only`, when given: the ones a
    caller just made due) whose endpoints are enabled; answers how many were queued.

    Each statement commits alone (the claim is whole by itself, and a body frozen without
    its claim is the body it would have got), so with nothing due this is one statement.
    `DeliveryError` when the queue failed: what was claimed goes out when its lease ends."""
    now = clock.now()
    with uow(None, autocommit=True) as work:
        deliveries = work.webhook_deliveries
        claimed = deliveries.claim(now, uuid4(), only=only, limit=limit)
        if not claimed:
            return 0
        bodies = _bodies(deliveries, claimed, api_base_url)
        deliveries.freeze({d.id: bodies[d.id] for d in claimed if d.body is None})
    queue.send([d.work(bodies[d.id], now) for d in claimed])
    return len(claimed)


def _bodies(
    deliveries: WebhookDeliveries, claimed: Sequence[ClaimedDelivery], api_base_url: str
) -> dict[UUID, str]:
    """Each delivery's body: the one it was first sent with, or rendered now (once per
    event, its message read once)."""
    fresh = [d for d in claimed if d.body is None]
    wanted = {m for d in fresh if (m := snapshot_of(d.event)) is not None}
    snapshots = deliveries.snapshots(sorted(wanted)) if wanted else {}
    rendered: dict[UUID, str] = {}
    bodies: dict[UUID, str] = {}
    for d in claimed:
        if d.body is not None:
            bodies[d.id] = d.body
            continue
        if d.event.id not in rendered:
            rendered[d.event.id] = render_body(
                d.event, _snapshot(snapshots, d), api_base_url=api_base_url
            )
        bodies[d.id] = rendered[d.event.id]
    return bodies


def _snapshot(snapshots: dict[UUID, MessageSnapshot], d: ClaimedDelivery) -> MessageSnapshot | None:
    message_id = snapshot_of(d.event)
    return snapshots.get(message_id) if message_id is not None else None
