"""`InMemoryOutbox`: outgoing mail on its way, each state move allowed only from the states
`DeliveryStatus` lets it start from, as the PostgreSQL outbox's WHERE clauses do."""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from uuid import UUID

from mailman.adapters.memory.reputation import InMemoryDeliveryCountRepository
from mailman.adapters.memory.tables import MessageRow, ScopedRepository
from mailman.domain.delivery import RecipientStatus
from mailman.domain.messages import (
    DueMessage,
    OutgoingFile,
    OutgoingMail,
    SentConfirmation,
    SentRecord,
)
from mailman.domain.models import DeliveryStatus, Direction
from mailman.domain.reputation import DeliveryCounts, HourlyCounts, hour_of
from mailman.domain.threads import ThreadIds
from mailman.domain.tracking import RecipientTrack

_S = DeliveryStatus
_R = RecipientStatus
_WAITING = {_S(s) for s in _S.sources_of(_S.CANCELLED)}
"""Mail not yet handed to SES: what may still be cancelled, or rescheduled."""
_REQUEUE_AFTER = timedelta(minutes=15)
"""A waiting message queued longer ago than this, and still waiting, is queued again."""


def _record(row: MessageRow, *, newly: bool) -> SentRecord:
    m = row.message
    return SentRecord(m.organization_id, m.inbox_id, m.thread_id, newly, row.actor)


class InMemoryOutbox(ScopedRepository):
    def _row(
        self, message_pk: UUID, sources: Collection[DeliveryStatus], *, outbound: bool = False
    ) -> MessageRow | None:
        """The visible, live message if it is in one of `sources` (and outbound, if asked)."""
        row = self._tables.messages.get(message_pk)
        if row is None or row.deleted_at is not None or not self._scope.sees(row.organization_id):
            return None
        if not self._scope.reaches(row.message.inbox_id):
            return None
        if outbound and row.message.direction != Direction.OUTBOUND:
            return None
        return row if row.message.status in sources else None

    def _move(self, row: MessageRow, status: DeliveryStatus, at: datetime) -> None:
        row.message = replace(row.message, status=status)
        row.updated_at = at

    def claim(self, message_pk: UUID, at: datetime) -> OutgoingMail | None:
        sources = {_S(s) for s in _S.sources_of(_S.SENDING)}
        row = self._row(message_pk, sources, outbound=True)
        if row is None or (row.message.send_at is not None and row.message.send_at > at):
            return None
        self._move(row, _S.SENDING, at)
        row.handed_off_at = at
        m = row.message
        return OutgoingMail(
            id=row.id,
            organization_id=m.organization_id,
            inbox_id=m.inbox_id,
            thread_id=m.thread_id,
            message_id=m.message_id,
            from_address=m.from_address,
            from_name=m.from_name,
            reply_to=m.reply_to,
            subject=m.subject,
            text_body=m.text_body,
            html_body=m.html_body,
            in_reply_to=m.in_reply_to,
            references=m.references,
            headers=tuple(m.headers),
            recipients=tuple(
                replace(r, status=row.recipient_states.get(r.address.lower(), (None, None))[0])
                for r in m.recipients
            ),
            attachments=tuple(
                OutgoingFile(a.filename, a.content_type, a.content_id, a.storage_key)
                for a in m.attachments
            ),
            created_at=row.created_at,
            raw_storage_key=m.raw_storage_key,
            list_unsubscribe=m.list_unsubscribe,
            sending_paused=self._paused(m.inbox_id),
        )

    def _paused(self, inbox_id: UUID) -> bool:
        """Whether the inbox's domain has its sending paused."""
        domain = self._tables.domains[self._tables.inboxes[inbox_id].domain_id]
        return domain.sending_paused

    def mark_recipients(self, message_pk: UUID, status: str, reasons: Mapping[str, str]) -> None:
        row = self._row(message_pk, set(_S))
        if row is not None:
            named = {r.address.lower() for r in row.message.recipients}
            for address, reason in reasons.items():
                if address.lower() in named:
                    row.recipient_states[address.lower()] = (status, reason)

    def hand_back(self, message_pk: UUID, at: datetime) -> None:
        row = self._row(message_pk, {_S.SENDING})
        if row is not None:
            row.message = replace(row.message, queued_at=at)
            self._move(row, _S.PENDING, at)

    def fail(
        self, message_pk: UUID, reason: str, *, sources: Sequence[DeliveryStatus]
    ) -> SentRecord | None:
        row = self._row(message_pk, sources)
        if row is None:
            return None
        self._move(row, _S.FAILED, self._scope.stamp())
        row.status_reason = reason
        return _record(row, newly=True)

    def record_sent(self, sent: SentConfirmation) -> SentRecord | None:
        """SES's id joins the thread index as the message's, unless the index knows it
        already (PostgreSQL would mark it seen, in the thread it is in). A message whose SES
        id is recorded is not moved again (Failed, it is its recipients' summary)."""
        row = self._row(sent.message_pk, {_S(s) for s in _S.sources_of(_S.SENT)})
        if row is None or row.ses_message_id is not None:
            repeat = self._row(sent.message_pk, set(_S))
            if repeat is not None and repeat.ses_message_id == sent.ses_message_id:
                return _record(repeat, newly=False)
            return None
        row.message = replace(row.message, sent_at=sent.at)
        self._move(row, _S.SENT, self._scope.stamp())
        row.status_reason, row.ses_message_id = None, sent.ses_message_id
        self._recipients_sent(row, sent.at)
        m = row.message
        index = self._tables.thread_index
        if m.thread_id is not None and not index.links(m.inbox_id, [sent.ses_header_id]):
            index.add_ids(ThreadIds(m.inbox_id, m.thread_id, [sent.ses_header_id], []))
        return _record(row, newly=True)

    def record_built(self, message_pk: UUID, size_bytes: int, digests: Mapping[str, str]) -> None:
        row = self._row(message_pk, set(_S))
        if row is None:
            return
        attachments = tuple(
            a.model_copy(update={"sha256": digests[a.storage_key]})
            if not a.sha256 and a.storage_key in digests
            else a
            for a in row.message.attachments
        )
        row.message = replace(row.message, size_bytes=size_bytes, attachments=attachments)

    def record_sent_many(
        self, sent: Sequence[SentConfirmation]
    ) -> Callable[[], list[SentRecord | None]]:
        records = [self.record_sent(s) for s in sent]
        return lambda: records

    def _recipients_sent(self, row: MessageRow, at: datetime) -> None:
        """Every recipient not left out (suppressed) is Sent, and counted in the hour."""
        waiting = [
            address
            for address in dict.fromkeys(r.address.lower() for r in row.message.recipients)
            if row.recipient_states.get(address, (None, None))[0] in (None, _R.PENDING)
        ]
        for address in waiting:
            row.recipient_states[address] = (_R.SENT.value, None)
            track = row.tracks.setdefault(address, RecipientTrack())
            track.sent_at = min(track.sent_at or at, at)
        if waiting:
            m = row.message
            InMemoryDeliveryCountRepository(self._scope).add(
                [
                    HourlyCounts(
                        m.organization_id,
                        self._tables.inboxes[m.inbox_id].domain_id,
                        m.inbox_id,
                        hour_of(at),
                        DeliveryCounts(sent=len(waiting)),
                    )
                ]
            )

    def set_queued(self, message_pks: Sequence[UUID], at: datetime | None) -> None:
        for pk in message_pks:
            row = self._row(pk, set(_S))
            if row is not None:
                row.message = replace(row.message, queued_at=at)

    def cancel(self, message_pk: UUID, at: datetime) -> SentRecord | None:
        row = self._row(message_pk, _WAITING, outbound=True)
        if row is None:
            return None
        row.message = replace(row.message, queued_at=None)
        self._move(row, _S.CANCELLED, at)
        return _record(row, newly=True)

    def reschedule(
        self, message_pk: UUID, send_at: datetime | None, *, queued_at: datetime | None
    ) -> bool:
        row = self._row(message_pk, _WAITING, outbound=True)
        if row is None:
            return False
        status = _S.PENDING if send_at is None else _S.SCHEDULED
        row.message = replace(row.message, send_at=send_at, queued_at=queued_at)
        self._move(row, status, self._scope.stamp())
        return True

    def due(self, at: datetime, *, horizon_seconds: int, limit: int) -> Sequence[DueMessage]:
        horizon = at + timedelta(seconds=horizon_seconds)
        due = [
            row
            for row in self._tables.messages.values()
            if self._row(row.id, {_S.PENDING, _S.SCHEDULED}) is not None
            and (row.message.send_at or row.created_at) <= horizon
            and (row.message.queued_at is None or row.message.queued_at < at - _REQUEUE_AFTER)
        ]
        due.sort(key=lambda row: row.message.send_at or row.created_at)
        answers = []
        for row in due[:limit]:
            row.message = replace(row.message, queued_at=at)
            send_at = row.message.send_at
            # Rounded up: a job that arrived before its time would be skipped.
            delay = max(0, math.ceil((send_at - at).total_seconds())) if send_at else 0
            answers.append(DueMessage(row.organization_id, row.id, delay))
        return answers

    def unconfirmed(self, before: datetime, limit: int) -> Sequence[tuple[UUID, UUID]]:
        stale = [
            row
            for row in self._tables.messages.values()
            if self._row(row.id, {_S.SENDING}) is not None
            and row.handed_off_at is not None
            and row.handed_off_at < before
        ]
        stale.sort(key=lambda row: row.handed_off_at or before)
        return [(row.organization_id, row.id) for row in stale[:limit]]
