"""Storing received mail: each message threaded in its inbox and stored, its event
appended; recipients no inbox takes recorded and announced. Idempotent: a message is
identified per inbox by (Message-ID, content hash), so mail delivered twice stores one
message and appends one event."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from uuid import UUID

from mailman.domain.dmarc_reports import ReportSource
from mailman.domain.events import NewEvent
from mailman.domain.inbound import InboundMail, UnroutableMail
from mailman.domain.messages import NewMessage, StoredMessage, ThreadEntry
from mailman.domain.models import MatchReason
from mailman.domain.routing import Destination
from mailman.ports import ThreadIndex, UnitOfWork, UnitOfWorkFactory
from mailman.services import dmarc
from mailman.services.receiving.prepare import Prepared
from mailman.services.receiving.route import Routed
from mailman.thread_resolution import AlreadyThreaded, ThreadingInput, assign_thread, prefetch

_UNROUTABLE = "no inbox for the address"
_NOT_RECEIVING = "the domain is not verified for receiving: its MX record does not point at SES"

Identity = tuple[UUID, str, str]


@dataclass(frozen=True)
class Target:
    """One mail for one inbox."""

    prepared: Prepared
    mail: InboundMail
    destination: Destination

    @property
    def identity(self) -> Identity:
        """What makes a message of an inbox the same message: its id and its bytes."""
        parsed = self.prepared.parsed
        return (
            self.destination.inbox.inbox_id,
            parsed.message_id,
            self.prepared.stored.content_sha256,
        )


def store_organization(
    uow: UnitOfWorkFactory, organization_id: UUID, items: Sequence[Routed]
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
    work: UnitOfWork, organization_id: UUID, items: Sequence[Routed]
) -> dict[int, tuple[StoredMessage, ...]]:
    """Each mail's messages in the organisation's inboxes; its unroutable recipients on the
    organisation's domains recorded (once) and announced."""
    owners = []
    targets = []
    for item in items:
        for destination in item.destinations:
            if destination.inbox.organization_id == organization_id:
                owners.append(item.position)
                targets.append(Target(item.prepared, item.mail, destination))
    answers: dict[int, list[StoredMessage]] = {item.position: [] for item in items}
    for position, saved in zip(owners, store_targets(work, targets), strict=True):
        answers[position].append(saved)
    for item in items:
        _record_unroutable(work, organization_id, item)
        _store_reports(work, organization_id, item)
    return {position: tuple(saved) for position, saved in answers.items()}


def _store_reports(work: UnitOfWork, organization_id: UUID, item: Routed) -> None:
    """The mail's DMARC reports kept for each of the organisation's domains it came for."""
    source = ReportSource(
        item.prepared.stored.raw_storage_key, item.prepared.parsed.message_id, item.mail.received_at
    )
    for entry in item.report_domains:
        if entry.organization_id == organization_id:
            dmarc.store_reports(
                work, organization_id, (entry.domain_id, entry.name), source, item.reports
            )


def _record_unroutable(work: UnitOfWork, organization_id: UUID, item: Routed) -> None:
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
            raw_storage_key=item.prepared.stored.raw_storage_key,
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


def store_targets(work: UnitOfWork, targets: Sequence[Target]) -> list[StoredMessage]:
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
    for inbox_id in sorted({t.destination.inbox.inbox_id for t in targets}):
        work.thread_index.lock(inbox_id)
    found = work.messages.find_many([t.identity for t in targets])
    new: dict[Identity, Target] = {}  # each identity's first target, in order
    for target in targets:
        if target.identity not in found:
            new.setdefault(target.identity, target)
    folds = _Folds()
    written = _write_new(work, list(new.values()), folds)
    for took_in in folds.took_in():
        work.messages.refresh_thread(took_in)
    for target, message, saved in written:
        found[target.identity] = replace(saved, thread_id=folds.final(saved.thread_id))
        _announce(work, message, found[target.identity])
    answers = []
    for target in targets:
        saved = found[target.identity]
        if new.get(target.identity, target) is not target:
            saved = replace(saved, created=False)  # the same mail twice: the second finds it
        answers.append(saved)
    return answers


def _write_new(
    work: UnitOfWork, new: Sequence[Target], folds: _Folds
) -> list[tuple[Target, NewMessage, StoredMessage]]:
    """Thread each new message in order and write its row at once."""
    inputs = {t.identity: _threading_input(t) for t in new if t.prepared.reason is None}
    index = prefetch(list(inputs.values()), work.thread_index)
    written = []
    for target in new:
        thread_id, reason = folds.thread(index, inputs.get(target.identity))
        message = NewMessage.received(
            target.prepared.parsed,
            target.mail,
            target.destination,
            target.prepared.stored,
            thread_id=thread_id,
            reason=reason,
        )
        saved = work.messages.add(message)
        if thread_id is not None:
            work.messages.note_in_thread(
                ThreadEntry(
                    thread_id,
                    saved.id,
                    at=target.mail.received_at,
                    preview=message.preview,
                    subject=message.subject,
                )
            )
        written.append((target, message, saved))
    return written


@dataclass
class _Folds:
    """The threads folded into others while a batch is stored: where each went, and the
    threads that took others in."""

    moved: dict[UUID, UUID] = field(default_factory=dict)
    folded: set[UUID] = field(default_factory=set)

    def thread(
        self, index: ThreadIndex, message: ThreadingInput | None
    ) -> tuple[UUID | None, MatchReason]:
        """Where threading puts a new message (quarantined mail, with no input, joins no
        thread), noting the threads it folds."""
        if message is None:
            return None, MatchReason.NEW
        decision = assign_thread(message, index)
        if isinstance(decision, AlreadyThreaded):
            return decision.thread_id, MatchReason.MERGED
        others = (*decision.merged_thread_ids, *decision.adopted_thread_ids)
        if others:
            self.folded.add(decision.thread_id)
            self.moved.update(dict.fromkeys(others, decision.thread_id))
        return decision.thread_id, decision.reason

    def final(self, thread_id: UUID | None) -> UUID | None:
        """Where a thread ended up."""
        while thread_id is not None and thread_id in self.moved:
            thread_id = self.moved[thread_id]
        return thread_id

    def took_in(self) -> list[UUID]:
        """The threads, as they end up, that took others in, in one order."""
        return sorted(t for t in {self.final(t) for t in self.folded} if t is not None)


def _announce(work: UnitOfWork, message: NewMessage, saved: StoredMessage) -> None:
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
                "thread_id": str(saved.thread_id) if saved.thread_id else None,
                "from": message.from_address,
                "subject": message.subject,
                "preview": message.preview,
                "quarantine_reason": message.quarantine_reason,
                "scan": message.scan.as_json() if message.scan else None,
            },
        )
    )


def _threading_input(target: Target) -> ThreadingInput:
    parsed, mail = target.prepared.parsed, target.mail
    own = {a.lower() for a in target.destination.addresses}
    participants = [
        m.address.lower() for m in (*parsed.to, *parsed.cc) if m.address.lower() not in own
    ]
    participants.extend(_list_ids(parsed.headers))
    # The parser's ids are canonical already: no second parse.
    return ThreadingInput(
        target.destination.inbox.inbox_id,
        message_id=parsed.message_id,
        in_reply_to=(parsed.in_reply_to,) if parsed.in_reply_to else (),
        references=parsed.references,
        subject=parsed.subject,
        date=parsed.date or mail.received_at,
        from_address=parsed.from_.address if parsed.from_ else "",
        participants=frozenset(participants),
    )


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
