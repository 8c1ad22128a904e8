"""Receiving mail: parse, route to inboxes, thread, store, announce.

Idempotent: a message is identified per inbox by (Message-ID, content hash), so a
notification delivered twice stores one message and appends one event. Objects are written
to S3 under keys derived from the content before the database is touched, so a failure at
any step leaves the queue message to be retried and the database unchanged.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from typing import TypeVar
from uuid import UUID

from mailman import mime
from mailman.domain.events import NewEvent
from mailman.domain.inbound import (
    InboundMail,
    UnroutableMail,
    attachment_key,
    file_extension,
    quarantine_reason,
    raw_key,
    sha256_hex,
)
from mailman.domain.messages import (
    NewAttachment,
    NewMessage,
    NewRecipient,
    StoredMessage,
    ThreadEntry,
)
from mailman.domain.models import Direction, Inbox, MatchReason
from mailman.domain.routing import Delivery, InboxAddress, RoutingEntry, route
from mailman.ports import BlobStore, ThreadIndex, UnitOfWork, UnitOfWorkFactory
from mailman.thread_resolution import AlreadyThreaded, ThreadingInput, assign_thread, prefetch

_UNROUTABLE = "no inbox for the address"
_NOT_RECEIVING = "the domain is not verified for receiving: its MX record does not point at SES"
_ATTACHMENT_NAMESPACE = UUID("2b8f0f5e-8c0a-4a56-b7b1-3f1f3d7a4e10")
T = TypeVar("T")


@dataclass(frozen=True)
class Received:
    stored: tuple[StoredMessage, ...]
    unroutable: tuple[str, ...]
    quarantine_reason: str | None


def _routing_lookups(entries: Sequence[RoutingEntry]) -> tuple[dict[str, RoutingEntry], set[str]]:
    by_name = {e.name: e for e in entries if e.can_receive}
    return by_name, {e.name for e in entries}


def _route(
    addresses: Sequence[str], entries: Sequence[RoutingEntry]
) -> tuple[list[Delivery], dict[str, list[str]]]:
    """Deliveries, and unroutable addresses grouped by domain (our domains only)."""
    receiving, ours = _routing_lookups(entries)

    def inbox(entry: RoutingEntry, inbox_id: UUID) -> InboxAddress:
        return InboxAddress(inbox_id, entry.organization_id, entry.domain_id)

    def lookup(domain: str, local: str) -> InboxAddress | None:
        entry = receiving.get(domain)
        found = entry.inboxes.get(local) if entry else None
        return inbox(entry, found) if entry and found else None

    def catch_all(domain: str) -> InboxAddress | None:
        entry = receiving.get(domain)
        return inbox(entry, entry.catch_all) if entry and entry.catch_all else None

    routing = route(addresses, lookup, catch_all, ours.__contains__)
    unroutable: dict[str, list[str]] = {}
    for address in routing.unroutable:
        unroutable.setdefault(address.rpartition("@")[2], []).append(address)
    return list(routing.deliveries), unroutable


def _attachments(
    parsed: mime.ParsedMail, received_at: datetime, identity: str
) -> tuple[NewAttachment, ...]:
    stored = []
    for position, part in enumerate(parsed.attachments):
        attachment_id = uuid.uuid5(_ATTACHMENT_NAMESPACE, f"{identity}/{position}")
        ext = file_extension(part.filename, part.content_type)
        key = attachment_key(parsed.message_id, received_at, str(attachment_id), ext)
        stored.append(
            NewAttachment(
                id=attachment_id,
                filename=part.filename,
                content_type=part.content_type,
                size_bytes=part.size,
                sha256=part.sha256,
                content_id=part.content_id,
                inline=part.inline,
                storage_key=key,
            )
        )
    return tuple(stored)


def _recipients(parsed: mime.ParsedMail, envelope: Sequence[str]) -> tuple[NewRecipient, ...]:
    return (
        *(NewRecipient("to", m.address.lower(), m.name) for m in parsed.to),
        *(NewRecipient("cc", m.address.lower(), m.name) for m in parsed.cc),
        *(NewRecipient("envelope", a.lower()) for a in envelope),
    )


@dataclass(frozen=True)
class _Prepared:
    """A parsed message, with the objects to write before it is stored: its raw form and
    its attachments, under keys derived from the content (a retry rewrites the same)."""

    parsed: mime.ParsedMail
    raw: bytes
    content_sha: str
    raw_key: str
    reason: str | None
    attachments: tuple[NewAttachment, ...]

    def write(self, blobs: BlobStore) -> None:
        blobs.put(self.raw_key, self.raw, "message/rfc822")
        # Quarantined mail keeps no attachments of its own: then there is none to write.
        for stored, part in zip(self.attachments, self.parsed.attachments, strict=False):
            blobs.put(stored.storage_key, part.content, stored.content_type)


def _prepare(mail: InboundMail, content: bytes) -> _Prepared:
    """Parse and judge the mail, and name its objects."""
    parsed = mime.parse(content)
    content_sha = parsed.raw_sha256
    reason = quarantine_reason(mail, parsed.quarantine_reason)
    stored_key = raw_key(parsed.message_id, content_sha, mail.received_at)
    attachments = _attachments(parsed, mail.received_at, content_sha) if reason is None else ()
    return _Prepared(parsed, content, content_sha, stored_key, reason, attachments)


_BLOB_THREADS = 10


@functools.cache
def _blob_calls() -> ThreadPoolExecutor:
    """Threads for the blob store: S3 answers each call in tens of milliseconds, so a batch's
    reads, then its writes, are made at once rather than one after another."""
    return ThreadPoolExecutor(max_workers=_BLOB_THREADS, thread_name_prefix="mailman-blobs")


def _at_once(calls: Sequence[Callable[[], T]]) -> list[T | Exception]:
    """Each call's answer or exception, the calls made concurrently (inline when only one)."""
    futures = [_blob_calls().submit(call) for call in calls] if len(calls) > 1 else None
    answers: list[T | Exception] = []
    for n, call in enumerate(calls):
        try:
            answers.append(call() if futures is None else futures[n].result())
        except Exception as exc:  # answered for this call alone
            answers.append(exc)
    return answers


@dataclass(frozen=True)
class Incoming:
    """One mail of a batch, with its raw bytes if the caller has them already."""

    mail: InboundMail
    raw: bytes | None = None


@dataclass(frozen=True)
class _Routed:
    """A prepared mail of the batch and where it goes."""

    position: int
    mail: InboundMail
    prepared: _Prepared
    deliveries: list[Delivery]
    unroutable: list[tuple[RoutingEntry, list[str]]]
    """Recipients on our domains that no inbox takes, with their domain."""

    def organizations(self) -> list[UUID]:
        found = [d.inbox.organization_id for d in self.deliveries]
        found.extend(entry.organization_id for entry, _ in self.unroutable)
        return list(dict.fromkeys(found))

    def received(self, stored: Sequence[StoredMessage]) -> Received:
        return Received(
            tuple(stored),
            tuple(a for _, group in self.unroutable for a in group),
            self.prepared.reason,
        )


def receive(
    uow: UnitOfWorkFactory,
    blobs: BlobStore,
    mail: InboundMail,
    raw: bytes | None = None,
) -> Received:
    """Store `mail` (its raw bytes given, or read from where the mail service put them)."""
    outcome = receive_batch(uow, blobs, [Incoming(mail, raw)])[0]
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


def receive_batch(
    uow: UnitOfWorkFactory, blobs: BlobStore, batch: Sequence[Incoming]
) -> list[Received | Exception]:
    """Store a batch of mail (an SQS batch), answering for each what was stored or why not.

    One routing lookup serves the batch, and each organisation it reaches gets one
    transaction with its statements pipelined. When that transaction fails, its mail is
    stored again one message per transaction, so a message that cannot be stored fails alone.
    """
    outcomes: dict[int, Received | Exception] = {}
    routed = _route_all(uow, _prepare_all(blobs, batch, outcomes))
    by_org: dict[UUID, list[_Routed]] = {}
    for item in routed:
        for organization_id in item.organizations():
            by_org.setdefault(organization_id, []).append(item)
    stored: dict[int, list[StoredMessage]] = {item.position: [] for item in routed}
    for organization_id, items in by_org.items():
        for position, saved in _store_organization(uow, organization_id, items).items():
            if isinstance(saved, Exception):
                outcomes[position] = saved
            else:
                stored[position].extend(saved)
    for item in routed:
        outcomes.setdefault(item.position, item.received(stored[item.position]))
    return [outcomes[position] for position in range(len(batch))]


def _prepare_all(
    blobs: BlobStore, batch: Sequence[Incoming], outcomes: dict[int, Received | Exception]
) -> list[tuple[int, Incoming, _Prepared]]:
    """Each mail of the batch read (where the mail service put it), parsed and its objects
    written; a mail that fails is answered in `outcomes` and left out."""
    missing = [n for n, incoming in enumerate(batch) if incoming.raw is None]
    fetched = dict(
        zip(
            missing,
            _at_once([partial(blobs.get, batch[n].mail.raw_key or "") for n in missing]),
            strict=True,
        )
    )
    parsed: list[tuple[int, Incoming, _Prepared]] = []
    for position, incoming in enumerate(batch):
        raw = incoming.raw if incoming.raw is not None else fetched[position]
        if isinstance(raw, Exception):
            outcomes[position] = raw
            continue
        try:
            parsed.append((position, incoming, _prepare(incoming.mail, raw)))
        except Exception as exc:  # answered for this mail alone
            outcomes[position] = exc
    ready: list[tuple[int, Incoming, _Prepared]] = []
    written = _at_once([partial(prepared.write, blobs) for _, _, prepared in parsed])
    for item, failure in zip(parsed, written, strict=True):
        if failure is None:
            ready.append(item)
        else:
            outcomes[item[0]] = failure
    return ready


def _route_all(
    uow: UnitOfWorkFactory, ready: Sequence[tuple[int, Incoming, _Prepared]]
) -> list[_Routed]:
    """Route every mail of the batch with one lookup."""
    addresses = {
        position: [
            *item.mail.envelope_recipients,
            *(m.address for m in (*prepared.parsed.to, *prepared.parsed.cc)),
        ]
        for position, item, prepared in ready
    }
    domains = {
        a.rpartition("@")[2].lower().rstrip(".")
        for found in addresses.values()
        for a in found
        if "@" in a
    }
    entries: Sequence[RoutingEntry] = ()
    if domains:
        with uow(None, pipelined=True) as work:  # BEGIN, the lookup and COMMIT: two round trips
            entries = work.inboxes.routing(sorted(domains))
    by_name = {e.name: e for e in entries}
    routed = []
    for position, item, prepared in ready:
        deliveries, unroutable = _route(addresses[position], entries)
        routed.append(
            _Routed(
                position,
                item.mail,
                prepared,
                deliveries,
                [(by_name[domain], recipients) for domain, recipients in unroutable.items()],
            )
        )
    return routed


def _store_organization(
    uow: UnitOfWorkFactory, organization_id: UUID, items: Sequence[_Routed]
) -> dict[int, tuple[StoredMessage, ...] | Exception]:
    """Store the organisation's part of each mail in one transaction or, when that fails, in
    one transaction per mail."""
    try:
        with uow(organization_id, pipelined=True) as work:
            return dict(_store_items(work, organization_id, items))
    except Exception:  # isolated below, one mail at a time
        answers: dict[int, tuple[StoredMessage, ...] | Exception] = {}
        for item in items:
            try:
                with uow(organization_id) as work:
                    answers.update(_store_items(work, organization_id, [item]))
            except Exception as exc:  # answered for this mail alone
                answers[item.position] = exc
        return answers


def _store_items(
    work: UnitOfWork, organization_id: UUID, items: Sequence[_Routed]
) -> dict[int, tuple[StoredMessage, ...]]:
    """Each mail's messages in the organisation's inboxes; its unroutable recipients on the
    organisation's domains recorded (once) and announced."""
    owners = []
    targets = []
    for item in items:
        for delivery in item.deliveries:
            if delivery.inbox.organization_id == organization_id:
                owners.append(item.position)
                targets.append(_Target(item.prepared, item.mail, delivery))
    answers: dict[int, list[StoredMessage]] = {item.position: [] for item in items}
    for position, saved in zip(owners, _store_targets(work, targets), strict=True):
        answers[position].append(saved)
    for item in items:
        _record_unroutable(work, organization_id, item)
    return {position: tuple(saved) for position, saved in answers.items()}


def _record_unroutable(work: UnitOfWork, organization_id: UUID, item: _Routed) -> None:
    for entry, recipients in item.unroutable:
        if entry.organization_id != organization_id:
            continue
        reason = _UNROUTABLE if entry.can_receive else _NOT_RECEIVING
        unroutable = UnroutableMail(
            organization_id,
            domain_id=entry.domain_id,
            recipients=tuple(recipients),
            message_id=item.prepared.parsed.message_id,
            source_id=item.mail.source_id,
            raw_storage_key=item.prepared.raw_key,
            reason=reason,
        )
        if work.messages.add_unroutable(unroutable):
            work.events.append(
                NewEvent(
                    organization_id,
                    type="message.unroutable",
                    subject_id=entry.domain_id,
                    dedup_key=f"message.unroutable:{item.mail.source_id}:{entry.name}",
                    payload={"domain": entry.name, "recipients": recipients, "reason": reason},
                )
            )


def import_message(
    uow: UnitOfWorkFactory, blobs: BlobStore, inbox: Inbox, raw: bytes, received_at: datetime
) -> StoredMessage:
    """Bring one existing message into `inbox` (no routing), through the same parsing and
    threading; importing the same bytes again stores nothing more."""
    content_sha = sha256_hex(raw)
    with uow(inbox.organization_id) as work:
        existing = work.messages.find_content(inbox.id, content_sha)
    if existing is not None:
        return existing
    mail = InboundMail(source="import", source_id=content_sha, received_at=received_at)
    prepared = _prepare(mail, raw)
    prepared.write(blobs)
    target = InboxAddress(inbox.id, inbox.organization_id, inbox.domain_id)
    with uow(inbox.organization_id) as work:
        return _store_targets(work, [_Target(prepared, mail, Delivery(target, (inbox.address,)))])[
            0
        ]


def _list_ids(headers: Sequence[tuple[str, str]]) -> list[str]:
    """The mailing list a message came through (List-Id, RFC 2919): a participant to
    threading, as the list is everyone's correspondent."""
    found = []
    for name, value in headers:
        if name.lower() == "list-id":
            inner = value.rpartition("<")[2].partition(">")[0] if "<" in value else value
            if inner.strip():
                found.append(inner.strip().lower())
    return found


@dataclass(frozen=True)
class _Target:
    """One mail for one inbox."""

    prepared: _Prepared
    mail: InboundMail
    delivery: Delivery

    @property
    def identity(self) -> tuple[UUID, str, str]:
        """What makes a message of an inbox the same message: its id and its bytes."""
        parsed = self.prepared.parsed
        return (self.delivery.inbox.inbox_id, parsed.message_id, self.prepared.content_sha)


def _store_targets(work: UnitOfWork, targets: Sequence[_Target]) -> list[StoredMessage]:
    """Store each mail in its inbox, answering the message of each (found or new).

    In steps arranged so that the server's work overlaps ours. The inboxes are locked (in one
    order, so two batches cannot deadlock) and the messages already stored looked up at
    once. Then what threading will read is read at once, and each new message threaded in
    order (reading again only what earlier ones changed) and its row written right away,
    answering nothing: the server stores one message while the next is threaded. A later
    message that folds threads moves the rows written into them, and the threads that took
    others in are counted afresh at the end. Last the events, which name each message's
    final thread. Under the inbox locks no other transaction stores these messages
    meanwhile.
    """
    for inbox_id in sorted({t.delivery.inbox.inbox_id for t in targets}):
        work.thread_index.lock(inbox_id)
    found = work.messages.find_many([t.identity for t in targets])
    new: dict[tuple[UUID, str, str], _Target] = {}  # each identity's first target, in order
    for target in targets:
        if target.identity not in found:
            new.setdefault(target.identity, target)
    inputs = {i: _threading_input(t) for i, t in new.items() if t.prepared.reason is None}
    index = prefetch(list(inputs.values()), work.thread_index)
    moved: dict[UUID, UUID] = {}  # threads folded into others meanwhile: where each went
    folded: set[UUID] = set()  # threads that took others in
    written: list[tuple[_Target, NewMessage, StoredMessage]] = []
    for target in new.values():
        thread_id, reason = _thread(index, inputs.get(target.identity), moved, folded)
        message = _new_message(target, thread_id, reason)
        saved = work.messages.add(message)
        if thread_id is not None:
            work.messages.note_in_thread(
                ThreadEntry(
                    thread_id,
                    saved.id,
                    at=target.mail.received_at,
                    preview=message.preview,
                    subject=message.subject,
                    unread=True,
                )
            )
        written.append((target, message, saved))

    def final(thread_id: UUID | None) -> UUID | None:
        while thread_id is not None and thread_id in moved:
            thread_id = moved[thread_id]
        return thread_id

    for took_in in sorted(t for t in {final(t) for t in folded} if t is not None):
        work.messages.refresh_thread(took_in)
    for target, message, saved in written:
        thread_id = final(saved.thread_id)
        found[target.identity] = replace(saved, thread_id=thread_id)
        event = "message.quarantined" if message.quarantine_reason else "message.received"
        work.events.append(
            NewEvent(
                message.organization_id,
                type=event,
                subject_id=saved.id,
                dedup_key=f"{event}:{saved.id}",
                payload={
                    "message_id": str(saved.id),
                    "inbox_id": str(message.inbox_id),
                    "thread_id": str(thread_id) if thread_id else None,
                    "from": message.from_address,
                    "subject": message.subject,
                    "preview": message.preview,
                    "quarantine_reason": message.quarantine_reason,
                },
            )
        )
    answers = []
    for target in targets:
        saved = found[target.identity]
        if target.identity in new and new[target.identity] is not target:
            saved = replace(saved, created=False)  # the same mail twice: the second finds it
        answers.append(saved)
    return answers


def _threading_input(target: _Target) -> ThreadingInput:
    parsed, mail = target.prepared.parsed, target.mail
    own = {a.lower() for a in target.delivery.addresses}
    participants = [
        m.address.lower() for m in (*parsed.to, *parsed.cc) if m.address.lower() not in own
    ]
    participants.extend(_list_ids(parsed.headers))
    # The parser's ids are canonical already: no second parse.
    return ThreadingInput(
        target.delivery.inbox.inbox_id,
        message_id=parsed.message_id,
        in_reply_to=(parsed.in_reply_to,) if parsed.in_reply_to else (),
        references=parsed.references,
        subject=parsed.subject,
        date=parsed.date or mail.received_at,
        from_address=parsed.from_.address if parsed.from_ else "",
        participants=frozenset(participants),
    )


def _thread(
    index: ThreadIndex,
    message: ThreadingInput | None,
    moved: dict[UUID, UUID],
    folded: set[UUID],
) -> tuple[UUID | None, MatchReason]:
    """Where threading puts a new message (quarantined mail, with no input, joins no thread),
    noting the threads it folds."""
    if message is None:
        return None, MatchReason.NEW
    decision = assign_thread(message, index)
    if isinstance(decision, AlreadyThreaded):
        return decision.thread_id, MatchReason.MERGED
    others = (*decision.merged_thread_ids, *decision.adopted_thread_ids)
    if others:
        folded.add(decision.thread_id)
        moved.update(dict.fromkeys(others, decision.thread_id))
    return decision.thread_id, decision.reason


def _new_message(target: _Target, thread_id: UUID | None, reason: MatchReason) -> NewMessage:
    prepared, mail, delivery = target.prepared, target.mail, target.delivery
    parsed = prepared.parsed
    return NewMessage(
        organization_id=delivery.inbox.organization_id,
        inbox_id=delivery.inbox.inbox_id,
        thread_id=thread_id,
        message_id=parsed.message_id,
        message_id_generated=parsed.message_id_generated,
        content_sha256=prepared.content_sha,
        direction=Direction.INBOUND,
        source=mail.source,
        source_id=mail.source_id,
        from_address=parsed.from_.address if parsed.from_ else "",
        from_name=parsed.from_.name if parsed.from_ else None,
        subject=parsed.subject or None,
        sent_at=parsed.date,
        received_at=mail.received_at,
        in_reply_to=parsed.in_reply_to,
        references=parsed.references,
        text_body=parsed.text or None,
        html_body=parsed.html,
        extracted_text=parsed.extracted_text or None,
        preview=parsed.preview or None,
        headers=list(parsed.headers),
        raw_storage_key=prepared.raw_key,
        size_bytes=parsed.size,
        match_reason=reason,
        verdicts=dict(mail.verdicts),
        quarantine_reason=prepared.reason,
        defects=parsed.defects,
        plus_tags=delivery.tags,
        reply_to=tuple(m.address for m in parsed.reply_to),
        recipients=_recipients(parsed, mail.envelope_recipients),
        attachments=prepared.attachments,
    )
