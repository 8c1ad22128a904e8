"""What several of the sending modules share: reading back what was written, queuing a
stored message, idempotent replays, a message's events."""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING
from uuid import UUID

from mailman.domain.errors import Conflict, DeliveryError
from mailman.domain.events import NewEvent
from mailman.domain.mailbox import MessageView
from mailman.domain.messages import SentRecord
from mailman.domain.models import DeliveryStatus, Inbox
from mailman.ports import UnitOfWork
from mailman.services.sending.environment import Sending

if TYPE_CHECKING:
    from mailman.services.sending.compose import Idempotency, Submitted

log = logging.getLogger(__name__)


def written(work: UnitOfWork, pk: UUID) -> MessageView:
    """The message this unit of work has just stored or changed, read back."""
    view = work.mailbox.message(pk)
    assert view is not None, "written in this transaction"
    return view


def draft_changed() -> Conflict:
    return Conflict(
        "the draft was changed, sent or deleted meanwhile: read it again", field="draft_id"
    )


def new_message_id(inbox: Inbox) -> str:
    """A Message-ID of our own, on the inbox's domain."""
    return f"<{uuid.uuid4().hex}@{inbox.domain_name}>"


def replay(
    work: UnitOfWork, idempotency: Idempotency, request_sha256: str, message_pk: UUID | None
) -> Submitted:
    # The request side's module: the dispatcher, which shares this one, composes nothing.
    from mailman.services.sending.compose import Submitted

    if request_sha256 != idempotency.request_sha256:
        raise Conflict(
            "this Idempotency-Key was used with another request in the last 24 hours",
            field="Idempotency-Key",
        )
    view = work.mailbox.message(message_pk) if message_pk else None
    if view is None:
        raise Conflict("the message this Idempotency-Key made is gone", field="Idempotency-Key")
    return Submitted(view, replayed=True)


def enqueue(env: Sending, organization_id: UUID, pk: UUID) -> None:
    """Queue the stored message; when the queue fails, leave it to the dispatcher."""
    try:
        env.queue.send([job_body(organization_id, pk)])
    except DeliveryError:
        log.warning("outbound queue refused a job: the dispatcher will queue it", exc_info=True)
        try:
            with env.uow(organization_id) as work:
                work.outbox.set_queued([pk], None)
        except Exception:  # the 15-minute re-queue still finds it
            log.warning("could not clear the queued mark", exc_info=True)


def job_body(organization_id: UUID, message_pk: UUID) -> dict[str, str]:
    """The outbound queue's message for one message to send."""
    return {"organization_id": str(organization_id), "message_id": str(message_pk)}


def announce(
    work: UnitOfWork, event: str, message_pk: UUID, record: SentRecord, **details: str
) -> None:
    """Append the message's event once (its dedup key is the message's id)."""
    work.events.append(announcement(event, message_pk, record, **details))


def announcement(event: str, message_pk: UUID, record: SentRecord, **details: str) -> NewEvent:
    """The message's event, as `announce` appends it."""
    return NewEvent(
        record.organization_id,
        type=event,
        subject_id=message_pk,
        dedup_key=f"{event}:{message_pk}",
        payload={
            "message_id": str(message_pk),
            "inbox_id": str(record.inbox_id),
            "thread_id": str(record.thread_id) if record.thread_id else None,
            **details,
        },
        actor=record.actor,
    )


def fail_message(
    work: UnitOfWork, message_pk: UUID, reason: str, sources: list[DeliveryStatus]
) -> bool:
    record = work.outbox.fail(message_pk, reason, sources=sources)
    if record is None:
        return False
    announce(work, "message.failed", message_pk, record, reason=reason)
    return True
