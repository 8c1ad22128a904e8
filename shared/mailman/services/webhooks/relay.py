"""Relaying due deliveries to the dispatcher: claim them, freeze their bodies, commit, and
only then queue their work.

The order is what makes the relay safe. A claim leases its deliveries for `LEASE` in the
same statement that takes them, so a second claim (another function's, the sweep's) passes
them by; the lease is committed before anything is queued, so a relay that dies after the
commit loses nothing: the lease runs out and the sweep queues them again. A delivery's
body is rendered the first time it is claimed and kept, so every later attempt, retry or
replay sends the same bytes.

What is due is published by one publisher at a time (the producers after each commit, the
sweep), holding the right to (`WebhookDeliveries.publishing`) from its first claim to its
last send: so one thread's first attempts reach the queue in the order of the log, which
each claim follows, even when two functions commit events of it at once. A publisher that
finds the right held tries again for a moment (the holder may be letting go after its last
claim), then returns: the holder claims until nothing is left, what was committed meanwhile
too. A claim takes only events of transactions older than any still running, so an event
cannot leave before one of its thread that a transaction still committing appended first.
Deliveries a caller names (a test, a retry, a recovery) are published at once without the
right: they promise no order.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID, uuid4

from mailman.domain.errors import DeliveryError, NotQueued
from mailman.domain.webhook_bodies import MessageSnapshot, render_body, snapshot_of
from mailman.domain.webhook_work import ClaimedDelivery
from mailman.ports import Clock, UnitOfWorkFactory, WebhookDeliveries, WebhookQueue

log = logging.getLogger(__name__)

CLAIM_LIMIT = 500
LOCK_TRIES = 3
LOCK_RETRY_SECONDS = 0.02
"""A publisher turned away tries again twice, 20 ms apart: the holder may have made its last
claim before this publisher's commit and be about to let go; if it is still draining after
that, its next claim takes what this publisher committed."""
ROUNDS = 5
"""Claims one publish makes at most, holding the right to publish; what is left waits for
the next publish or the sweep."""


@dataclass(frozen=True)
class Relayed:
    """What a publish did: the work queued, and the work claimed that the queue did not
    take (it goes out again once its lease runs out)."""

    queued: int = 0
    failed: int = 0

    def __add__(self, other: Relayed) -> Relayed:
        return Relayed(self.queued + other.queued, self.failed + other.failed)

    @property
    def claimed(self) -> int:
        return self.queued + self.failed


def publish_due(
    uow: UnitOfWorkFactory,
    queue: WebhookQueue,
    clock: Clock,
    *,
    api_base_url: str,
    only: Sequence[UUID] = (),
    limit: int = CLAIM_LIMIT,
    rounds: int = ROUNDS,
) -> int:
    """Queue the work of the deliveries due now whose endpoints are enabled (of `only`, when
    given: the ones a caller just made due); answers how many were queued.

    `NotQueued` when the queue did not take some (the rest were queued): what was claimed
    goes out when its lease ends. See `relay`."""
    relayed = relay(
        uow, queue, clock, api_base_url=api_base_url, only=only, limit=limit, rounds=rounds
    )
    if relayed.failed:
        raise NotQueued(
            f"the webhook queue did not take {relayed.failed} of {relayed.claimed}",
            queued=relayed.queued,
            failed=relayed.failed,
        )
    return relayed.queued


def relay(
    uow: UnitOfWorkFactory,
    queue: WebhookQueue,
    clock: Clock,
    *,
    api_base_url: str,
    only: Sequence[UUID] = (),
    limit: int = CLAIM_LIMIT,
    rounds: int = ROUNDS,
) -> Relayed:
    """Claim up to `limit` due deliveries and queue their work, again until a claim finds
    none or `rounds` were made, holding the right to publish (nothing, when another holds
    it); `only` the ones named, once, without it. A round the queue refused (in whole or in
    part) is logged and the next one made.

    Each statement commits alone (a claim is whole by itself, and a body frozen without its
    claim is the body it would have got)."""
    with uow(None, autocommit=True) as work:
        deliveries = work.webhook_deliveries
        if only:
            return _round(deliveries, queue, clock, api_base_url, only=only, limit=limit)
        for _ in range(LOCK_TRIES):
            with deliveries.publishing() as held:
                if held:
                    return _drain(
                        deliveries, queue, clock, api_base_url, limit=limit, rounds=rounds
                    )
            time.sleep(LOCK_RETRY_SECONDS)
        return Relayed()


def _drain(
    deliveries: WebhookDeliveries,
    queue: WebhookQueue,
    clock: Clock,
    api_base_url: str,
    *,
    limit: int,
    rounds: int,
) -> Relayed:
    relayed = Relayed()
    for _ in range(rounds):
        done = _round(deliveries, queue, clock, api_base_url, only=(), limit=limit)
        if not done.claimed:
            break
        relayed += done
    return relayed


def _round(
    deliveries: WebhookDeliveries,
    queue: WebhookQueue,
    clock: Clock,
    api_base_url: str,
    *,
    only: Sequence[UUID],
    limit: int,
) -> Relayed:
    """One claim, its bodies frozen, its work queued."""
    now = clock.now()
    claimed = deliveries.claim(now, uuid4(), only=only, limit=limit)
    if not claimed:
        return Relayed()
    bodies = _bodies(deliveries, claimed, api_base_url)
    deliveries.freeze({d.id: bodies[d.id] for d in claimed if d.body is None})
    try:
        queue.send([d.work(bodies[d.id], now) for d in claimed])
    except NotQueued as exc:
        failed = exc.failed
    except DeliveryError:
        failed = len(claimed)
    else:
        return Relayed(queued=len(claimed))
    log.warning(
        "webhook work not queued: it goes out when its lease ends",
        extra={"claimed": len(claimed), "not_queued": failed},
    )
    return Relayed(queued=len(claimed) - failed, failed=failed)


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
