"""Mail not yet handed to SES: cancel it, or move its send time.

Pending and Scheduled mail may be cancelled or rescheduled until the outbound function
claims it for the hand-off (state `sending`); from then on both answer 409. A queue message
already on its way for the old time finds the mail cancelled, or not yet due, and is
dropped; the dispatcher queues rescheduled mail again for its new time.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from mailman.domain.errors import Conflict, NotFound
from mailman.domain.mailbox import MessageView
from mailman.domain.models import DeliveryStatus
from mailman.domain.sending import check_send_at
from mailman.ports import UnitOfWork
from mailman.services.sending._internal import announce, enqueue, written
from mailman.services.sending.environment import Sending


def cancel(env: Sending, organization_id: UUID, message_id: UUID) -> MessageView:
    """Cancel waiting mail; `message.cancelled` goes to the event log."""
    with env.uow(organization_id) as work:
        record = work.outbox.cancel(message_id, env.clock.now())
        if record is None:
            raise _not_waiting(work, message_id, "cancelled")
        announce(work, "message.cancelled", message_id, record)
        return written(work, message_id)


def reschedule(
    env: Sending, organization_id: UUID, message_id: UUID, send_at: datetime | None
) -> MessageView:
    """Send waiting mail at `send_at` instead (at most 30 days ahead); None (or a time within
    the clock skew) sends it now, and a time further past is refused."""
    now = env.clock.now()
    due = check_send_at(send_at, now)
    with env.uow(organization_id) as work:
        if not work.outbox.reschedule(message_id, due, queued_at=now if due is None else None):
            raise _not_waiting(work, message_id, "rescheduled")
        view = written(work, message_id)
    if due is None:
        enqueue(env, organization_id, message_id)
    return view


def _not_waiting(work: UnitOfWork, message_id: UUID, verb: str) -> NotFound | Conflict:
    found = work.mailbox.message(message_id)
    if found is None:
        return NotFound("no such message", field="message_id")
    if found.status is None:
        return Conflict(f"mail received cannot be {verb}", field="message_id")
    if found.status == DeliveryStatus.DRAFT:
        return Conflict("a draft is not on its way: change or delete it", field="message_id")
    return Conflict(
        f"only mail not yet handed to SES can be {verb}; this message is {found.status}",
        field="message_id",
    )
