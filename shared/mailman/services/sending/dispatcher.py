"""The dispatcher (once a minute): queues the outgoing mail that is due, settles hand-offs
SES never confirmed, forgets expired idempotency keys.

It queues what the API could not (the queue refused, the function died after storing), what
is scheduled and falls due within the minute (with the queue's delay making up the rest), and
what has waited queued for a quarter of an hour (its queue message was lost or dead-lettered).
Queuing a message twice is harmless: the outbound function claims it once.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby

from mailman.domain.models import DeliveryStatus
from mailman.domain.sending import IDEMPOTENCY_WINDOW
from mailman.ports import Queue
from mailman.services.sending._internal import fail_message, job_body
from mailman.services.sending.delivery import CONFIRMATION_WINDOW, UNCONFIRMED
from mailman.services.sending.environment import Outbound

HORIZON_SECONDS = 60
"""How far ahead a scheduled message is queued: the run interval (SQS delays up to 900 s)."""
BATCH = 500


@dataclass(frozen=True)
class Dispatched:
    queued: int
    unconfirmed: int
    keys_forgotten: int


def dispatch(env: Outbound, queue: Queue) -> Dispatched:
    now = env.clock.now()
    queued = 0
    while True:
        # Marked and queued in one transaction: when the queue fails, the marks roll back.
        with env.uow(None) as work:
            due = work.outbox.due(now, horizon_seconds=HORIZON_SECONDS, limit=BATCH)
            for delay, group in groupby(
                sorted(due, key=lambda d: d.delay_seconds), key=lambda d: d.delay_seconds
            ):
                queue.send([job_body(d.organization_id, d.id) for d in group], delay_seconds=delay)
        queued += len(due)
        if len(due) < BATCH:
            break
    with env.uow(None) as work:
        stale = work.outbox.unconfirmed(now - CONFIRMATION_WINDOW, BATCH)
    settled = 0
    for organization_id, message_pk in stale:
        with env.uow(organization_id) as work:
            settled += fail_message(work, message_pk, UNCONFIRMED, [DeliveryStatus.SENDING])
    with env.uow(None) as work:
        forgotten = work.idempotency_keys.forget(now - IDEMPOTENCY_WINDOW)
    return Dispatched(queued, settled, forgotten)
