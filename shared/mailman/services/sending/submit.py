"""Storing a planned message, in the transaction that read its sender and planned it: the
idempotency key is taken and the message threaded in its inbox; then its inline attachments
are written to the blob store, under keys of their own, and the message stored, Pending (or
Scheduled, with `send_at`) and marked queued, and answered as written (nothing is read
back; a draft sent keeps its first row's time, and is). Only after the transaction
commits is its id put on the outbound queue (`queue_if_due`), so no queue message exists
without its row; when the queue cannot take it, the row's mark is cleared and the
dispatcher queues it within the minute (`dispatch`), so no row stays unqueued.

The suppression list is asked about the recipients as the transaction begins storing, and
its answer read once threading has read the index: the question travels with that read,
so it costs a send no round trip. A message whose every recipient is suppressed is refused
(`RecipientsSuppressed`) before anything is written, to the database or the blob store;
otherwise the suppressed ones are stored `suppressed`, with why, and the rest are sent to.
The files are written only then, so neither a refusal nor a replayed send (whose first
request wrote them) leaves objects that no row names; the price is that the inbox's
threading lock is held while they are written."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from uuid import UUID

from mailman.domain.blobs import Blob
from mailman.domain.delivery import RecipientStatus
from mailman.domain.errors import RecipientsSuppressed
from mailman.domain.inbound import attachment_key, file_extension
from mailman.domain.mailbox import Attachment, MessageView
from mailman.domain.messages import NewMessage, ThreadEntry, written_view
from mailman.domain.models import MatchReason
from mailman.domain.outbound import Outgoing
from mailman.domain.suppressions import canonical_address, screen, skipped_reason
from mailman.mime import html_to_text, preview
from mailman.ports import BlobStore, UnitOfWork
from mailman.services.sending._internal import (
    draft_changed,
    enqueue,
    new_message_id,
    replay,
    written,
)
from mailman.services.sending.compose import Idempotency, Submitted
from mailman.services.sending.environment import Sending
from mailman.services.sending.plan import Plan, PlannedFile
from mailman.thread_resolution import AlreadyThreaded, ThreadingInput, assign_thread


def submit(
    env: Sending,
    work: UnitOfWork,
    planned: Plan,
    idempotency: Idempotency | None,
    *,
    at: datetime,
    draft: MessageView | None = None,
) -> Submitted:
    """Thread and store the message (or send the `draft` it was planned from, as the same
    row) in `work`, the transaction that began reading its sender at `at`."""
    now = env.clock.now()
    inbox, outgoing = planned.inbox, planned.outgoing
    if draft is None:
        pk, message_id = uuid.uuid4(), new_message_id(inbox)
    else:
        pk, message_id = draft.id, draft.message_id
    suppressed = _ask_suppressions(work, outgoing)
    if idempotency is not None:
        earlier = work.idempotency_keys.claim(idempotency.key, idempotency.request_sha256, pk, now)
        if earlier is not None:
            return replay(work, idempotency, *earlier)
    work.thread_index.lock(inbox.id)
    participants = frozenset(a.address for a in outgoing.recipients)
    decision = assign_thread(
        ThreadingInput(
            inbox.id,
            message_id=message_id,
            in_reply_to=(outgoing.in_reply_to,) if outgoing.in_reply_to else (),
            references=outgoing.references,
            subject=outgoing.subject,
            date=now,
            from_address=inbox.address,
            participants=participants - {inbox.address},
        ),
        work.thread_index,
    )
    assert not isinstance(decision, AlreadyThreaded), "a new or draft Message-ID"
    skipped = _skipped(outgoing, suppressed)
    attachments = write_files(env.blobs, planned.files, message_id, now) if draft is None else ()
    message = outgoing_row(
        pk, planned, message_id, now, attachments, thread=(decision.thread_id, decision.reason)
    )
    if draft is None:
        message = replace(message, created_at=at)
        work.messages.add(message)
    elif not work.drafts.promote(message, version=draft.updated_at):
        raise draft_changed()
    if skipped:
        work.outbox.mark_recipients(pk, RecipientStatus.SUPPRESSED.value, skipped)
    if decision.merged_thread_ids or decision.adopted_thread_ids:
        work.messages.refresh_thread(decision.thread_id)
    else:
        work.messages.note_in_thread(
            ThreadEntry(
                decision.thread_id,
                pk,
                at=now,
                preview=message.preview,
                subject=message.subject,
            )
        )
    # A promoted draft keeps its first row's time: it is read back.
    view = _marked(written_view(message), skipped) if draft is None else written(work, pk)
    return Submitted(view, replayed=False)


def _ask_suppressions(work: UnitOfWork, outgoing: Outgoing) -> Callable[[], dict[str, str]]:
    """Ask the suppression list about every recipient; the answer is read after the next
    read of the transaction (`SuppressionList.lookup`)."""
    addresses = {canonical_address(a.address) for a in outgoing.recipients}
    return work.suppressions.lookup(sorted(addresses))


def _skipped(outgoing: Outgoing, suppressed: Callable[[], dict[str, str]]) -> dict[str, str]:
    """The recipients (as the message names them) left out as suppressed, with the reason
    each is stored with; refuse the message when that is every one of them."""
    found = screen((a.address for a in outgoing.recipients), suppressed())
    if found and len(found) == len(outgoing.recipients):
        raise RecipientsSuppressed(found)
    return {address: skipped_reason(reason) for address, reason in found.items()}


def _marked(view: MessageView, skipped: Mapping[str, str]) -> MessageView:
    """The view of a message written with `skipped` recipients marked suppressed, as the
    recipients read back (every kind an address is named as)."""
    if not skipped:
        return view
    reasons = {a.lower(): why for a, why in skipped.items()}
    recipients = tuple(
        r.model_copy(
            update={"status": RecipientStatus.SUPPRESSED.value, "status_reason": reasons[key]}
        )
        if (key := r.address.lower()) in reasons
        else r
        for r in view.recipients
    )
    return view.model_copy(update={"recipients": recipients})


def queue_if_due(env: Sending, planned: Plan, submitted: Submitted) -> Submitted:
    """Once the transaction has committed: queue the message stored (not a replay's) if it is
    due now."""
    if not submitted.replayed and planned.options.send_at is None:
        enqueue(env, planned.inbox.organization_id, submitted.message.id)
    return submitted


def write_files(
    blobs: BlobStore, files: Sequence[PlannedFile], message_id: str, now: datetime
) -> tuple[Attachment, ...]:
    """Write the inline attachments; answer every attachment's row."""
    rows = []
    writes = []
    for f in files:
        attachment_id = uuid.uuid4()
        key = f.storage_key
        sha = ""
        if f.spec.content is not None:
            ext = file_extension(f.spec.filename, f.content_type)
            key = attachment_key(message_id, now, str(attachment_id), ext)
            writes.append(Blob(key, f.spec.content, f.content_type))
            sha = hashlib.sha256(f.spec.content).hexdigest()
        assert key is not None
        rows.append(
            Attachment(
                id=attachment_id,
                filename=f.spec.filename,
                content_type=f.content_type,
                size_bytes=f.size,
                sha256=sha,
                content_id=f.spec.content_id,
                inline=f.spec.content_id is not None,
                storage_key=key,
            )
        )
    for failure in blobs.put_many(writes):
        if failure is not None:
            raise failure
    return tuple(rows)


def outgoing_row(
    pk: UUID,
    planned: Plan,
    message_id: str,
    now: datetime,
    attachments: tuple[Attachment, ...],
    *,
    thread: tuple[UUID, MatchReason] | None,
) -> NewMessage:
    """The row of the planned message: in `thread` (with why), or a draft in none."""
    o = planned.outgoing
    text = o.text
    if text is None and o.html is not None:
        text = html_to_text(o.html).text
    return NewMessage.outgoing(
        pk,
        planned.inbox,
        o,
        planned.options,
        message_id=message_id,
        now=now,
        extracted_text=text,
        preview=preview(text or "") or None,
        attachments=attachments,
        thread=thread,
    )
