"""Sending mail from an inbox: a new message, a reply, a reply to all, a forward.

The message is checked whole before anything is stored: the inbox (live, of the caller's
organisation), its domain (verified for sending), every address, header and attachment, the
sizes. Attachments given inline are written to the blob store first, under keys of their
own; then one transaction takes the idempotency key, threads the message in its inbox and
stores it, Pending (or Scheduled, with `send_at`) and marked queued. Only after that commits
is its id put on the outbound queue, so no queue message exists without its row; when the
queue cannot take it, the row's mark is cleared and the dispatcher queues it within the
minute (`mailman.services.dispatch`), so no row stays unqueued.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from uuid import UUID

from mailman.domain.documents import check_metadata
from mailman.domain.errors import AttachmentTooLarge, Conflict, DeliveryError, NotFound
from mailman.domain.errors import ValidationError as Invalid
from mailman.domain.inbound import (
    attachment_key,
    content_type_of,
    file_extension,
    sent_raw_key,
)
from mailman.domain.mailbox import MessageView
from mailman.domain.messages import NewAttachment, NewMessage, NewRecipient, ThreadEntry
from mailman.domain.models import DeliveryStatus, Direction, Domain, Inbox, MatchReason
from mailman.domain.outbound import (
    Address,
    Outgoing,
    OutgoingAttachment,
    check_list_unsubscribe,
    check_outgoing,
    parse_address,
    parse_addresses,
)
from mailman.domain.sending import (
    MAX_INLINE_ATTACHMENT_BYTES,
    MAX_MESSAGE_BYTES,
    Forwarded,
    check_send_at,
    encoded_size,
    forward_subject,
    reference_chain,
    reply_subject,
    without,
)
from mailman.mime import html_to_text, preview
from mailman.ports import BlobStore, Clock, Queue, UnitOfWork, UnitOfWorkFactory
from mailman.thread_resolution import AlreadyThreaded, ThreadingInput, assign_thread

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AttachmentSpec:
    """An attachment as asked for: its bytes, an upload's id, or (forwards) a stored file."""

    filename: str
    content_type: str | None = None
    content: bytes | None = None
    upload_id: UUID | None = None
    content_id: str | None = None


@dataclass(frozen=True)
class Compose:
    """What the caller asks to send; a reply or forward fills in what is left out."""

    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    bcc: tuple[str, ...] = ()
    reply_to: tuple[str, ...] = ()
    subject: str | None = None
    text: str | None = None
    html: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    labels: tuple[str, ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict)
    attachments: tuple[AttachmentSpec, ...] = ()
    send_at: datetime | None = None
    list_unsubscribe: str | None = None
    """An https URL (one-click) or a mailto: URI; None takes the domain's, "" none."""


@dataclass(frozen=True)
class Idempotency:
    """An Idempotency-Key and a fingerprint of the request it came with."""

    key: str
    request_sha256: str

    @classmethod
    def of(cls, key: str, operation: str, body: object) -> Idempotency:
        canonical = json.dumps([operation, body], sort_keys=True, separators=(",", ":"))
        return cls(key, hashlib.sha256(canonical.encode()).hexdigest())


@dataclass(frozen=True)
class Submitted:
    message: MessageView
    replayed: bool
    """True when an earlier request with the same Idempotency-Key made the message."""


@dataclass(frozen=True)
class Sending:
    """What sending needs: the store, the blob store, the outbound queue and a clock."""

    uow: UnitOfWorkFactory
    blobs: BlobStore
    queue: Queue
    clock: Clock


@dataclass(frozen=True)
class _File:
    spec: AttachmentSpec
    content_type: str
    size: int
    storage_key: str | None
    """Where the bytes are already (an upload, a forwarded file); None for inline ones."""


@dataclass(frozen=True)
class Plan:
    """A message checked and ready to store."""

    inbox: Inbox
    outgoing: Outgoing
    files: tuple[_File, ...]
    send_at: datetime | None
    labels: tuple[str, ...]
    metadata: dict[str, Any]
    list_unsubscribe: str | None

    @property
    def status(self) -> DeliveryStatus:
        return DeliveryStatus.PENDING if self.send_at is None else DeliveryStatus.SCHEDULED


def send(
    env: Sending,
    organization_id: UUID,
    inbox_id: UUID,
    compose: Compose,
    idempotency: Idempotency | None = None,
) -> Submitted:
    """A new message from the inbox (it starts a thread unless its headers join one)."""
    with env.uow(organization_id) as work:
        inbox, domain = sender_of(work, inbox_id)
        planned = plan(env, work, inbox, domain, compose)
    return submit(env, planned, idempotency)


def reply(
    env: Sending,
    organization_id: UUID,
    message_id: UUID,
    compose: Compose,
    *,
    everyone: bool,
    inbox_id: UUID | None = None,
    idempotency: Idempotency | None = None,
) -> Submitted:
    """Answer a message in its thread: its sender (Reply-To first) or, with `everyone`, its
    sender and every other recipient but the inbox itself. For a message the inbox sent,
    the answer goes to the same people again."""
    with env.uow(organization_id) as work:
        parent = answered(work, message_id, inbox_id)
        inbox, domain = sender_of(work, parent.inbox_id)
        filled = reply_compose(parent, inbox, compose, everyone=everyone)
        parent_id, chain = replying_to(parent)
        planned = plan(env, work, inbox, domain, filled, in_reply_to=parent_id, references=chain)
    return submit(env, planned, idempotency)


def reply_compose(
    parent: MessageView, inbox: Inbox, compose: Compose, *, everyone: bool
) -> Compose:
    """The answer's recipients and subject, where `compose` leaves them out."""
    own = [inbox.address]
    to_kind = [r.address for r in parent.recipients if r.kind == "to"]
    cc_kind = [r.address for r in parent.recipients if r.kind == "cc"]
    if parent.direction == Direction.OUTBOUND:
        to = to_kind
        cc = cc_kind if everyone else []
    else:
        to = list(parent.reply_to) or [parent.from_address]
        cc = without(to_kind + cc_kind, to, own) if everyone else []
    return replace(
        compose,
        to=tuple(without([*to, *compose.to], own)),
        cc=tuple(without([*cc, *compose.cc], [*to, *compose.to], own)),
        subject=compose.subject or reply_subject(parent.subject),
    )


def replying_to(parent: MessageView) -> tuple[str, tuple[str, ...]]:
    """The In-Reply-To and References of an answer to `parent`."""
    return parent.message_id, reference_chain(parent.references, parent.message_id)


def forward(
    env: Sending,
    organization_id: UUID,
    message_id: UUID,
    compose: Compose,
    *,
    inbox_id: UUID | None = None,
    idempotency: Idempotency | None = None,
) -> Submitted:
    """Pass a message on to new recipients: the caller's text, then the original quoted
    with its attachments; it joins the original's thread."""
    with env.uow(organization_id) as work:
        parent = answered(work, message_id, inbox_id)
        inbox, domain = sender_of(work, parent.inbox_id)
        to = [r.address for r in parent.recipients if r.kind == "to"]
        quote = Forwarded(
            parent.from_address, parent.sent_at or parent.received_at, parent.subject, to
        )
        original_text = parent.text_body or (
            html_to_text(parent.html_body).text if parent.html_body else ""
        )
        quoted = quote.text(original_text)
        text = "\n\n".join(p for p in (compose.text, quoted) if p)
        html = None
        if compose.html is not None or parent.html_body is not None:
            own_html = compose.html or ""
            html = own_html + quote.html(parent.html_body or "")
        carried, keys = stored_files(parent)
        filled = replace(
            compose,
            subject=compose.subject or forward_subject(parent.subject),
            text=text,
            html=html,
            attachments=carried + compose.attachments,
        )
        parent_id, chain = replying_to(parent)
        planned = plan(
            env, work, inbox, domain, filled, in_reply_to=parent_id, references=chain, stored=keys
        )
    return submit(env, planned, idempotency)


def sender_of(work: UnitOfWork, inbox_id: UUID, *, sending: bool = True) -> tuple[Inbox, Domain]:
    """The live inbox and its domain, which must be verified for sending when `sending`."""
    inbox = work.inboxes.get(inbox_id)
    if inbox is None:
        raise NotFound("no such inbox", field="inbox_id")
    domain = work.domains.get(inbox.domain_id)
    if domain is None:
        raise NotFound("the inbox's domain is deleted", field="inbox_id")
    if sending:
        domain.require_sending()
    return inbox, domain


def answered(
    work: UnitOfWork,
    message_id: UUID,
    inbox_id: UUID | None,
    *,
    field: str = "message_id",
    inbox_field: str = "inbox_id",
) -> MessageView:
    """The message a reply or forward answers, of `inbox_id` when given; errors name
    `field`, or `inbox_field` for a message of another inbox."""
    parent = work.mailbox.message(message_id)
    if parent is None:
        raise NotFound("no such message", field=field)
    if inbox_id is not None and parent.inbox_id != inbox_id:
        raise Invalid("the message belongs to another inbox", field=inbox_field)
    if parent.status == DeliveryStatus.DRAFT:
        raise Invalid("a draft cannot be answered or forwarded", field=field)
    return parent


def plan(
    env: Sending,
    work: UnitOfWork,
    inbox: Inbox,
    domain: Domain,
    compose: Compose,
    *,
    in_reply_to: str | None = None,
    references: tuple[str, ...] = (),
    stored: dict[int, str] | None = None,
    complete: bool = True,
) -> Plan:
    """Check everything about the message (a draft, when not `complete`, may lack its
    recipients and content); nothing is stored or sent yet."""
    send_at = check_send_at(compose.send_at, env.clock.now())
    files = _files(env, work, compose.attachments, stored or {})
    reply_to = parse_addresses(compose.reply_to, "reply_to")
    if not reply_to and domain.reply_to:
        reply_to = (parse_address(domain.reply_to, "reply_to"),)
    unsubscribe = compose.list_unsubscribe
    if unsubscribe is None:
        unsubscribe = domain.list_unsubscribe
    outgoing = check_outgoing(
        Outgoing(
            sender=Address(inbox.address, inbox.display_name or domain.from_name),
            to=parse_addresses(compose.to, "to"),
            cc=parse_addresses(compose.cc, "cc"),
            bcc=parse_addresses(compose.bcc, "bcc"),
            subject=compose.subject or "",
            text=compose.text,
            html=compose.html,
            reply_to=reply_to,
            headers=compose.headers,
            in_reply_to=in_reply_to,
            references=references,
            attachments=tuple(
                OutgoingAttachment(f.spec.filename, f.content_type, b"", f.spec.content_id)
                for f in files
            ),
        ),
        complete=complete,
    )
    body = len((compose.text or "").encode()) + 2 * len((compose.html or "").encode())
    if body + sum(encoded_size(f.size) for f in files) > MAX_MESSAGE_BYTES:
        raise AttachmentTooLarge(
            f"the message would exceed SES's {MAX_MESSAGE_BYTES // 2**20} MB limit once encoded",
            field="attachments",
        )
    return Plan(
        inbox,
        outgoing,
        files,
        send_at,
        compose.labels,
        check_metadata(compose.metadata),
        check_list_unsubscribe(unsubscribe) if unsubscribe else None,
    )


def _files(
    env: Sending, work: UnitOfWork, specs: Sequence[AttachmentSpec], stored: dict[int, str]
) -> tuple[_File, ...]:
    inline = sum(len(s.content) for s in specs if s.content is not None)
    if inline > MAX_INLINE_ATTACHMENT_BYTES:
        raise AttachmentTooLarge(
            f"attachments in the request may hold {MAX_INLINE_ATTACHMENT_BYTES // 2**20} MiB in "
            "all; upload larger files with POST /attachments and send their ids",
            field="attachments",
        )
    wanted = [s.upload_id for s in specs if s.upload_id is not None]
    uploads = work.uploads.live(wanted, env.clock.now()) if wanted else {}
    files = []
    for n, spec in enumerate(specs):
        where = f"attachments[{n}]"
        key = stored.get(n)
        if spec.upload_id is not None:
            upload = uploads.get(spec.upload_id)
            if upload is None:
                raise NotFound("no such upload (or it expired)", field=f"{where}.attachment_id")
            key = upload.storage_key
        content_type = spec.content_type or content_type_of(spec.filename)
        if key is None:
            if spec.content is None:
                raise Invalid("give content (base64) or an attachment_id", field=where)
            files.append(_File(spec, content_type, len(spec.content), None))
            continue
        size = env.blobs.size(key)
        if size is None:
            raise Invalid("the file was not uploaded yet", field=f"{where}.attachment_id")
        files.append(_File(spec, content_type, size, key))
    return tuple(files)


def submit(
    env: Sending,
    planned: Plan,
    idempotency: Idempotency | None,
    *,
    draft: MessageView | None = None,
) -> Submitted:
    """Thread and store the message (or send the `draft` it was planned from, as the same
    row), then queue it if it is due."""
    now = env.clock.now()
    inbox, outgoing = planned.inbox, planned.outgoing
    if draft is None:
        pk = uuid.uuid4()
        message_id = new_message_id(inbox)
        attachments = write_files(env.blobs, planned.files, message_id, now)
    else:
        pk, message_id, attachments = draft.id, draft.message_id, ()
    with env.uow(inbox.organization_id) as work:
        if idempotency is not None:
            earlier = work.idempotency_keys.claim(
                idempotency.key, idempotency.request_sha256, pk, now
            )
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
        message = new_message(
            pk, planned, message_id, now, attachments, thread=(decision.thread_id, decision.reason)
        )
        if draft is None:
            work.messages.add(message)
        elif not work.drafts.promote(message, version=draft.updated_at):
            raise draft_changed()
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
                    unread=False,
                )
            )
        view = written(work, pk)
    if planned.send_at is None:
        enqueue(env, inbox.organization_id, pk)
    return Submitted(view, replayed=False)


def stored_files(message: MessageView) -> tuple[tuple[AttachmentSpec, ...], dict[int, str]]:
    """A stored message's attachments as a send asks for them, and where each is stored
    (by position): a forward carries them, a draft keeps them."""
    specs = tuple(
        AttachmentSpec(a.filename or "attachment", a.content_type, content_id=a.content_id)
        for a in message.attachments
    )
    return specs, {n: a.storage_key for n, a in enumerate(message.attachments)}


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


def write_files(
    blobs: BlobStore, files: Sequence[_File], message_id: str, now: datetime
) -> tuple[NewAttachment, ...]:
    """Write the inline attachments; answer every attachment's row."""
    rows = []
    for f in files:
        attachment_id = uuid.uuid4()
        key = f.storage_key
        sha = ""
        if f.spec.content is not None:
            ext = file_extension(f.spec.filename, f.content_type)
            key = attachment_key(message_id, now, str(attachment_id), ext)
            blobs.put(key, f.spec.content, f.content_type)
            sha = hashlib.sha256(f.spec.content).hexdigest()
        assert key is not None
        rows.append(
            NewAttachment(
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
    return tuple(rows)


def new_message(
    pk: UUID,
    planned: Plan,
    message_id: str,
    now: datetime,
    attachments: tuple[NewAttachment, ...],
    *,
    thread: tuple[UUID, MatchReason] | None,
) -> NewMessage:
    """The row of the planned message: in `thread` (with why), or a draft in none."""
    o = planned.outgoing
    text = o.text
    if text is None and o.html is not None:
        text = html_to_text(o.html).text
    if thread is None:
        status, queued_at = DeliveryStatus.DRAFT, None
    else:
        status, queued_at = planned.status, now if planned.send_at is None else None
    return NewMessage(
        id=pk,
        organization_id=planned.inbox.organization_id,
        inbox_id=planned.inbox.id,
        thread_id=thread[0] if thread else None,
        message_id=message_id,
        message_id_generated=True,
        content_sha256="",
        direction=Direction.OUTBOUND,
        source="api",
        source_id=str(pk),
        from_address=o.sender.address,
        from_name=o.sender.name,
        subject=o.subject or None,
        sent_at=None,
        received_at=None,
        in_reply_to=o.in_reply_to,
        references=o.references,
        text_body=o.text,
        html_body=o.html,
        extracted_text=text,
        preview=preview(text or "") or None,
        headers=list(o.headers),
        raw_storage_key=sent_raw_key(message_id, now),
        size_bytes=0,
        match_reason=thread[1] if thread else MatchReason.NEW,
        reply_to=tuple(a.address for a in o.reply_to),
        recipients=(
            *(NewRecipient("to", a.address, a.name) for a in o.to),
            *(NewRecipient("cc", a.address, a.name) for a in o.cc),
            *(NewRecipient("bcc", a.address, a.name) for a in o.bcc),
        ),
        attachments=attachments,
        status=status,
        send_at=planned.send_at,
        queued_at=queued_at,
        labels=planned.labels,
        metadata=planned.metadata,
        list_unsubscribe=planned.list_unsubscribe,
    )
